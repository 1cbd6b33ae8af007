/**
 * GitHub requests (REST and GraphQL) per full upgrade lifecycle (push -> PR -> green -> approve
 * -> merge), by endpoint, from the fake GitHub's request log, and per irrelevant delivery
 * (target: none). Content-creating requests (REST POST/PATCH/PUT/DELETE, GraphQL mutations) are
 * counted separately: GitHub allows an installation 80 of them a minute, and Probot spaces them
 * a second apart. Lifecycles run in a repository with GitHub's defaults and in one that deletes
 * head branches on merge (`delete_branch_on_merge`), where the app leaves the deletion to GitHub.
 *
 * One app process on SQLite; lifecycles run one after another in one repository so every
 * request in a lifecycle's window is that lifecycle's (the webhooks GitHub sends for the app's
 * own changes included). The first lifecycle is "cold" (installation token and config not
 * cached yet); the next ones are "warm". `npm run bench:requests`; BENCH_LIFECYCLES (3).
 */
import { startAppProcess } from "../test/support/app-process.js";
import { createEmptySqliteDatabase } from "../test/support/database.js";
import { createWebhookSender, type RecordedRequest } from "../test/support/fake-github/index.js";
import { runLifecycle } from "./support/lifecycle.js";
import { settle } from "./support/processes.js";
import { line, printMachine, table, verdict } from "./support/report.js";
import { appEnv, irrelevantDeliveries, rowCounts, SECRET, startWorld } from "./support/world.js";

const LIFECYCLES = Math.max(2, Number(process.env.BENCH_LIFECYCLES ?? 3));
const MAX_REQUESTS = 12;
const MAX_WRITES = 8;

/** `PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge`-style names for recorded requests. */
export function endpointOf(r: RecordedRequest): string {
  const path = decodeURIComponent(r.path.replace(/\?.*$/, ""))
    .replace(/^\/api\/v3/, "")
    .replace(/^\/repos\/[^/]+\/[^/]+/, "/repos/{owner}/{repo}")
    .replace(/\/compare\/.*$/, "/compare/{base}...{head}")
    .replace(/\/(git\/refs?)\/heads\/.*$/, "/$1/heads/{branch}")
    .replace(/\/labels\/[^/]+$/, "/labels/{name}")
    .replace(/\/contents\/.*$/, "/contents/{path}")
    .replace(/\/[0-9a-f]{40}(?=\/|$)/g, "/{sha}")
    .replace(/\/\d+(?=\/|$)/g, "/{n}");
  return `${r.method} ${path}${r.operationName ? ` (${r.operationName})` : ""}`;
}

const isGraphqlQuery = (r: RecordedRequest) => /\/graphql$/.test(r.path) && r.operationName !== null && !/Merge$|Enqueue$|^Revert/.test(r.operationName ?? "");
const isWrite = (r: RecordedRequest) => r.method !== "GET" && r.method !== "HEAD" && !isGraphqlQuery(r);
/** Installation tokens are created with the app's JWT: not an installation request, cached for an hour. */
const isToken = (r: RecordedRequest) => /\/access_tokens$/.test(r.path);

await printMachine();
const world = await startWorld({ repos: 3, installations: 1 });
const { fake, repos } = world;
const [repo, noiseRepo, autoDeleteRepo] = repos as [string, string, string];
fake.setRepoSettings(autoDeleteRepo, { deleteBranchOnMerge: true });
const empty = await createEmptySqliteDatabase();
const app = await startAppProcess(appEnv(fake, empty.url));
const hookUrl = `${app.url}/api/github/webhooks`;
const hooks = createWebhookSender({ url: hookUrl, secret: SECRET });
const quiet = () => settle(() => fake.requests.length + fake.deliveries.length, 1500, 60_000);

