/**
 * The proposal budget is enforced inside the save transaction: of many proposals by one account
 * recorded at once (several replicas), no more than the budget pass, on SQLite and PostgreSQL.
 * Only recorded proposals count, so the first ones decided pass rather than all being refused.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDatabaseUrl } from "../../src/store/database-url.js";
import { createUpgradeStore } from "../../src/store/upgrade-store.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { seedUpgrade } from "../support/seed.js";

const AT = new Date("2026-11-20T12:00:00Z");
const SINCE = new Date(AT.getTime() - 24 * 3_600_000);

describe("proposal budget", () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.cleanup();
  });

  /** Upgrades created but whose proposal is not yet recorded (what a burst of pushes leaves). */
  async function undecided(count: number, proposedBy = "agent"): Promise<number[]> {
    const ids: number[] = [];
    for (let n = 1; n <= count; n++) {
      const id = await seedUpgrade(database.db, { pullNumber: (proposedBy === "agent" ? 100 : 200) + n + (await database.db.upgrade.count()), branchName: `self-modify/${proposedBy}-${n}-${await database.db.upgrade.count()}` });
      await database.db.upgradeEvent.deleteMany({ where: { upgradeId: id } });
      await database.db.upgrade.update({ where: { id }, data: { proposedBy } });
      ids.push(id);
    }
    return ids;
  }

  it.each([
    ["maxOpen", { maxOpen: 2, maxPerDay: 0 }],
    ["maxPerDay", { maxOpen: 0, maxPerDay: 2 }],
  ])("lets exactly %s of many concurrent proposals through", async (_name, limits) => {
    const store = createUpgradeStore(database.db, { serialiseWrites: parseDatabaseUrl(database.url).provider === "sqlite" });
    const ids = await undecided(6);
    const results = await Promise.all(
      ids.map(async (id) =>
        store.save((await store.byId(id))!, {
          patch: {},
          approvals: [],
          events: [{ type: "upgrade.proposed", actor: "agent", via: "push", details: {} }],
          deliveryId: null,
          at: AT,
          proposalBudget: { proposer: "agent", since: SINCE, ...limits },
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(2);
    expect(await database.db.upgradeEvent.count({ where: { type: "upgrade.proposed" } })).toBe(2);
  });

  it("counts only the proposer's recorded proposals: other accounts', undecided ones and, per day, those older than 24 hours do not", async () => {
    const store = createUpgradeStore(database.db, { serialiseWrites: true });
    const [old] = await undecided(1);
    await database.db.upgradeEvent.create({ data: { upgradeId: old!, repository: "acme/agent", pullNumber: 100, type: "upgrade.proposed", actor: "agent", via: "push", at: new Date("2026-11-18T12:00:00Z") } });
    await database.db.upgrade.update({ where: { id: old! }, data: { status: "applied" } });
    const others = await undecided(3, "someone-else");
    for (const id of others) await database.db.upgradeEvent.create({ data: { upgradeId: id, repository: "acme/agent", pullNumber: 150, type: "upgrade.proposed", actor: "x", via: "push", at: AT } });
    const [, mine] = await undecided(2);
    expect(await store.budgetUse("acme/agent", "agent", mine!, SINCE)).toEqual({ open: 0, today: 0 });
  });
});
