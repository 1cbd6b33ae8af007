/**
 * The agent's Octokit: its own token, GitHub's retry and rate-limit plugins (5xx and rate
 * limits are retried there, not by a loop of ours), and the translation of GitHub's refusals
 * into the client's typed errors.
 */
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { UpgradeQueueError } from "./errors.js";

const AgentOctokit = Octokit.plugin(retry, throttling);
export type AgentOctokit = InstanceType<typeof AgentOctokit>;

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function createAgentOctokit(input: { token: string; baseUrl: string; retryBaseMs: number }): AgentOctokit {
  return new AgentOctokit({
    auth: input.token,
    baseUrl: input.baseUrl,
    userAgent: "upgrade-queue-client",
    // Silent: the MCP server's stdout is the protocol channel, and errors are thrown, not logged.
    log: silent,
    retry: { retryAfterBaseValue: input.retryBaseMs },
    throttle: {
      retryAfterBaseValue: input.retryBaseMs,
      onRateLimit: (_after, _options, _octokit, retryCount) => retryCount < 2,
      onSecondaryRateLimit: (_after, _options, _octokit, retryCount) => retryCount < 1,
    },
  });
}

/** GitHub's status, or undefined when the request never got an answer. */
export function githubStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/**
 * Runs one GitHub call; `what` names it in errors ("reading acme/agent"). 401, 403 and 404 become
 * the errors an agent can act on; anything else is `github_error` with GitHub's message.
 */
export async function onGitHub<T>(what: string, repository: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toClientError(what, repository, error);
  }
}

export function toClientError(what: string, repository: string, error: unknown): UpgradeQueueError {
  if (error instanceof UpgradeQueueError) return error;
  const status = githubStatus(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status === 401) {
    return new UpgradeQueueError("bad_token", `GitHub refused the token while ${what} (401 ${message}): set GITHUB_TOKEN to a valid token of the agent's account.`, { status }, { cause: error });
  }
  if (status === 404) {
    return new UpgradeQueueError("no_access", `GitHub found nothing while ${what} (404): check that ${repository} exists and that the agent's token can read it.`, { status }, { cause: error });
  }
  if (status === 403) {
    return new UpgradeQueueError("no_access", `GitHub refused ${what} (403 ${message}): the agent's token needs write access to the contents of ${repository}.`, { status }, { cause: error });
  }
  const answer = status === undefined ? `no answer: ${message}` : `${status} ${message}`;
  return new UpgradeQueueError("github_error", `GitHub failed while ${what} (${answer}).`, { status: status ?? null }, { cause: error });
}
