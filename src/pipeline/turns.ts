/**
 * In-process turns: work on one key runs after the work before it on that key has settled, so
 * two passes over one upgrade (or two reports on one head) cannot interleave their writes.
 * Across replicas the database's conditions and claims keep them apart instead.
 */
import type { PipelineDeps } from "./deps.js";

export class Turns<K> {
  private readonly tails = new Map<K, Promise<unknown>>();

  take<T>(key: K, work: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }
}

/**
 * State kept per pipeline (one per process), not per module: the property suite's replicas
 * share one process, and must race as replicas on two machines do.
 */
export function perPipeline<T>(make: () => T): (deps: PipelineDeps) => T {
  const kept = new WeakMap<PipelineDeps, T>();
  return (deps) => {
    if (!kept.has(deps)) kept.set(deps, make());
    return kept.get(deps) as T;
  };
}
