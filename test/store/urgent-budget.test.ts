/**
 * The urgent-bypass budget is enforced inside the save transaction: several upgrades of one
 * repository saved as bypasses at once never exceed it, on SQLite and on PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDatabaseUrl } from "../../src/store/database-url.js";
import { createUpgradeStore } from "../../src/store/upgrade-store.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { seedUpgrade } from "../support/seed.js";

describe("urgent bypass budget", () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it("lets exactly maxPerDay of many concurrent bypasses through", async () => {
    const store = createUpgradeStore(database.db, { serialiseWrites: parseDatabaseUrl(database.url).provider === "sqlite" });
    const ids = [];
    for (let n = 1; n <= 6; n++) ids.push(await seedUpgrade(database.db, { pullNumber: n, branchName: `self-modify/u${n}` }));
    const at = new Date("2026-11-20T12:00:00Z");
    const results = await Promise.all(
      ids.map(async (id) => {
        const record = (await store.byId(id))!;
        return store.save(record, {
          patch: { status: "approved", bypassed: true },
          approvals: [],
          events: [{ type: "upgrade.urgent_bypass", actor: "urgent-bypass", via: "check", details: {} }],
          deliveryId: null,
          at,
          urgentBudget: { since: new Date(at.getTime() - 24 * 3_600_000), max: 2 },
        });
      }),
    );
    expect(results.filter(Boolean)).toHaveLength(2);
    expect(await database.db.upgradeEvent.count({ where: { type: "upgrade.urgent_bypass" } })).toBe(2);
    expect(await database.db.upgrade.count({ where: { status: "approved", bypassed: true } })).toBe(2);
  });

  it("counts only the last 24 hours", async () => {
    const store = createUpgradeStore(database.db, { serialiseWrites: true });
    const old = await seedUpgrade(database.db, { pullNumber: 1, branchName: "self-modify/old" });
    await database.db.upgradeEvent.create({ data: { upgradeId: old, repository: "acme/agent", pullNumber: 1, type: "upgrade.urgent_bypass", actor: "urgent-bypass", via: "check", at: new Date("2026-11-18T12:00:00Z") } });
    const id = await seedUpgrade(database.db, { pullNumber: 2, branchName: "self-modify/new" });
    const at = new Date("2026-11-20T12:00:00Z");
    const saved = await store.save((await store.byId(id))!, {
      patch: { status: "approved" },
      approvals: [],
      events: [{ type: "upgrade.urgent_bypass", actor: "urgent-bypass", via: "check", details: {} }],
      deliveryId: null,
      at,
      urgentBudget: { since: new Date(at.getTime() - 24 * 3_600_000), max: 1 },
    });
    expect(saved).toEqual({ owed: [] });
  });
});