try {
  await quiet();
  fake.autoDeliver({ url: hookUrl, secret: SECRET });
  const measure = async (target: string, name: string) => {
    const perLifecycle: RecordedRequest[][] = [];
    for (let i = 0; i < LIFECYCLES; i++) {
      fake.clearRequests();
      await runLifecycle(fake, hooks, target, `${name}-${i}`);
      await fake.settleDeliveries();
      await quiet();
      perLifecycle.push([...fake.requests]);
    }
    return perLifecycle;
  };
  const perLifecycle = await measure(repo, "count");
  const autoDelete = await measure(autoDeleteRepo, "auto");

  const cold = perLifecycle[0] ?? [];
  const warm = perLifecycle[perLifecycle.length - 1] ?? [];
  const autoWarm = autoDelete[autoDelete.length - 1] ?? [];
  const endpoints = new Map<string, number[]>();
  [...perLifecycle, autoWarm].forEach((requests, i) => {
    for (const r of requests) {
      const counts = endpoints.get(endpointOf(r)) ?? Array<number>(LIFECYCLES + 1).fill(0);
      counts[i] = (counts[i] ?? 0) + 1;
      endpoints.set(endpointOf(r), counts);
    }
  });
  const rows: Array<Array<string | number>> = [["endpoint", "writes?", "cold", ...perLifecycle.slice(1).map((_, i) => `warm ${i + 1}`), "warm, auto-delete"]];
  for (const [endpoint, counts] of [...endpoints].sort((a, b) => a[0].localeCompare(b[0]))) {
    rows.push([endpoint, isWrite({ method: endpoint.split(" ")[0] ?? "", path: endpoint.split(" ")[1] ?? "", operationName: /\((\w+)\)$/.exec(endpoint)?.[1] ?? null } as RecordedRequest) ? "write" : "", ...counts]);
  }
  const counted = (list: RecordedRequest[]) => list.filter((r) => !isToken(r));
  rows.push(["total (REST + GraphQL, no token)", "", ...[...perLifecycle, autoWarm].map((l) => counted(l).length)]);
  rows.push(["content-creating", "", ...[...perLifecycle, autoWarm].map((l) => counted(l).filter(isWrite).length)]);
  table(rows);

  for (const [name, list] of [
    ["cold", cold],
    ["warm", warm],
    ["warm_auto_delete", autoWarm],
  ] as const) {
    line(`lifecycle_${name}_github_requests`, counted(list).length, "requests");
    line(`lifecycle_${name}_graphql_requests`, counted(list).filter((r) => /\/graphql$/.test(r.path)).length, "requests");
    line(`lifecycle_${name}_content_creating_requests`, counted(list).filter(isWrite).length, "requests");
    line(`lifecycle_${name}_token_requests`, list.filter(isToken).length, "requests");
  }
  line("lifecycle_webhook_deliveries", fake.deliveries.length / (2 * LIFECYCLES) + 3, "deliveries");
  for (const [name, list, where] of [
    ["", warm, "a repository that keeps merged branches (GitHub's default): the app deletes the branch"],
    ["_auto_delete", autoWarm, "a repository with delete_branch_on_merge: GitHub deletes the branch"],
  ] as const) {
    const total = counted(list).length;
    const writes = counted(list).filter(isWrite).length;
    verdict(`lifecycle_requests${name}`, total <= MAX_REQUESTS, `${total} requests per warm lifecycle in ${where} (want <= ${MAX_REQUESTS}); cold: ${counted(cold).length}`);
    verdict(`lifecycle_content_creating${name}`, writes <= MAX_WRITES, `${writes} content-creating per warm lifecycle (want <= ${MAX_WRITES})`);
  }
  fake.autoDeliver(null);

  // Irrelevant deliveries: warm the noise repository's config, then count.
  const noise = irrelevantDeliveries(fake, [noiseRepo], 10);
  for (const d of noise.slice(0, 3)) await hooks.send(d.event, d.payload);
  await quiet();
  fake.clearRequests();
  const before = await rowCounts(empty.url);
  for (const d of noise) await hooks.send(d.event, d.payload);
  await quiet();
  const after = await rowCounts(empty.url);
  const written = after.deliveries - before.deliveries + (after.upgrades - before.upgrades) + (after.events - before.events);
  line("irrelevant_deliveries_sent", noise.length, "deliveries");
  line("irrelevant_github_requests", fake.requests.length, "requests");
  line("irrelevant_github_requests_per_delivery", fake.requests.length / noise.length, "requests");
  line("irrelevant_db_rows_written", written, "rows");
  verdict("irrelevant_requests", fake.requests.length === 0 && written === 0, `${fake.requests.length} GitHub requests and ${written} rows for ${noise.length} irrelevant deliveries (want 0 and 0)`);
} finally {
  fake.autoDeliver(null);
  await app.stop();
  await fake.close();
  await empty.drop();
}
