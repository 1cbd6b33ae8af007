import type { Logger } from "probot";
import type { Db } from "../store/prisma-client.js";
import type { DashboardActions } from "./dashboard-actions.js";

/** The environment the status page reads, parsed once at start by the caller. */
export interface HttpEnv {
  /** `STATUS_PAGE_TOKEN`: when set, anonymous visitors get 401 and this token reads everything. */
  statusPageToken?: string | undefined;
  /** `SESSION_SECRET`: keys the session cookies; a random one per process when unset. */
  sessionSecret?: string | undefined;
  /** `PUBLIC_URL`: the app's external base URL, without a trailing slash. */
  publicUrl: string;
  /** `GITHUB_CLIENT_ID` / `GITHUB_CLIENT_SECRET`: enable "Sign in with GitHub". */
  githubClientId?: string | undefined;
  githubClientSecret?: string | undefined;
  /** GitHub's web base, e.g. `https://github.com` or `https://ghe.example.com`. */
  githubBaseUrl: string;
  /** GitHub's REST API base, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  apiBaseUrl: string;
}

export type HttpLog = Pick<Logger, "info" | "warn" | "error">;

export interface HttpDeps {
  db: Db;
  env: HttpEnv;
  dashboard: DashboardActions;
  log: HttpLog;
}
