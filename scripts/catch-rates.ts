/**
 * `npm run verify:breakages -- [--seeds N] [--budget B] [name ...]`: for each deliberately broken
 * gate (test/support/gate-model/breakages.ts; all by default), how many histories the property
 * needs to catch it on each of N seeds (default 12), or "missed" within B (default 2,000). The
 * broken-gate tests' budgets come from these figures (docs/verification.md).
 */
import { parseArgs } from "node:util";
import fc from "fast-check";
import { BREAKAGES } from "../test/support/gate-model/breakages.js";
import { gateProperty, newCounters } from "../test/support/gate-model/property.js";
import { memoryKit } from "../test/support/gate-model/stores.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seeds: { type: "string", default: "12" }, budget: { type: "string", default: "2000" } },
});
const seeds = Number(values.seeds);
const budget = Number(values.budget);
const names = positionals.length > 0 ? positionals : Object.keys(BREAKAGES);
for (const name of names) {
  const breakage = BREAKAGES[name];
  if (!breakage) throw new Error(`no breakage named ${JSON.stringify(name)}; there are: ${Object.keys(BREAKAGES).join(", ")}`);
  const caught: Array<number | "missed"> = [];
  for (let i = 1; i <= seeds; i++) {
    // Any invariant counts here: the tests also require the one the breakage breaks.
    const property = gateProperty({ kit: memoryKit(), counters: newCounters(), breakage });
    const result = await fc.check(property, { numRuns: budget, seed: i * 7919 });
    caught.push(result.failed ? result.numRuns : "missed");
  }
  const found = caught.filter((n): n is number => n !== "missed").sort((a, b) => a - b);
  const median = found.length > 0 ? found[Math.floor(found.length / 2)] : "-";
  console.log(`${name}: caught after ${caught.join(", ")} histories (seeds 7919 x 1..${seeds}); ${found.length} of ${seeds} within ${budget}, max ${found.at(-1) ?? "-"}, median ${median}`);
}
