/**
 * Memory of the app process under the traffic of a busy organisation: 100,000 deliveries about
 * pull requests that are not upgrades (the mix of bench:webhooks (c)), each with a new delivery
 * id. The child's resident set size is read from /proc/<pid>/status (VmRSS) after the warm-up,
 * every 5,000 deliveries, and compared between the first and second 50,000: the growth is the
 * mean of the samples in the second half over the mean in the first (one sample alone mostly
 * shows where the garbage collector happened to be), printed with the single points too.
 *
 * Those samples fall wherever V8's heap is in its sawtooth (garbage piles up between full
 * collections, about every 45,000 deliveries here), so the target is judged on what a leak would
 * show: the RSS right after a full collection, asked of the app through its inspector
 * (`--inspect=127.0.0.1:0`, `HeapProfiler.collectGarbage`), after the warm-up, at half way and at
 * the end. The sampled means are still printed.
 * `npm run bench:memory`; BENCH_MEMORY_DELIVERIES (100000), BENCH_MEMORY_MAX_SECONDS (600).
 */
import { startAppProcess } from "../test/support/app-process.js";
import { createEmptySqliteDatabase } from "../test/support/database.js";
import { runLoad, signDeliveries } from "./support/load.js";
import { connectCollector, inspectorUrl } from "./support/inspector.js";
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
// The inspector only lets the benchmark ask for full collections; nothing else is changed.
const app = await startAppProcess({ ...appEnv(fake, empty.url), NODE_OPTIONS: "--inspect=127.0.0.1:0" });
const pid = app.child.pid ?? 0;
const url = `${app.url}/api/github/webhooks`;
const collector = await connectCollector(inspectorUrl(app.output()));
/** RSS right after a full collection (and a moment for V8 to give the freed pages back). */
const collectedMiB = async () => {
  await collector.collect();
  await new Promise((resolve) => setTimeout(resolve, 500));
  return residentMiB(pid);
};
try {
  await settle(() => fake.requests.length, 2000, 120_000);
  await runLoad({ url, deliveries, concurrency: 16, maxRequests: 5_000, maxSeconds: 20 });
  await settle(() => fake.requests.length, 500);
  fake.clearRequests();
  const collectedStart = await collectedMiB();
  const samples: Array<[number, number]> = [[0, residentMiB(pid)]];
  const load = (maxRequests: number, offset: number) =>
    runLoad({
      url,
      deliveries,
      concurrency: 16,
      maxRequests,
      maxSeconds: MAX_SECONDS / 2,
      progress: { every: STEP, onProgress: (done) => void samples.push([offset + done, residentMiB(pid)]) },
    });
  const first = await load(TOTAL / 2, 0);
  const collectedHalf = await collectedMiB();
  const second = await load(TOTAL / 2, first.requests);
  const collectedEnd = await collectedMiB();
  const result = { requests: first.requests + second.requests, errors: first.errors + second.errors, perSecond: (first.requests + second.requests) / (first.requests / first.perSecond + second.requests / second.perSecond) };
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
  const collectedGrowth = ((collectedEnd - collectedStart) / collectedStart) * 100;
  line("memory_rss_collected_after_warmup", collectedStart, "MiB");
  line("memory_rss_collected_after_half", collectedHalf, "MiB");
  line("memory_rss_collected_after_all", collectedEnd, "MiB");
  line("memory_rss_collected_growth", collectedGrowth, "%");
  line("memory_rss_collected_growth_second_half", ((collectedEnd - collectedHalf) / collectedHalf) * 100, "%");
  line("memory_github_requests", fake.requests.length, "requests");
  verdict(
    "rss_growth",
    result.requests >= TOTAL && collectedGrowth < 2,
    `RSS after a full collection ${collectedGrowth.toFixed(2)} % higher after ${result.requests} deliveries than after the warm-up (want < 2 %); sampled means ${growth.toFixed(2)} %${result.requests < TOTAL ? `; only ${result.requests} sent within ${MAX_SECONDS} s` : ""}`,
  );
} finally {
  collector.close();
  await app.stop();
  await fake.close();
  await empty.drop();
}
