/**
 * The Probot app: wiring only, no decisions. Builds the stores, the GitHub port factory, the
 * delivery processor, the status page and the timers, and connects them to Probot.
 */
import type { ApplicationFunction, Probot, ProbotOctokit } from "probot";
import type { AppEnv } from "./config/env.js";
import { createOctokitPort } from "./github/octokit-port.js";
import { withRateLimitPause } from "./github/rate-limit-pause.js";
import { githubRequests, githubRateLimitRemaining, webhookDuration } from "./metrics.js";
import { createHttpHandler } from "./http/create-http-handler.js";
import { refuseUnsignedWebhooks } from "./http/refuse-unsigned-webhooks.js";
import { mountWebhookDoor } from "./http/webhook-door.js";
import { createConfigCache } from "./pipeline/config-cache.js";
import { createDashboardActions } from "./pipeline/dashboard-actions.js";
import { createDeliveryProcessor, type DeliveryProcessor } from "./pipeline/delivery-processor.js";
import { createDoorCheck } from "./pipeline/door-check.js";
import type { PipelineDeps } from "./pipeline/deps.js";
import { createDeliveryStore } from "./store/delivery-store.js";
import { createInstallationStore } from "./store/installation-store.js";
import { parseDatabaseUrl } from "./store/database-url.js";
import type { Db } from "./store/prisma-client.js";
import { createUpgradeStore } from "./store/upgrade-store.js";
import { startTimers, type Timers } from "./timers/start-timers.js";

/** CONTRACT §5; the door stands in front of Probot's middleware on this path. */
const WEBHOOK_PATH = "/api/github/webhooks";

export interface UpgradeQueueOptions {
  db: Db;
  env: AppEnv;
  /** The app's bot login; looked up with `GET /app` when not given. */
  botLogin?: string | null;
  now?: () => Date;
  /** Start the sweep and reconcile timers (off in most tests, which drive them by hand). */
  timers?: boolean;
  mergeRetryDelayMs?: number;
  configTtlMs?: number;
}

export interface UpgradeQueue {
  appFn: ApplicationFunction;
  /** Available once Probot has loaded the app. */
  readonly processor: DeliveryProcessor;
  readonly deps: PipelineDeps;
  readonly timers: Timers | null;
}

export function createUpgradeQueue(options: UpgradeQueueOptions): UpgradeQueue {
  let processor: DeliveryProcessor | null = null;
  let deps: PipelineDeps | null = null;
  let timers: Timers | null = null;

  const appFn: ApplicationFunction = async (app, { addHandler }) => {
    if (options.env.webhookSecret) refuseUnsignedWebhooks(app.webhooks, options.env.webhookSecret);
    const now = options.now ?? (() => new Date());
    const serialiseWrites = parseDatabaseUrl(options.env.databaseUrl).provider === "sqlite";
    const appId = options.env.appId ? Number(options.env.appId) : null;
    const botLogin = options.botLogin !== undefined ? options.botLogin : await lookUpBotLogin(app);
    const installations = createInstallationStore(options.db, { serialiseWrites });
    deps = {
      store: createUpgradeStore(options.db, { serialiseWrites }),
      deliveries: createDeliveryStore(options.db, { serialiseWrites }),
      github: async (installationId) =>
        createOctokitPort(withRateLimitPause(instrument(await app.auth(installationId), installationId), installationId, { store: installations, log: app.log }), {
          appId,
          mergeRetryDelayMs: options.mergeRetryDelayMs,
        }),
      configs: createConfigCache({ ttlMs: options.configTtlMs ?? 5 * 60_000, now: () => now().getTime() }),
      now,
      publicUrl: options.env.publicUrl,
      botLogin,
      appId,
      log: app.log,
    };
    if (options.env.webhookSecret) {
      mountWebhookDoor(app, {
        secret: options.env.webhookSecret,
        path: WEBHOOK_PATH,
        settles: createDoorCheck(deps),
        settled: (event, seconds) => webhookDuration.observe({ event, outcome: "settled" }, seconds),
        log: app.log,
      });
    }
    processor = createDeliveryProcessor(deps);
    const pipeline = processor;
    app.onAny(async (context) => {
      await pipeline.receive({ id: context.id, name: context.name, payload: context.payload });
    });
    addHandler(
      createHttpHandler({
        db: options.db,
        env: {
          statusPageToken: options.env.statusPageToken,
          sessionSecret: options.env.sessionSecret,
          publicUrl: options.env.publicUrl,
          githubClientId: options.env.githubClientId,
          githubClientSecret: options.env.githubClientSecret,
          githubBaseUrl: options.env.webBaseUrl,
          apiBaseUrl: options.env.apiBaseUrl,
        },
        dashboard: createDashboardActions(deps),
        log: app.log,
      }),
    );
    if (options.timers !== false) {
      timers = startTimers({
        deps,
        processor,
        installations: () => listInstallations(app),
        sweepIntervalMs: options.env.sweepIntervalSeconds * 1000,
        reconcileIntervalMs: options.env.reconcileIntervalMinutes * 60_000,
      });
    }
  };

  return {
    appFn,
    get processor() {
      if (!processor) throw new Error("the app is not loaded yet");
      return processor;
    },
    get deps() {
      if (!deps) throw new Error("the app is not loaded yet");
      return deps;
    },
    get timers() {
      return timers;
    },
  };
}

async function lookUpBotLogin(app: Probot): Promise<string | null> {
  try {
    const octokit = await app.auth();
    const { data } = await octokit.request("GET /app");
    return data?.slug ? `${data.slug}[bot]` : null;
  } catch (error) {
    app.log.warn({ err: error }, "could not read the app's slug (GET /app); bot events are dropped by type instead");
    return null;
  }
}

async function listInstallations(app: Probot): Promise<number[]> {
  const octokit = await app.auth();
  const installations = (await octokit.paginate("GET /app/installations", { per_page: 100 })) as Array<{ id: number }>;
  return installations.map((i) => i.id);
}

/** Counts every GitHub request and remembers the remaining rate limit, for /metrics. */
function instrument(octokit: ProbotOctokit, installationId: number): ProbotOctokit {
  octokit.hook.after("request", (response, options) => {
    githubRequests.inc({ method: options.method, route: String(options.url), status: String(response.status) });
    const remaining = response.headers["x-ratelimit-remaining"];
    if (remaining !== undefined) githubRateLimitRemaining.set({ installation: String(installationId) }, Number(remaining));
  });
  octokit.hook.error("request", (error, options) => {
    const status = (error as { status?: number }).status;
    githubRequests.inc({ method: options.method, route: String(options.url), status: String(status ?? "error") });
    throw error;
  });
  return octokit;
}
