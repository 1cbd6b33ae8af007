/**
 * Memory of the app process under the traffic of a busy organisation: 100,000 deliveries about
 * pull requests that are not upgrades (the mix of bench:webhooks (c)), each with a new delivery
 * id. The child's resident set size is read from /proc/<pid>/status (VmRSS) after the warm-up,
 * every 5,000 deliveries, and compared between the first and second 50,000: the growth is the
 * mean of the samples in the second half over the mean in the first (one sample alone mostly
 * shows where the garbage collector happened to be), printed with the single points too.
 * `npm run bench:memory`; BENCH_MEMORY_DELIVERIES (100000), BENCH_MEMORY_MAX_SECONDS (600).
 */
import { startAppProcess } from "../test/support/app-process.js";
import { createEmptySqliteDatabase } from "../test/support/database.js";
import { runLoad, signDeliveries } from "./support/load.js";
import { residentMiB, settle } from "./support/processes.js";
import { line, printMachine, table, verdict } from "./support/report.js";
import { appEnv, irrelevantDeliveries, SECRET, startWorld } from "./support/world.js";

const TOTAL = Number(process.env.BENCH_MEMORY_DELIVERIES ?? 100_000);
const MAX_SECONDS = Number(process.env.BENCH_MEMORY_MAX_SECONDS ?? 600);
const STEP = Math.max(1, Math.round(TOTAL / 20));

await printMachine();
const world = await startWorld({ repos: 10, installations: 5 });
const { fake } = world;
const deliveries = signDeliveries(SECRET, irrelevantDeliveries(fake, world.repos, 4));
const empty = await createEmptySqliteDatabase();
const app = await startAppProcess(appEnv(fake, empty.url));
const pid = app.child.pid ?? 0;
const url = `${app.url}/api/github/webhooks`;
try {
  await settle(() => fake.requests.length, 2000, 120_000);
  await runLoad({ url, deliveries, concurrency: 16, maxRequests: 5_000, maxSeconds: 20 });
  await settle(() => fake.requests.length, 500);
  fake.clearRequests();
  const samples: Array<[number, number]> = [[0, residentMiB(pid)]];
  const result = await runLoad({
    url,
    deliveries,
    concurrency: 16,
    maxRequests: TOTAL,
    maxSeconds: MAX_SECONDS,
    progress: { every: STEP, onProgress: (done) => void samples.push([done, residentMiB(pid)]) },
  });
  const at = (n: number) => samples.find(([done]) => done === n)?.[1] ?? Number.NaN;
  const start = samples[0]?.[1] ?? Number.NaN;
  const half = at(Math.round(TOTAL / 2 / STEP) * STEP);
  const end = samples[samples.length - 1]?.[1] ?? Number.NaN;
  const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
  const firstHalf = mean(samples.filter(([n]) => n > 0 && n <= TOTAL / 2).map(([, rss]) => rss));
  const secondHalf = mean(samples.filter(([n]) => n > TOTAL / 2).map(([, rss]) => rss));
  const growth = ((secondHalf - firstHalf) / firstHalf) * 100;
  const pointGrowth = ((end - half) / half) * 100;
  table([["deliveries", "RSS MiB"], ...samples.map(([n, rss]) => [n, rss])]);
  line("memory_deliveries", result.requests, "deliveries");
  line("memory_errors", result.errors, "deliveries");
  line("memory_throughput", result.perSecond, "deliveries/s");
  line("memory_rss_after_warmup", start, "MiB");
  line("memory_rss_after_half", half, "MiB");
  line("memory_rss_after_all", end, "MiB");
  line("memory_rss_mean_first_half", firstHalf, "MiB");
  line("memory_rss_mean_second_half", secondHalf, "MiB");
  line("memory_rss_growth_second_half", growth, "%");
  line("memory_rss_growth_half_to_end_point", pointGrowth, "%");
  line("memory_github_requests", fake.requests.length, "requests");
  verdict(
    "rss_growth",
    result.requests >= TOTAL && growth < 2,
    `mean RSS ${growth.toFixed(2)} % higher over the second ${TOTAL / 2} deliveries than over the first (want < 2 %)${result.requests < TOTAL ? `; only ${result.requests} sent within ${MAX_SECONDS} s` : ""}`,
  );
} finally {
  await app.stop();
  await fake.close();
  await empty.drop();
}
