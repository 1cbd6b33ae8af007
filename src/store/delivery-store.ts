/**
 * The webhook inbox. A relevant delivery is written here before it is acknowledged, and
 * processed from here: a delivery GitHub sends twice is stored once, and one acknowledged just
 * before a crash is still processed after the restart (its claim lapses).
 *
 * A delivery is stored already claimed by the process that received it, in the same write: a
 * sweep on another replica never takes a delivery its receiver is about to process (stored
 * first and claimed a moment later, a sweep could take it in between).
 *
 * A claim is a short lease that the claiming process renews while it works (`renew`, every
 * CLAIM_RENEW_MS): a process that dies stops renewing, so its deliveries are free again within
 * CLAIM_MS, while a slow delivery in a live process is never taken over. Renewal stops after
 * MAX_PROCESSING_MS, so a process stuck on one delivery does not hold it forever.
 */
import type { Db } from "./prisma-client.js";
import type { DeliveryStore, StoredDelivery } from "./store-ports.js";
import { createWriteLock } from "./write-lock.js";

export type { DeliveryStore, StoredDelivery } from "./store-ports.js";

export const CLAIM_MS = 15_000;
export const CLAIM_RENEW_MS = 5_000;
export const MAX_PROCESSING_MS = 10 * 60_000;
export const MAX_ATTEMPTS = 5;

export function createDeliveryStore(db: Db, options: { serialiseWrites: boolean }): DeliveryStore {
  const lock = createWriteLock(options.serialiseWrites);
  return {
    /** Stores a delivery claimed by this process (its first attempt); null when it was stored before (a redelivery). */
    async accept(delivery: { id: string; event: string; installationId: number | null; payload: string }, now: Date): Promise<StoredDelivery | null> {
      try {
        await lock(() => db.delivery.create({ data: { ...delivery, receivedAt: now, claimedUntil: new Date(now.getTime() + CLAIM_MS), attempts: 1 } }));
        return { ...delivery, attempts: 1 };
      } catch (error) {
        const exists = await db.delivery.findUnique({ where: { id: delivery.id }, select: { id: true } });
        if (exists) return null;
        throw error;
      }
    },

    /** Claims one delivery for this process until the claim lapses; null when someone else holds it. */
    async claim(id: string, now: Date): Promise<StoredDelivery | null> {
      const claimed = await lock(() =>
        db.delivery.updateMany({
          where: { id, processedAt: null, attempts: { lt: MAX_ATTEMPTS }, OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] },
          data: { claimedUntil: new Date(now.getTime() + CLAIM_MS), attempts: { increment: 1 } },
        }),
      );
      if (claimed.count === 0) return null;
      return db.delivery.findUnique({ where: { id }, select: { id: true, event: true, installationId: true, payload: true, attempts: true } });
    },

    /** Extends this process's claim while it is still working on the delivery. */
    async renew(id: string, now: Date): Promise<void> {
      await lock(() => db.delivery.updateMany({ where: { id, processedAt: null }, data: { claimedUntil: new Date(now.getTime() + CLAIM_MS) } }));
    },

    /** Deliveries not yet processed whose claim has lapsed (crashed or failed attempts). */
    async unfinished(now: Date, limit: number): Promise<string[]> {
      const rows = await db.delivery.findMany({
        where: { processedAt: null, attempts: { lt: MAX_ATTEMPTS }, OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] },
        select: { id: true },
        orderBy: { receivedAt: "asc" },
        take: limit,
      });
      return rows.map((r) => r.id);
    },

    async finish(id: string, now: Date, error: string | null): Promise<void> {
      await lock(() =>
        db.delivery.update({
          where: { id },
          // A failed attempt releases its claim so that a later sweep retries it.
          data: error === null ? { processedAt: now, error: null, claimedUntil: null } : { error: error.slice(0, 2000), claimedUntil: null },
        }),
      );
    },

    /** Deliveries not processed (yet): still being tried, or given up after MAX_ATTEMPTS. For operators. */
    async unprocessed(limit: number): Promise<Array<{ id: string; event: string; receivedAt: Date; attempts: number; error: string | null; gaveUp: boolean }>> {
      const rows = await db.delivery.findMany({
        where: { processedAt: null },
        select: { id: true, event: true, receivedAt: true, attempts: true, error: true },
        orderBy: { receivedAt: "asc" },
        take: limit,
      });
      return rows.map((r) => ({ ...r, gaveUp: r.attempts >= MAX_ATTEMPTS }));
    },

    /**
     * Gives deliveries that gave up a fresh set of attempts (after the cause is fixed): `ids`, or
     * every one that gave up. Returns the ids reset; processed deliveries are never touched.
     */
    async retry(which: readonly string[] | "all-gave-up"): Promise<string[]> {
      const where = which === "all-gave-up" ? { processedAt: null, attempts: { gte: MAX_ATTEMPTS } } : { processedAt: null, id: { in: [...which] } };
      const rows = await db.delivery.findMany({ where, select: { id: true } });
      const ids = rows.map((r) => r.id);
      if (ids.length > 0) await lock(() => db.delivery.updateMany({ where: { id: { in: ids }, processedAt: null }, data: { attempts: 0, error: null, claimedUntil: null } }));
      return ids;
    },

    /** Drops processed deliveries older than `before`, keeping the inbox small. */
    async pruneProcessed(before: Date): Promise<number> {
      const result = await lock(() => db.delivery.deleteMany({ where: { processedAt: { lt: before } } }));
      return result.count;
    },
  };
}
