/**
 * Webhook throughput and latency through real HTTP servers with signature checks, over
 * loopback, measured side by side in one run so the ratios hold on a noisy machine:
 *
 *   (a) plain    node:http + `@octokit/webhooks-methods` verify: the physical ceiling
 *   (b) probot   Probot's own `run` with a no-op handler: the framework ceiling
 *   (c) app      this app (`npm start`'s command) on irrelevant deliveries, config cache warm
 *   (d) app      this app on full upgrade lifecycles (push -> PR -> green -> approve -> merge)
 *
 * (c) and (d) run on SQLite and, when it answers, PostgreSQL. (c) is measured in rounds that
 * alternate with the same Probot no-op process (b), so the two figures it is compared with come
 * from the same minutes of a machine whose load changes. Every loop is bounded in count and
 * time. `npm run bench:webhooks`; BENCH_SECONDS (default 8), BENCH_ROUNDS (8), BENCH_CONCURRENCY
 * (16), BENCH_LIFECYCLE_SECONDS (20), BENCH_INSTALLATIONS (20), BENCH_POSTGRES=0 to skip PostgreSQL.
 */
import { performance } from "node:perf_hooks";
import { startAppProcess } from "../test/support/app-process.js";
import { createWebhookSender } from "../test/support/fake-github/index.js";
import { runLifecycle } from "./support/lifecycle.js";
import { type LoadResult, mergeLoads, runLoad, signDeliveries } from "./support/load.js";
import { cpuMs, type ServerProcess, settle, startServerProcess } from "./support/processes.js";
import { line, percentile, printMachine, table, verdict } from "./support/report.js";
import { appEnv, databases, irrelevantDeliveries, probotEnv, rowCounts, SECRET, startWorld } from "./support/world.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
/** Every server gets the same warm-up (JIT, tsx's lazy compilation, caches) before it is measured. */
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 8));
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 200_000);
const LIFECYCLE_SECONDS = Number(process.env.BENCH_LIFECYCLE_SECONDS ?? 20);
const INSTALLATIONS = Number(process.env.BENCH_INSTALLATIONS ?? 20);
const NOISE_REPOS = 10;
const HOOK_PATH = "/api/github/webhooks";

await printMachine();
const world = await startWorld({ repos: Math.max(NOISE_REPOS, INSTALLATIONS), installations: INSTALLATIONS });
const { fake } = world;
const noise = signDeliveries(SECRET, irrelevantDeliveries(fake, world.repos.slice(0, NOISE_REPOS), 4));
line("irrelevant_delivery_pool", noise.length, "deliveries");
line("irrelevant_delivery_mean_size", noise.reduce((sum, d) => sum + d.body.length, 0) / noise.length / 1024, "KiB");

const load = (url: string, maxSeconds = SECONDS) => runLoad({ url: `${url}${HOOK_PATH}`, deliveries: noise, concurrency: CONCURRENCY, maxRequests: MAX_REQUESTS, maxSeconds });
const warm = (url: string) => runLoad({ url: `${url}${HOOK_PATH}`, deliveries: noise, concurrency: CONCURRENCY, maxRequests: MAX_REQUESTS, maxSeconds: WARM_SECONDS });

function report(name: string, r: LoadResult): void {
  line(`${name}_throughput`, r.perSecond, "deliveries/s");
  line(`${name}_p50`, r.p50, "ms");
  line(`${name}_p99`, r.p99, "ms");
  line(`${name}_requests`, r.requests, "deliveries");
  line(`${name}_errors`, r.errors, "deliveries");
}

async function ceiling(name: string, server: ServerProcess): Promise<LoadResult> {
  await warm(server.url);
  const result = await load(server.url);
  report(name, result);
  return result;
}

interface Measured extends LoadResult {
  /** CPU time of the server process per delivery, in µs. */
  cpuPerDelivery: number;
}

