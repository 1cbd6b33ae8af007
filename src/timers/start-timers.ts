/** Starts the sweep and reconcile loops; each run waits for the previous one to finish. */
import type { DeliveryProcessor } from "../pipeline/delivery-processor.js";
import type { PipelineDeps } from "../pipeline/deps.js";
import { reconcile } from "./reconcile.js";
import { sweep } from "./sweep.js";

export interface Timers {
  stop(): void;
}

export function startTimers(options: {
  deps: PipelineDeps;
  processor: DeliveryProcessor;
  installations: () => Promise<number[]>;
  sweepIntervalMs: number;
  reconcileIntervalMs: number;
}): Timers {
  const { deps, processor } = options;
  const handles: NodeJS.Timeout[] = [];
  const loop = (name: string, intervalMs: number, work: () => Promise<unknown>, startAfterMs: number) => {
    let running = false;
    const run = async () => {
      if (running) return;
      running = true;
      try {
        await work();
      } catch (error) {
        deps.log.error({ err: error }, `${name} failed`);
      } finally {
        running = false;
      }
    };
    const first = setTimeout(run, startAfterMs);
    first.unref();
    const every = setInterval(run, intervalMs);
    every.unref();
    handles.push(first, every);
  };
  loop("sweep", options.sweepIntervalMs, () => sweep(deps, processor), 1000);
  loop("reconcile", options.reconcileIntervalMs, async () => reconcile(deps, await options.installations()), 2000);
  return {
    stop() {
      for (const handle of handles) clearTimeout(handle);
    },
  };
}
