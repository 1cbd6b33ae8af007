/**
 * Per-installation state shared by every replica: the pause GitHub asked for with a secondary
 * rate limit (`InstallationState.pausedUntil`). A pause only ever grows: two replicas recording
 * different pauses at once keep the later end.
 */
import type { Db } from "./prisma-client.js";
import { createWriteLock } from "./write-lock.js";

export type InstallationStore = ReturnType<typeof createInstallationStore>;

export function createInstallationStore(db: Db, options: { serialiseWrites: boolean }) {
  const lock = createWriteLock(options.serialiseWrites);
  return {
    /** The end of the installation's pause, or null when it is not paused (or no longer). */
    async pausedUntil(installationId: number, now: Date): Promise<Date | null> {
      const row = await db.installationState.findUnique({ where: { installationId }, select: { pausedUntil: true } });
      return row?.pausedUntil && row.pausedUntil > now ? row.pausedUntil : null;
    },

    /** Pauses the installation until `until`, unless it is already paused longer. */
    async pause(installationId: number, until: Date): Promise<void> {
      const extend = () =>
        db.installationState.updateMany({ where: { installationId, OR: [{ pausedUntil: null }, { pausedUntil: { lt: until } }] }, data: { pausedUntil: until } });
      const updated = await lock(extend);
      if (updated.count > 0) return;
      try {
        await lock(() => db.installationState.create({ data: { installationId, pausedUntil: until } }));
      } catch {
        // The row exists (maybe created by another replica just now): extend it if still shorter.
        await lock(extend);
      }
    },
  };
}
