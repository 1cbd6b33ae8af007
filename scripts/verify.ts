/**
 * `npm run verify -- [--runs N] [--seed S --path P [--replay-path R]] [--max-commands M]`:
 * runs N generated histories (default 100,000) of the gate's property on the in-memory store,
 * prints histories/s, commands and invariant checks executed, and the shrunk counterexample if
 * one is found (with the seed, path and replay path that replay it). See docs/verification.md.
 */
import { parseArgs } from "node:util";
import fc from "fast-check";
import { gateProperty, newCounters } from "../test/support/gate-model/property.js";
import { KNOWN_ISSUES, type KnownIssue } from "../test/support/gate-model/invariants.js";
import { memoryKit } from "../test/support/gate-model/stores.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "100000" },
    seed: { type: "string" },
    path: { type: "string" },
    "replay-path": { type: "string" },
    "max-commands": { type: "string", default: "60" },
    /** Known bugs (KNOWN_ISSUES codes, comma-separated) to count instead of stopping at. */
    tolerate: { type: "string", default: "" },
  },
});

const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const counters = newCounters();
const started = performance.now();
const progress = setInterval(() => {
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`${counters.histories} histories, ${(counters.histories / seconds).toFixed(0)}/s\n`);
}, 30_000);
progress.unref();

const property = gateProperty({ kit: memoryKit(), counters, maxCommands: Number(values["max-commands"]), replayPath: values["replay-path"], tolerate: values.tolerate.split(",").filter((c): c is KnownIssue => c in KNOWN_ISSUES) });
const result = await fc.check(property, { numRuns: values.path ? 1 : runs, seed, path: values.path, endOnFailure: values.path !== undefined });
clearInterval(progress);
const seconds = (performance.now() - started) / 1000;

console.log(`seed ${seed}`);
console.log(`${counters.histories} histories passed in ${seconds.toFixed(1)} s: ${(counters.histories / seconds).toFixed(1)} histories/s`);
console.log(`${counters.commands} commands executed, ${counters.checks} invariant checks, ${counters.merges} merges by the app audited`);
for (const [code, hits] of counters.known) console.log(`known bug ${code} (${KNOWN_ISSUES[code]}): seen ${hits} times, tolerated`);
if (result.failed) {
  console.log(fc.defaultReportMessage(result));
  console.log(`\nWhat broke: ${result.errorInstance instanceof Error ? (result.errorInstance.stack ?? result.errorInstance.message) : String(result.errorInstance)}`);
  process.exitCode = 1;
} else {
  console.log("no counterexample");
}
