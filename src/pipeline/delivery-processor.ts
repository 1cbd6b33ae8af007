/**
 * Receives verified deliveries: routes them, keeps only relevant ones, stores each in the inbox
 * before acknowledging it, and processes it from there. Irrelevant deliveries cost no database
 * write and no GitHub request beyond a cached config read.
 */
import { routeDelivery } from "../adapter/route-delivery.js";
import { webhookDuration } from "../metrics.js";
import { CLAIM_RENEW_MS, MAX_PROCESSING_MS, type StoredDelivery } from "../store/delivery-store.js";
import type { PipelineDeps } from "./deps.js";
import { handleJob, isRelevant } from "./handle-job.js";

export interface IncomingDelivery {
  id: string;
  name: string;
  payload: unknown;
}

export type DeliveryProcessor = ReturnType<typeof createDeliveryProcessor>;

export function createDeliveryProcessor(deps: PipelineDeps) {
  const running = new Set<Promise<void>>();

  /** Claims a stored delivery (a sweep's retry or takeover) and processes it. */
  async function process(id: string): Promise<void> {
    const delivery = await deps.deliveries.claim(id, deps.now());
    if (!delivery) return; // processed already, or another replica holds it
    await processClaimed(delivery);
  }

  async function processClaimed(delivery: StoredDelivery): Promise<void> {
    const { id } = delivery;
    const heartbeat = keepClaimed(id);
    let error: string | null = null;
    try {
      const jobs = routeDelivery(delivery.event, JSON.parse(delivery.payload), deps.botLogin, deps.appId);
      for (const job of jobs) await handleJob(deps, job, delivery.id);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      deps.log.error({ err: caught, deliveryId: id, event: delivery.event }, "processing a delivery failed; it will be retried");
    } finally {
      clearInterval(heartbeat);
    }
    await deps.deliveries.finish(id, deps.now(), error);
  }

  /** Renews the claim while this process works on the delivery (see delivery-store.ts). */
  function keepClaimed(id: string): NodeJS.Timeout {
    const started = Date.now();
    const heartbeat = setInterval(() => {
      if (Date.now() - started > MAX_PROCESSING_MS) return clearInterval(heartbeat);
      deps.deliveries.renew(id, deps.now()).catch((error: unknown) => deps.log.warn({ err: error, deliveryId: id }, "renewing a delivery claim failed"));
    }, CLAIM_RENEW_MS);
    heartbeat.unref();
    return heartbeat;
  }

  function track(work: Promise<void>): void {
    const tracked = work.catch((error) => deps.log.error({ err: error }, "delivery processing crashed")).finally(() => running.delete(tracked));
    running.add(tracked);
  }

  return {
    /** Called for every verified delivery; resolves once it is stored (or dropped). */
    async receive(delivery: IncomingDelivery): Promise<"ignored" | "duplicate" | "accepted"> {
      const started = performance.now();
      let outcome: "ignored" | "duplicate" | "accepted" = "ignored";
      try {
        const jobs = routeDelivery(delivery.name, delivery.payload, deps.botLogin, deps.appId);
        const relevant = [];
        for (const job of jobs) {
          // When relevance cannot be told (GitHub down while reading the config), keep the
          // delivery: processing retries it, and an acknowledged delivery is never lost.
          const keep = await isRelevant(deps, job).catch((error: unknown) => {
            deps.log.warn({ err: error, deliveryId: delivery.id }, "could not tell whether a delivery is relevant; keeping it");
            return true;
          });
          if (keep) relevant.push(job);
        }
        if (relevant.length === 0) return outcome;
        const installationId = relevant[0]?.installationId ?? null;
        // Stored already claimed by this process, which processes it at once.
        const claimed = await deps.deliveries.accept({ id: delivery.id, event: delivery.name, installationId, payload: JSON.stringify(delivery.payload) }, deps.now());
        outcome = claimed ? "accepted" : "duplicate";
        if (claimed) track(processClaimed(claimed));
        return outcome;
      } finally {
        webhookDuration.observe({ event: delivery.name, outcome }, (performance.now() - started) / 1000);
      }
    },

    /** Processes stored deliveries that were never finished (a crash, a failed attempt). */
    async resume(limit = 100): Promise<number> {
      const ids = await deps.deliveries.unfinished(deps.now(), limit);
      for (const id of ids) await process(id);
      return ids.length;
    },

    /** Resolves when every delivery being processed has finished (tests, graceful stop). */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
