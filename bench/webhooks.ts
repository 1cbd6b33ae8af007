/**
 * Webhook throughput and latency through real HTTP servers with signature checks, over
 * loopback, measured side by side in one run so the ratios hold on a noisy machine:
 *
 *   (a) plain    node:http + `@octokit/webhooks-methods` verify: the physical ceiling
 *   (b) probot   Probot's own `run` with a no-op handler: the framework ceiling
 *   (c) app      this app (`npm start`'s command) on irrelevant deliveries, config cache warm
 *   (d) app      this app on full upgrade lifecycles (push -> PR -> green -> approve -> merge)
 *
 * (c) and (d) run on SQLite and, when it answers, PostgreSQL. Every loop is bounded in count and
 * time. `npm run bench:webhooks`; BENCH_SECONDS (default 8), BENCH_CONCURRENCY (16),
 * BENCH_LIFECYCLE_SECONDS (20), BENCH_INSTALLATIONS (20), BENCH_POSTGRES=0 to skip PostgreSQL.
 */
import { performance } from "node:perf_hooks";
import { startAppProcess } from "../test/support/app-process.js";
import { createWebhookSender } from "../test/support/fake-github/index.js";
import { runLifecycle } from "./support/lifecycle.js";
import { type LoadResult, runLoad, signDeliveries } from "./support/load.js";
import { type ServerProcess, settle, startServerProcess } from "./support/processes.js";
import { line, percentile, printMachine, table, verdict } from "./support/report.js";
import { appEnv, databases, irrelevantDeliveries, probotEnv, rowCounts, SECRET, startWorld } from "./support/world.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
/** Every server gets the same warm-up (JIT, tsx's lazy compilation, caches) before it is measured. */
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
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

async function ceiling(name: string, start: () => Promise<ServerProcess>): Promise<LoadResult> {
  const server = await start();
  try {
    await warm(server.url);
    const result = await load(server.url);
    report(name, result);
    return result;
  } finally {
    await server.stop();
  }
}

const rows: Array<Array<string | number>> = [["scenario", "deliveries/s", "p50 ms", "p99 ms", "x plain", "x probot", "GitHub req", "DB rows +"]];
const plain = await ceiling("a_plain_verify", () => startServerProcess("bench/servers/plain-verify.ts", { WEBHOOK_SECRET: SECRET }));
const probot = await ceiling("b_probot_noop", () => startServerProcess("bench/servers/bare-probot.ts", probotEnv(fake), "/ping"));
rows.push(["(a) node:http + verify", plain.perSecond, plain.p50, plain.p99, 1, plain.perSecond / probot.perSecond, "-", "-"]);
rows.push(["(b) Probot no-op", probot.perSecond, probot.p50, probot.p99, probot.perSecond / plain.perSecond, 1, "-", "-"]);

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
    const c = await load(app.url);
    await settle(() => fake.requests.length, 300);
    const after = await rowCounts(empty.url);
    const githubRequests = fake.requests.length;
    const rowsWritten = after.deliveries - before.deliveries + (after.upgrades - before.upgrades) + (after.events - before.events);
    const name = `c_app_irrelevant_${database.name}`;
    report(name, c);
    line(`${name}_vs_plain`, c.perSecond / plain.perSecond, "x");
    line(`${name}_vs_probot`, c.perSecond / probot.perSecond, "x");
    line(`${name}_github_requests`, githubRequests, "requests");
    line(`${name}_db_rows_written`, rowsWritten, "rows");
    verdict(
      `irrelevant_throughput_${database.name}`,
      c.perSecond >= 0.9 * probot.perSecond && githubRequests === 0 && rowsWritten === 0,
      `${(c.perSecond / probot.perSecond).toFixed(2)}x Probot no-op (want >= 0.90x), ${githubRequests} GitHub requests (want 0), ${rowsWritten} rows written (want 0)`,
    );
    rows.push([`(c) app, irrelevant, ${database.name}`, c.perSecond, c.p50, c.p99, c.perSecond / plain.perSecond, c.perSecond / probot.perSecond, githubRequests, rowsWritten]);

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
    rows.push([`(d) app, lifecycles, ${database.name}`, perSecond, percentile(latencies, 50), percentile(latencies, 99), "-", "-", fake.requests.length, "-"]);
  } finally {
    await app.stop();
    await empty.drop();
  }
}
await fake.close();
console.log("(d) is in lifecycles/s; its latency is a whole lifecycle, bounded by Probot's 1 s spacing of content-creating requests per installation.");
table(rows);
