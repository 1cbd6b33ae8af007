/**
 * GitHub's merge queue, as far as the app sees it: branches that require it, a pull request's
 * entry (first come, first served), its removal with a reason (a `RemovedFromMergeQueueEvent`
 * on its timeline), and the queue merging its entry. The queue's own CI (merge groups) is not
 * modelled: a test decides when the queue merges or removes an entry.
 */
import type { MergeMethod } from "./pulls.js";
import { GitHubError, headShaOf, mergePull } from "./pulls.js";
import type { Pull, Repo, State } from "./state.js";
import { ensureUser, nextId, now } from "./state.js";

/** The account GitHub's merge queue merges as (`merged_by`) and removes entries as. */
export const MERGE_QUEUE_BOT = "github-merge-queue[bot]";

export function requiresMergeQueue(repo: Repo, branch: string): boolean {
  return repo.mergeQueueBranches.has(branch);
}

/** The queued pull requests of `base`, in queue order. */
export function queueOf(repo: Repo, base: string): Pull[] {
  return [...repo.pulls.values()].filter((p) => p.queue !== null && p.state === "open" && p.baseRef === base).sort((a, b) => (a.queue?.seq ?? 0) - (b.queue?.seq ?? 0));
}

/** 1 for the next to merge; null when not queued. */
export function queuePosition(repo: Repo, pull: Pull): number | null {
  const index = queueOf(repo, pull.baseRef).indexOf(pull);
  return index === -1 ? null : index + 1;
}

/**
 * `enqueuePullRequest`: refusals as GitHub's UNPROCESSABLE answers (the wording for a branch
 * without a queue and for a second enqueue is ours; GitHub's is not documented).
 */
export function enqueuePull(state: State, repo: Repo, pull: Pull, input: { expectedHeadOid?: string; by: string }): void {
  if (pull.merged || pull.state === "closed") throw new GitHubError(422, "Pull Request is not mergeable");
  if (!requiresMergeQueue(repo, pull.baseRef)) throw new GitHubError(422, `Merge queue is not enabled for the branch ${pull.baseRef}`);
  const head = headShaOf(state, pull);
  if (input.expectedHeadOid !== undefined && input.expectedHeadOid !== head) throw new GitHubError(409, "Head branch was modified. Review and try the merge again.");
  if (pull.queue) throw new GitHubError(422, "Pull request is already in the merge queue");
  ensureUser(state, input.by);
  pull.queue = { headSha: head, enqueuedAt: now(state), by: input.by, seq: nextId(state) };
  pull.updatedAt = pull.queue.enqueuedAt;
}

/** The queue drops the entry (its checks failed, a conflict, a person): the timeline records why. */
export function removeFromQueue(state: State, pull: Pull, reason: string, actor: string = MERGE_QUEUE_BOT): void {
  if (!pull.queue) throw new Error(`fake-github: #${pull.number} is not in the merge queue`);
  ensureUser(state, actor);
  pull.queue = null;
  const at = now(state);
  pull.queueRemovals.push({ id: nextId(state), reason, at, actor });
  pull.updatedAt = at;
}

/** The queue merges its entry: a real merge of the enqueued head onto the base, by the queue's bot. */
export function mergeFromQueue(state: State, repo: Repo, pull: Pull, method: MergeMethod = "merge"): string {
  const entry = pull.queue;
  if (!entry) throw new Error(`fake-github: #${pull.number} is not in the merge queue`);
  ensureUser(state, MERGE_QUEUE_BOT);
  return mergePull(state, repo, pull, { by: MERGE_QUEUE_BOT, method, sha: entry.headSha, throughQueue: true });
}
