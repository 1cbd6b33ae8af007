/**
 * The gate's invariants over generated histories on the in-memory store (docs/verification.md).
 * `npm test` runs this file in its SQLite pass only (vitest.config.ts): the store here is the
 * same in both. A failure prints the seed, the path and the shrunk
 * history; `npm run verify -- --seed S --path P --replay-path R` replays it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gateProperty, newCounters, suiteSeed } from "../support/gate-model/property.js";
import { memoryKit } from "../support/gate-model/stores.js";

const HISTORIES = 900;

describe("the gate over generated histories (memory store)", () => {
  it(`keeps invariants 1-6 over ${HISTORIES} histories`, async () => {
    const counters = newCounters();
    await fc.assert(gateProperty({ kit: memoryKit(), counters }), { numRuns: HISTORIES, ...suiteSeed() });
    expect(counters.histories).toBe(HISTORIES);
    expect(counters.commands).toBeGreaterThan(HISTORIES);
  }, 240_000);
});
