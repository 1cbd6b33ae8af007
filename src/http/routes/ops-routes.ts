/** `/healthz` (liveness with a database round trip) and `/metrics` (Prometheus text). */
import { Gauge, Registry } from "prom-client";
import { metricsRegistry } from "../../metrics.js";
import { countsByStatus, pendingEffectStats, pingDatabase } from "../../store/queue-queries.js";
import type { App, RouteContext } from "../app-env.js";

const HEALTH_TIMEOUT_MS = 3000;

export function registerOpsRoutes(app: App, { deps }: RouteContext): void {
  app.get("/healthz", async (c) => {
    try {
      await withTimeout(pingDatabase(deps.db), HEALTH_TIMEOUT_MS);
      return c.json({ status: "ok" });
    } catch (error) {
      deps.log.error({ err: error }, "healthz: database check failed");
      return c.json({ status: "error", database: "unreachable" }, 503);
    }
  });

  // Collected from the database at scrape time, so every replica reports the same numbers.
  const scrapeRegistry = new Registry();
  new Gauge({
    name: "upgrade_queue_upgrades",
    help: "Upgrades in the database, by state",
    labelNames: ["state"] as const,
    registers: [scrapeRegistry],
    async collect() {
      const counts = await countsByStatus(deps.db);
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });

  // Owed writes normally live for seconds; a growing count or age means GitHub keeps failing them.
  new Gauge({
    name: "upgrade_queue_pending_github_writes",
    help: "Comments, PR closes and branch deletions that saved transitions still owe to GitHub",
    registers: [scrapeRegistry],
    async collect() {
      this.set((await pendingEffectStats(deps.db, new Date())).count);
    },
  });
  new Gauge({
    name: "upgrade_queue_pending_github_writes_oldest_seconds",
    help: "Age of the oldest write a saved transition still owes to GitHub (0 when none)",
    registers: [scrapeRegistry],
    async collect() {
      this.set((await pendingEffectStats(deps.db, new Date())).oldestSeconds);
    },
  });

  app.get("/metrics", async (c) => {
    let text = await metricsRegistry.metrics();
    try {
      text += `\n${await scrapeRegistry.metrics()}`;
    } catch (error) {
      deps.log.warn({ err: error }, "metrics: could not count upgrades");
    }
    return c.body(text, 200, { "content-type": metricsRegistry.contentType });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
