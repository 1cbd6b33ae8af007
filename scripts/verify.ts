/**
 * `npm run verify -- [--runs N] [--workers W] [--seed S --path P [--replay-path R]] [--max-commands M]`:
 * runs N generated histories (default 100,000) of the gate's property on the in-memory store,
 * prints histories/s, commands and invariant checks executed, and the shrunk counterexample if
 * one is found (with the seed, path and replay path that replay it). See docs/verification.md.
 *
 * `--workers W` splits the run over W processes (one per core): worker i draws its histories
 * from seed S+i, so a counterexample replays with the seed its report prints.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { gateProperty, newCounters } from "../test/support/gate-model/property.js";
import { memoryKit } from "../test/support/gate-model/stores.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "100000" },
    workers: { type: "string", default: "1" },
    seed: { type: "string" },
    path: { type: "string" },
    "replay-path": { type: "string" },
    "max-commands": { type: "string", default: "60" },
    /** Internal: this process is one of a run's workers, reporting to its parent over IPC. */
    worker: { type: "boolean", default: false },
  },
});

const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);
const workers = Number(values.workers);
if (!Number.isSafeInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer, not ${values.workers}`);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, not ${values.seed}`);

/** What one process found: the figures, and fast-check's report when a history failed. */
interface Outcome {
  histories: number;
  commands: number;
  checks: number;
  merges: number;
  failure: string | null;
}

const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;

const outcome = workers > 1 && values.path === undefined ? await runWorkers() : await runHere();
const seconds = elapsed();
console.log(workers > 1 && values.path === undefined ? `seed ${seed} (workers' seeds ${seed}..${seed + workers - 1})` : `seed ${seed}`);
console.log(`${outcome.histories} histories passed in ${seconds.toFixed(1)} s: ${(outcome.histories / seconds).toFixed(1)} histories/s`);
console.log(`${outcome.commands} commands executed, ${outcome.checks} invariant checks, ${outcome.merges} merges by the app audited`);
if (outcome.failure !== null) {
  console.log(outcome.failure);
  process.exitCode = 1;
} else {
  console.log("no counterexample");
}

async function runHere(): Promise<Outcome> {
  const counters = newCounters();
  const figures = (): Outcome => ({ histories: counters.histories, commands: counters.commands, checks: counters.checks, merges: counters.merges, failure: null });
  const report = () => (values.worker ? process.send?.({ progress: figures() }) : process.stderr.write(`${counters.histories} histories, ${(counters.histories / elapsed()).toFixed(0)}/s\n`));
  const progress = setInterval(report, values.worker ? 5_000 : 30_000);
  progress.unref();
  const property = gateProperty({ kit: memoryKit(), counters, maxCommands: Number(values["max-commands"]), replayPath: values["replay-path"] });
  const result = await fc.check(property, { numRuns: values.path ? 1 : runs, seed, path: values.path, endOnFailure: values.path !== undefined });
  clearInterval(progress);
  const failure = result.failed
    ? `${fc.defaultReportMessage(result)}\n\nWhat broke: ${result.errorInstance instanceof Error ? (result.errorInstance.stack ?? result.errorInstance.message) : String(result.errorInstance)}`
    : null;
  const outcome: Outcome = { ...figures(), failure };
  if (values.worker) {
    await new Promise<void>((resolve) => process.send?.({ outcome }, () => resolve()));
    process.exit(0);
  }
  return outcome;
}

/** The run split over `workers` processes; the first counterexample stops them all. */
async function runWorkers(): Promise<Outcome> {
  const script = fileURLToPath(import.meta.url);
  // Each worker's latest figures: a worker stopped by another's counterexample is counted by them.
  const progress: Outcome[] = Array.from({ length: workers }, () => ({ histories: 0, commands: 0, checks: 0, merges: 0, failure: null }));
  const ticker = setInterval(() => {
    const histories = progress.reduce((n, o) => n + o.histories, 0);
    process.stderr.write(`${histories} histories, ${(histories / elapsed()).toFixed(0)}/s\n`);
  }, 30_000);
  ticker.unref();
  const children = Array.from({ length: workers }, (_, i) => {
    const share = Math.floor(runs / workers) + (i < runs % workers ? 1 : 0);
    const args = ["--runs", String(share), "--seed", String(seed + i), "--max-commands", values["max-commands"], "--worker"];
    return fork(script, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  });
  const outcomes = await Promise.all(
    children.map(
      (child, i) =>
        new Promise<Outcome>((resolve, reject) => {
          let outcome: Outcome | null = null;
          child.on("message", (message: { progress?: Outcome; outcome?: Outcome }) => {
            if (message.progress) progress[i] = message.progress;
            if (message.outcome) {
              outcome = message.outcome;
              if (outcome.failure !== null) for (const other of children) if (other !== child) other.kill();
            }
          });
          child.on("exit", (code, signal) => {
            if (outcome) resolve(outcome);
            else if (signal === "SIGTERM") resolve(progress[i] as Outcome);
            else reject(new Error(`worker ${i} (seed ${seed + i}) exited with ${signal ?? code} before reporting`));
          });
        }),
    ),
  );
  clearInterval(ticker);
  return {
    histories: outcomes.reduce((n, o) => n + o.histories, 0),
    commands: outcomes.reduce((n, o) => n + o.commands, 0),
    checks: outcomes.reduce((n, o) => n + o.checks, 0),
    merges: outcomes.reduce((n, o) => n + o.merges, 0),
    failure: outcomes.find((o) => o.failure !== null)?.failure ?? null,
  };
}
