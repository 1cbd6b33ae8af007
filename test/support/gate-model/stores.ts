/**
 * The stores a history runs on, and a read-only view of what they hold for the oracle: memory
 * (src/store/memory), or the Prisma stores on a real SQLite file or PostgreSQL database
 * (test/support/database.ts), emptied between histories.
 */
import { createMemoryStores } from "../../../src/store/memory/index.js";
import { createDeliveryStore } from "../../../src/store/delivery-store.js";
import { createUpgradeStore } from "../../../src/store/upgrade-store.js";
import { createTestDatabase, testDatabaseProvider } from "../database.js";
import type { Stores } from "./app.js";

export interface UpgradeView {
  id: number;
  pullNumber: number;
  status: string;
  headSha: string;
  approvedSha: string | null;
  previousSha: string | null;
  mergeCommitSha: string | null;
  rollbackSha: string | null;
  mergeClaimSha: string | null;
  checkRunId: string | null;
}

export interface EventView {
  id: number;
  /** Null for repository events (`repository.frozen`, ...). */
  upgradeId: number | null;
  type: string;
  actor: string;
  via: string;
  deliveryId: string | null;
  details: string;
}

export interface StoreView {
  upgrades(): Promise<UpgradeView[]>;
  events(): Promise<EventView[]>;
}

export interface StoreKit {
  kind: "memory" | "sqlite" | "postgresql";
  /** Fresh, empty stores for the next history. */
  /** `clock`: the database's own time (`updatedAt`); Prisma uses the wall clock whatever is given. */
  fresh(clock: () => Date): Promise<{ stores: Stores; view: StoreView }>;
  close(): Promise<void>;
}

export function memoryKit(): StoreKit {
  return {
    kind: "memory",
    async fresh(clock) {
      const { tables, store, deliveries } = createMemoryStores(clock);
      const view: StoreView = {
        upgrades: async () => [...tables.upgrades.values()].map((r) => ({ ...pick(r) })),
        events: async () => tables.events.map(({ id, upgradeId, type, actor, via, deliveryId, details }) => ({ id, upgradeId, type, actor, via, deliveryId, details })),
      };
      return { stores: { store, deliveries }, view };
    },
    close: async () => undefined,
  };
}

function pick(r: UpgradeView): UpgradeView {
  const { id, pullNumber, status, headSha, approvedSha, previousSha, mergeCommitSha, rollbackSha, mergeClaimSha, checkRunId } = r;
  return { id, pullNumber, status, headSha, approvedSha, previousSha, mergeCommitSha, rollbackSha, mergeClaimSha, checkRunId };
}

/** The configured real database (TEST_DATABASE), one per kit, emptied before each history. */
export async function databaseKit(): Promise<StoreKit> {
  const database = await createTestDatabase();
  const { db } = database;
  const serialiseWrites = testDatabaseProvider() === "sqlite";
  return {
    kind: testDatabaseProvider(),
    async fresh() {
      await db.upgrade.deleteMany({});
      await db.delivery.deleteMany({});
      await db.repositoryState.deleteMany({});
      await db.installationState.deleteMany({});
      const view: StoreView = {
        upgrades: async () =>
          db.upgrade.findMany({
            select: { id: true, pullNumber: true, status: true, headSha: true, approvedSha: true, previousSha: true, mergeCommitSha: true, rollbackSha: true, mergeClaimSha: true, checkRunId: true },
            orderBy: { id: "asc" },
          }),
        events: async () => db.upgradeEvent.findMany({ select: { id: true, upgradeId: true, type: true, actor: true, via: true, deliveryId: true, details: true }, orderBy: { id: "asc" } }),
      };
      return { stores: { store: createUpgradeStore(db, { serialiseWrites }), deliveries: createDeliveryStore(db, { serialiseWrites }) }, view };
    },
    close: () => database.cleanup(),
  };
}
