/** What the pipeline and timers are given: ports and stores, never Probot itself. */
import type { GitHubPort } from "../github/port.js";
import type { DeliveryStore } from "../store/delivery-store.js";
import type { UpgradeStore } from "../store/upgrade-store.js";
import type { ConfigCache } from "./config-cache.js";

export interface Log {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface PipelineDeps {
  store: UpgradeStore;
  deliveries: DeliveryStore;
  /** The GitHub port authenticated as the app's installation. */
  github(installationId: number): Promise<GitHubPort>;
  configs: ConfigCache;
  now(): Date;
  /** Base URL of the status page, for check-run details links. */
  publicUrl: string;
  /** The app's own bot login (`<slug>[bot]`): its events are dropped at the door. */
  botLogin: string | null;
  /** The app's id (APP_ID): its own check runs and suites name it. */
  appId: number | null;
  log: Log;
}
