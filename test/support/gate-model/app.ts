/**
 * The app of one history, as `createUpgradeQueue` wires it (src/index.ts) minus Probot: the
 * real pipeline, timers and GitHub port (octokit-port.ts over the fake, in-process), on the
 * stores given. Several apps over the same stores are replicas; a new app is a restart.
 */
import type { ProbotOctokit } from "probot";
import { createOctokitPort } from "../../../src/github/octokit-port.js";
import type { GitHubPort } from "../../../src/github/port.js";
import { createConfigCache } from "../../../src/pipeline/config-cache.js";
import { createDeliveryProcessor, type DeliveryProcessor } from "../../../src/pipeline/delivery-processor.js";
import type { Log, PipelineDeps } from "../../../src/pipeline/deps.js";
import type { DeliveryStore, UpgradeStore } from "../../../src/store/store-ports.js";
import { inProcessOctokit } from "../fake-github/in-process.js";
import { BOT, CONFIG_TTL_MS, type World } from "./world.js";

export interface Stores {
  store: UpgradeStore;
  deliveries: DeliveryStore;
}

/** Deliberate breakage for the checker's own tests (test/properties/broken-gates.test.ts). */
export interface Breakage {
  /** `stores` are the history's own (shared by its replicas and restarts). */
  port?: (port: GitHubPort, stores: Stores) => GitHubPort;
  stores?: (stores: Stores) => Stores;
}

export interface ModelApp {
  deps: PipelineDeps;
  processor: DeliveryProcessor;
}

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };
/** GATE_LOG=1 prints what the app logs at warn and error (replaying a counterexample). */
const printed: Log = {
  debug() {},
  info() {},
  warn: (obj, msg) => console.error("WARN", msg ?? "", obj instanceof Object && "err" in obj ? String((obj as { err: unknown }).err) : obj),
  error: (obj, msg) => console.error("ERROR", msg ?? "", obj instanceof Object && "err" in obj ? String((obj as { err: unknown }).err) : obj),
};

export function createModelApp(world: World, stores: Stores, breakage: Breakage = {}, log: Log = process.env.GATE_LOG ? printed : quiet): ModelApp {
  const { store, deliveries } = breakage.stores ? breakage.stores(stores) : stores;
  const octokit = inProcessOctokit(world.state, 1, (request) => world.onRequest(request));
  const real = createOctokitPort(octokit as unknown as ProbotOctokit, { appId: 1, mergeRetryDelayMs: 0 });
  const port = breakage.port ? breakage.port(real, stores) : real;
  const deps: PipelineDeps = {
    store,
    deliveries,
    github: async () => port,
    configs: createConfigCache({ ttlMs: CONFIG_TTL_MS, now: () => world.now }),
    now: () => new Date(world.now),
    publicUrl: "http://uq.invalid",
    botLogin: BOT,
    appId: 1,
    log,
  };
  return { deps, processor: createDeliveryProcessor(deps) };
}
