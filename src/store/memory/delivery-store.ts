/** The webhook inbox in memory, with the Prisma store's semantics (delivery-store.ts). */
import { CLAIM_MS, MAX_ATTEMPTS } from "../delivery-store.js";
import type { DeliveryStore } from "../store-ports.js";
import type { DeliveryRow, MemoryTables } from "./tables.js";

export function createMemoryDeliveryStore(t: MemoryTables): DeliveryStore {
  const claimable = (d: DeliveryRow, now: Date) => d.processedAt === null && d.attempts < MAX_ATTEMPTS && (d.claimedUntil === null || d.claimedUntil < now);
  const byReceived = (a: DeliveryRow, b: DeliveryRow) => a.receivedAt.getTime() - b.receivedAt.getTime();
  return {
    async accept(delivery, now) {
      if (t.deliveries.has(delivery.id)) return null;
      t.deliveries.set(delivery.id, { ...delivery, receivedAt: now, claimedUntil: new Date(now.getTime() + CLAIM_MS), attempts: 1, processedAt: null, error: null });
      return { ...delivery, attempts: 1 };
    },
    async claim(id, now) {
      const d = t.deliveries.get(id);
      if (!d || !claimable(d, now)) return null;
      d.claimedUntil = new Date(now.getTime() + CLAIM_MS);
      d.attempts += 1;
      return { id: d.id, event: d.event, installationId: d.installationId, payload: d.payload, attempts: d.attempts };
    },
    async renew(id, now) {
      const d = t.deliveries.get(id);
      if (d && d.processedAt === null) d.claimedUntil = new Date(now.getTime() + CLAIM_MS);
    },
    async unfinished(now, limit) {
      return [...t.deliveries.values()].filter((d) => claimable(d, now)).sort(byReceived).slice(0, limit).map((d) => d.id);
    },
    async finish(id, now, error) {
      const d = t.deliveries.get(id);
      if (!d) throw new Error(`No record was found for an update: delivery ${id}`);
      if (error === null) Object.assign(d, { processedAt: now, error: null, claimedUntil: null });
      else Object.assign(d, { error: error.slice(0, 2000), claimedUntil: null });
    },
    async unprocessed(limit) {
      const rows = [...t.deliveries.values()].filter((d) => d.processedAt === null).sort(byReceived).slice(0, limit);
      return rows.map((d) => ({ id: d.id, event: d.event, receivedAt: d.receivedAt, attempts: d.attempts, error: d.error, gaveUp: d.attempts >= MAX_ATTEMPTS }));
    },
    async retry(which) {
      const rows = [...t.deliveries.values()].filter((d) => d.processedAt === null && (which === "all-gave-up" ? d.attempts >= MAX_ATTEMPTS : which.includes(d.id)));
      for (const d of rows) Object.assign(d, { attempts: 0, error: null, claimedUntil: null });
      return rows.map((d) => d.id);
    },
    async pruneProcessed(before) {
      let count = 0;
      for (const [id, d] of t.deliveries) if (d.processedAt !== null && d.processedAt < before) (t.deliveries.delete(id), count++);
      return count;
    },
  };
}
