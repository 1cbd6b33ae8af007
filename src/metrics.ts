/**
 * The process's Prometheus metrics: one registry, served at `/metrics` by `src/http`.
 *
 * Code that records a metric imports it from here; nothing else creates metrics. The gauge of
 * upgrades by state (`upgrade_queue_upgrades{state}`) is not here: it is read from the database
 * at scrape time (see `src/http/metrics-route.ts`), so every replica reports the same numbers.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const metricsRegistry = new Registry();

collectDefaultMetrics({ register: metricsRegistry });

/** Time spent handling one webhook delivery, by event name and outcome. */
export const webhookDuration = new Histogram({
  name: "upgrade_queue_webhook_duration_seconds",
  help: "Time spent handling one webhook delivery",
  labelNames: ["event", "outcome"] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

/** Every request the app made to the GitHub API, by method, route template and status. */
export const githubRequests = new Counter({
  name: "upgrade_queue_github_requests_total",
  help: "Requests made to the GitHub API",
  labelNames: ["method", "route", "status"] as const,
  registers: [metricsRegistry],
});

/** The last `x-ratelimit-remaining` GitHub reported, per installation. */
export const githubRateLimitRemaining = new Gauge({
  name: "upgrade_queue_github_rate_limit_remaining",
  help: "Remaining GitHub API rate limit as last reported, per installation",
  labelNames: ["installation"] as const,
  registers: [metricsRegistry],
});

/** Every state transition applied, by from and to state (`none` for a new upgrade). */
export const transitions = new Counter({
  name: "upgrade_queue_transitions_total",
  help: "Upgrade state transitions applied",
  labelNames: ["from", "to"] as const,
  registers: [metricsRegistry],
});
