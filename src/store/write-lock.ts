/**
 * Serialises writes within one process. SQLite allows one writer; Prisma's libSQL adapter
 * begins transactions DEFERRED, so two concurrent write transactions in one process can fail
 * with SQLITE_BUSY at COMMIT. Queueing them here avoids that. PostgreSQL needs
 * no lock: its transactions and the version condition do the work.
 */
export type WriteLock = <T>(work: () => Promise<T>) => Promise<T>;

export function createWriteLock(enabled: boolean): WriteLock {
  if (!enabled) return (work) => work();
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}
