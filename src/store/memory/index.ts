/** The in-memory stores (see upgrade-store.ts here): one set of tables shared by both stores. */
import { createMemoryDeliveryStore } from "./delivery-store.js";
import { type MemoryTables, createMemoryTables } from "./tables.js";
import { createMemoryUpgradeStore } from "./upgrade-store.js";

export type { MemoryTables } from "./tables.js";

export function createMemoryStores(clock?: () => Date) {
  const tables: MemoryTables = createMemoryTables(clock);
  return { tables, store: createMemoryUpgradeStore(tables), deliveries: createMemoryDeliveryStore(tables) };
}
