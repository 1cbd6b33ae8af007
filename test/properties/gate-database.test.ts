/**
 * The same property on a real database (TEST_DATABASE: SQLite, or PostgreSQL in the second pass
 * of `npm test`), through the Prisma stores: fewer, shorter histories, as each step costs
 * milliseconds there. The database is emptied between histories.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gateProperty, newCounters, suiteSeed } from "../support/gate-model/property.js";
import { type StoreKit, databaseKit } from "../support/gate-model/stores.js";
import { testDatabaseProvider } from "../support/database.js";

const HISTORIES = 100;
let kit: StoreKit;

beforeAll(async () => {
  kit = await databaseKit();
});
afterAll(async () => {
  await kit.close();
});

describe(`the gate over generated histories (${testDatabaseProvider()})`, () => {
  it(`keeps invariants 1-6 over ${HISTORIES} histories`, async () => {
    const counters = newCounters();
    await fc.assert(gateProperty({ kit, counters, maxCommands: 25 }), { numRuns: HISTORIES, ...suiteSeed() });
    expect(counters.histories).toBe(HISTORIES);
  }, 240_000);
});
