/**
 * `upgrade-queue/client`: the agent's side of the gate (CONTRACT §7, docs/agents.md).
 *
 *   const { branch, sha } = await propose({ repository, slug, title, description, files });
 *   const upgrade = await waitForDecision({ repository, branch, sha }, { timeoutMs: 3_600_000 });
 *
 * The free functions read GITHUB_TOKEN, GHE_HOST/GHE_PROTOCOL, UPGRADE_QUEUE_URL and
 * STATUS_PAGE_TOKEN from the environment; `createUpgradeQueueClient(options)` takes them explicitly.
 * Nothing here can approve, merge or unfreeze: the agent is the pusher, and pushers never approve.
 */
import { type ClientOptions, requireGithubToken, requireQueueUrl, resolveOptions } from "./config.js";
import { createAgentOctokit } from "./github.js";
import { type ProposeResult, proposeWith } from "./propose.js";
import { type QueueList, type Upgrade, type WaitOptions, listWith, statusWith, waitWith } from "./queue-api.js";
import type { ListInput, ProposeInput, StatusInput } from "./schemas.js";

export type { ClientOptions } from "./config.js";
export { UpgradeQueueError, isUpgradeQueueError, type UpgradeQueueErrorCode } from "./errors.js";
export type { ProposeResult } from "./propose.js";
export { commitMessage } from "./propose.js";
export type { QueueList, Upgrade, WaitOptions } from "./queue-api.js";
export { isDecided } from "./queue-api.js";
export { ListInput, ProposeInput, StatusInput } from "./schemas.js";

export interface UpgradeQueueClient {
  /** Writes one commit on a new branch `<branchPrefix><slug>`; the app then opens the pull request. */
  propose(input: ProposeInput): Promise<ProposeResult>;
  /** The upgrade of a branch (the open one, else the latest; with `sha`, the one with that head), or null. */
  status(input: StatusInput): Promise<Upgrade | null>;
  /** The queue, filtered like `/self-modify/queue.json`. */
  listUpgrades(input?: ListInput): Promise<QueueList>;
  /** Resolves with the upgrade once it is applied, rejected, expired, failed or rolled back. */
  waitForDecision(input: StatusInput, options?: WaitOptions): Promise<Upgrade>;
}

export function createUpgradeQueueClient(options: ClientOptions = {}, env: NodeJS.ProcessEnv = process.env): UpgradeQueueClient {
  const resolved = resolveOptions(options, env);
  const octokit = () => createAgentOctokit({ token: requireGithubToken(resolved), baseUrl: resolved.githubApiUrl, retryBaseMs: resolved.retryBaseMs });
  const queue = () => ({ url: requireQueueUrl(resolved), token: resolved.statusPageToken });
  return {
    propose: async (input) => proposeWith(octokit(), input),
    status: async (input) => statusWith(queue(), input),
    listUpgrades: async (input = {}) => listWith(queue(), input),
    waitForDecision: async (input, wait = {}) => waitWith(queue(), input, wait),
  };
}

export function propose(input: ProposeInput, options?: ClientOptions): Promise<ProposeResult> {
  return createUpgradeQueueClient(options).propose(input);
}

export function status(input: StatusInput, options?: ClientOptions): Promise<Upgrade | null> {
  return createUpgradeQueueClient(options).status(input);
}

export function listUpgrades(input: ListInput = {}, options?: ClientOptions): Promise<QueueList> {
  return createUpgradeQueueClient(options).listUpgrades(input);
}

export function waitForDecision(input: StatusInput, wait: WaitOptions = {}, options?: ClientOptions): Promise<Upgrade> {
  return createUpgradeQueueClient(options).waitForDecision(input, wait);
}