/** Rounds of SECONDS / ROUNDS on each server in turn, who goes first alternating. */
async function sideBySide(app: { url: string; pid: number }, probot: { url: string; pid: number }): Promise<{ app: Measured; probot: Measured }> {
  const runs = new Map([app, probot].map((server) => [server, { results: [] as LoadResult[], cpu: 0 }]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [app, probot] : [probot, app];
    for (const server of order) {
      const run = runs.get(server) as { results: LoadResult[]; cpu: number };
      const before = cpuMs(server.pid);
      run.results.push(await load(server.url, SECONDS / ROUNDS));
      run.cpu += cpuMs(server.pid) - before;
    }
  }
  const merged = (server: { url: string; pid: number }): Measured => {
    const run = runs.get(server) as { results: LoadResult[]; cpu: number };
    const result = mergeLoads(run.results);
    return { ...result, cpuPerDelivery: (run.cpu * 1000) / Math.max(1, result.requests) };
  };
  return { app: merged(app), probot: merged(probot) };
}

const rows: Array<Array<string | number>> = [["scenario", "deliveries/s", "p50 ms", "p99 ms", "x plain", "x probot", "CPU µs/delivery", "GitHub req", "DB rows +"]];
const plainServer = await startServerProcess("bench/servers/plain-verify.ts", { WEBHOOK_SECRET: SECRET });
const plain = await ceiling("a_plain_verify", plainServer).finally(() => plainServer.stop());
// Probot's no-op process stays up: (c) alternates with it.
const probotServer = await startServerProcess("bench/servers/bare-probot.ts", probotEnv(fake), "/ping");
const probot = await ceiling("b_probot_noop", probotServer);
rows.push(["(a) node:http + verify", plain.perSecond, plain.p50, plain.p99, 1, plain.perSecond / probot.perSecond, "-", "-", "-"]);
rows.push(["(b) Probot no-op, alone", probot.perSecond, probot.p50, probot.p99, probot.perSecond / plain.perSecond, 1, "-", "-", "-"]);

for (const database of await databases()) {
  const empty = await database.create();
  const app = await startAppProcess(appEnv(fake, empty.url));
  try {
    // Start-up traffic (GET /app, the first reconciliation of every installation) is over
    // before anything is counted: no GitHub request for 2 s.
    await settle(() => fake.requests.length, 2000, 120_000);
    // (c) irrelevant deliveries. The warm-up reads each repository's config once (cached 5 min).
    await warm(app.url);
    await settle(() => fake.requests.length, 300);
    fake.clearRequests();
    const before = await rowCounts(empty.url);
    const { app: c, probot: b } = await sideBySide({ url: app.url, pid: app.child.pid ?? 0 }, probotServer);
    await settle(() => fake.requests.length, 300);
    const after = await rowCounts(empty.url);
    const githubRequests = fake.requests.length;
    const rowsWritten = after.deliveries - before.deliveries + (after.upgrades - before.upgrades) + (after.events - before.events);
    const name = `c_app_irrelevant_${database.name}`;
    report(`b_probot_noop_alongside_${database.name}`, b);
    line(`b_probot_noop_alongside_${database.name}_cpu_per_delivery`, b.cpuPerDelivery, "µs");
    report(name, c);
    line(`${name}_cpu_per_delivery`, c.cpuPerDelivery, "µs");
    line(`${name}_vs_plain`, c.perSecond / plain.perSecond, "x");
    line(`${name}_vs_probot`, c.perSecond / b.perSecond, "x");
    line(`${name}_github_requests`, githubRequests, "requests");
    line(`${name}_db_rows_written`, rowsWritten, "rows");
    verdict(`irrelevant_throughput_${database.name}`, c.perSecond >= b.perSecond, `${(c.perSecond / b.perSecond).toFixed(2)}x Probot no-op's deliveries/s in the same rounds (want >= 1.00x)`);
    verdict(`irrelevant_p99_${database.name}`, c.p99 <= b.p99, `p99 ${c.p99.toFixed(2)} ms vs Probot no-op's ${b.p99.toFixed(2)} ms in the same rounds (want no worse)`);
    verdict(`irrelevant_no_work_${database.name}`, githubRequests === 0 && rowsWritten === 0 && c.errors === 0, `${githubRequests} GitHub requests, ${rowsWritten} rows written, ${c.errors} non-2xx answers (want 0 each)`);
    rows.push([`(b) Probot no-op, alongside ${database.name}`, b.perSecond, b.p50, b.p99, b.perSecond / plain.perSecond, 1, b.cpuPerDelivery, "-", "-"]);
    rows.push([`(c) app, irrelevant, ${database.name}`, c.perSecond, c.p50, c.p99, c.perSecond / plain.perSecond, c.perSecond / b.perSecond, c.cpuPerDelivery, githubRequests, rowsWritten]);

    // (d) full lifecycles, one worker per installation (Probot spaces writes 1 s apart per installation).
    fake.autoDeliver({ url: `${app.url}${HOOK_PATH}`, secret: SECRET });
    const hooks = createWebhookSender({ url: `${app.url}${HOOK_PATH}`, secret: SECRET });
    fake.clearRequests();
    const started = performance.now();
    const deadline = started + LIFECYCLE_SECONDS * 1000;
    const latencies: number[] = [];
    let failures = 0;
    const lifecycleRepos = world.repos.slice(0, INSTALLATIONS);
    await Promise.all(
      lifecycleRepos.map(async (repo, w) => {
        for (let i = 0; performance.now() < deadline && i < 100; i++) {
          try {
            latencies.push((await runLifecycle(fake, hooks, repo, `${database.name}-${w}-${i}`)).ms);
          } catch (error) {
            failures++;
            console.log(`lifecycle failed: ${error instanceof Error ? error.message : String(error)}`);
            return;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await fake.settleDeliveries();
    fake.autoDeliver(null);
    latencies.sort((a, b) => a - b);
    const d = `d_app_lifecycles_${database.name}`;
    const perSecond = latencies.length / seconds;
    line(`${d}_completed`, latencies.length, "lifecycles");
    line(`${d}_failed`, failures, "lifecycles");
    line(`${d}_throughput`, perSecond, "lifecycles/s");
    line(`${d}_p50`, percentile(latencies, 50), "ms");
    line(`${d}_p99`, percentile(latencies, 99), "ms");
    line(`${d}_installations`, lifecycleRepos.length, "installations");
    line(`${d}_github_requests_per_lifecycle`, fake.requests.length / Math.max(1, latencies.length), "requests");
    line(`${d}_deliveries_per_lifecycle`, (fake.deliveries.length + 3 * latencies.length) / Math.max(1, latencies.length), "deliveries");
    fake.deliveries.length = 0;
    rows.push([`(d) app, lifecycles, ${database.name}`, perSecond, percentile(latencies, 50), percentile(latencies, 99), "-", "-", "-", fake.requests.length, "-"]);
  } finally {
    await app.stop();
    await empty.drop();
  }
}
await probotServer.stop();
await fake.close();
console.log("(b) alone runs before the app; (b) alongside <database> alternates with (c) in the same rounds, and is what (c)'s ratio and targets use.");
console.log("(d) is in lifecycles/s; its latency is a whole lifecycle, bounded by Probot's 1 s spacing of content-creating requests per installation.");
table(rows);
