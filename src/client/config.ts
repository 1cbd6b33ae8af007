/**
 * Where the client talks to, from explicit options or the agent's environment:
 * GITHUB_TOKEN (the agent's own token), GHE_HOST/GHE_PROTOCOL (as the app reads them),
 * UPGRADE_QUEUE_URL and STATUS_PAGE_TOKEN (the app's status page and its read token).
 */
import { UpgradeQueueError } from "./errors.js";

export interface ClientOptions {
  /** The agent's GitHub token (default: GITHUB_TOKEN). Needs contents write on the repository. */
  githubToken?: string | undefined;
  /** GitHub's REST API root (default: `<GHE_PROTOCOL>://<GHE_HOST>/api/v3`, else https://api.github.com). */
  githubApiUrl?: string | undefined;
  /** The Upgrade Queue app's base URL (default: UPGRADE_QUEUE_URL). */
  queueUrl?: string | undefined;
  /** The app's STATUS_PAGE_TOKEN, sent as a Bearer token (default: STATUS_PAGE_TOKEN). */
  statusPageToken?: string | undefined;
  /** Base of Octokit's retry and rate-limit waits, in ms (tests shorten it). Default 1000. */
  retryBaseMs?: number | undefined;
}

export interface ResolvedOptions {
  githubToken: string | undefined;
  githubApiUrl: string;
  queueUrl: string | undefined;
  statusPageToken: string | undefined;
  retryBaseMs: number;
}

/** Explicit options win; unset ones come from `env` (process.env by default). */
export function resolveOptions(options: ClientOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  const text = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  return {
    githubToken: text(options.githubToken) ?? text(env.GITHUB_TOKEN),
    githubApiUrl: text(options.githubApiUrl) ?? githubApiUrlFromEnv(env),
    queueUrl: text(options.queueUrl) ?? text(env.UPGRADE_QUEUE_URL),
    statusPageToken: text(options.statusPageToken) ?? text(env.STATUS_PAGE_TOKEN),
    retryBaseMs: options.retryBaseMs ?? 1000,
  };
}

function githubApiUrlFromEnv(env: NodeJS.ProcessEnv): string {
  const host = env.GHE_HOST?.trim();
  if (!host) return "https://api.github.com";
  const protocol = env.GHE_PROTOCOL?.trim() || "https";
  if (protocol !== "http" && protocol !== "https") {
    throw new UpgradeQueueError("not_configured", `GHE_PROTOCOL must be http or https, not ${JSON.stringify(protocol)}.`);
  }
  return `${protocol}://${host}/api/v3`;
}

export function requireGithubToken(options: ResolvedOptions): string {
  if (!options.githubToken) {
    throw new UpgradeQueueError("not_configured", "No GitHub token: set GITHUB_TOKEN to the agent's own token (contents: write on the repository).");
  }
  return options.githubToken;
}

export function requireQueueUrl(options: ResolvedOptions): string {
  const url = options.queueUrl;
  if (!url || !/^https?:\/\/[^/\s]+/i.test(url)) {
    throw new UpgradeQueueError("not_configured", `UPGRADE_QUEUE_URL must be the Upgrade Queue app's base URL (http:// or https://), not ${JSON.stringify(url ?? "")}.`);
  }
  return url.replace(/\/+$/, "");
}
