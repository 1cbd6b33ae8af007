/**
 * The two effects that answer with a follow-up input: the merge and the rollback. Both decide
 * from GitHub as it is at that moment, never from what a delivery said earlier.
 */
import { evaluateTestGate } from "../domain/test-gate.js";
import type { UpgradeInput } from "../domain/types.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";
import type { PassContext } from "./pass-context.js";

/**
 * Merges the approved SHA after reading the PR as GitHub has it now (the pass's own read when it
 * made one, as a pass started by test results or a review does): a moved head, a closed PR, or a
 * gate that is not green (a check turned red or a new one still running, its webhook late or
 * lost) calls the merge off (CONTRACT §2). When the base branch requires GitHub's merge queue
 * (the same read says so), merging means enqueueing; a PR already in the queue is not added again.
 */
export async function merge(ctx: PassContext, record: UpgradeRecord, sha: string): Promise<UpgradeInput> {
  const { port, repo, config } = ctx;
  const pull = await ctx.readPull();
  if (pull.merged) {
    const previousSha = pull.mergeCommitSha ? await port.firstParent(repo, pull.mergeCommitSha) : null;
    return { kind: "closed", merged: true, actor: pull.mergedBy, via: "reconcile", mergeCommitSha: pull.mergeCommitSha, previousSha };
  }
  if (pull.state !== "open") return { kind: "closed", merged: false, actor: null, via: "reconcile" };
  if (pull.headSha !== sha) {
    return { kind: "merge_failed", message: `the head of the pull request is ${pull.headSha.slice(0, 7)} now, not the approved ${sha.slice(0, 7)}`, headMoved: true };
  }
  // Already in GitHub's merge queue (a repeated pass, another replica's enqueue): nothing to add.
  if (pull.mergeQueue.queued) return { kind: "merge_enqueued", sha, position: pull.mergeQueue.position, via: "check" };
  const results = evaluateTestGate(sha, pull.checks, config.requiredChecks);
  if (results.state !== "passed") return { kind: "merge_gate_not_green", results };
  const queue = pull.mergeQueue.enabled;
  // A rebase leaves no merge commit to ask, so the base head is read before merging (another
  // merge landing in between would make it stale: rebase is the method that cannot tell).
  const headBefore = config.mergeMethod === "rebase" && !queue ? await port.getBranchHead(repo, record.state.baseBranch) : null;
  // A freeze may have landed (on any replica) since this merge was claimed: the last word.
  const frozen = await ctx.deps.store.freezeOf(record.repository);
  if (frozen) return { kind: "merge_held", freeze: frozen };
  if (queue) return enqueue(ctx, pull, sha);
  const outcome = await port.merge(repo, pull, { sha, method: config.mergeMethod, title: `${record.title} (#${record.state.pullNumber})` });
  if (!outcome.ok) {
    // "The head moved" is GitHub's word; whether it did is the PR's. Still at the approved SHA
    // (GitHub refused twice all the same), the approvals of that SHA still count: the merge
    // failed, and /retry tries again, rather than asking for approvals the head already has.
    const headMoved = outcome.headMoved && (await port.readPull(repo, pull.number)).headSha !== sha;
    return { kind: "merge_failed", message: `${outcome.status}: ${outcome.message}`, headMoved, status: outcome.status };
  }
  // A merge or squash commit's first parent is the base head this merge really went onto (the
  // merge's answer names it; after a lost answer it is read). If it cannot be read, the pass
  // fails with the merge claimed; the claim's recovery reads it.
  const previousSha = headBefore ?? outcome.previousSha ?? (await port.firstParent(repo, outcome.sha));
  if (!previousSha) throw new Error(`merge commit ${outcome.sha} has no parent`);
  return { kind: "merge_succeeded", mergeCommitSha: outcome.sha, previousSha };
}

/**
 * The base branch requires GitHub's merge queue: merging means enqueueing the approved SHA.
 * The claim stays held while the queue has it; GitHub's merge is recorded when it is seen (its
 * `pull_request` closed delivery, or any later read), with the merge commit's first parent as
 * `previousSha`. The queue merges with its own method (`mergeMethod` does not apply).
 */
async function enqueue(ctx: PassContext, pull: { number: number; nodeId: string }, sha: string): Promise<UpgradeInput> {
  const outcome = await ctx.port.enqueue(ctx.repo, pull, { sha });
  if (!outcome.ok) return { kind: "merge_failed", message: `${outcome.status}: ${outcome.message}`, headMoved: outcome.headMoved, status: outcome.status };
  return { kind: "merge_enqueued", sha, position: outcome.position, via: "check" };
}

export async function rollback(ctx: PassContext, record: UpgradeRecord): Promise<UpgradeInput> {
  const { port, repo, deps } = ctx;
  const { mergeCommitSha, previousSha, baseBranch, pullNumber } = record.state;
  const actor = "upgrade-queue";
  if (!mergeCommitSha || !previousSha) return { kind: "rollback_failed", message: "the merge commit or the previous base head is unknown", actor };
  try {
    const restored = await port.restoreTree(repo, {
      branch: baseBranch,
      expectedHead: mergeCommitSha,
      treeOf: previousSha,
      message: `Roll back upgrade #${pullNumber}\n\nRestores the tree of ${previousSha}, the head of ${baseBranch} before #${pullNumber} was merged.`,
    });
    if (restored.ok) return { kind: "rollback_committed", rollbackSha: restored.sha, actor };
    const pull = await ctx.readPull();
    const revert = await port.openRevertPull(repo, pull.nodeId, `Revert upgrade #${pullNumber}`, `Reverts #${pullNumber}, requested with \`/rollback\`. ${baseBranch} has moved on since it was merged.`);
    return { kind: "revert_opened", pullNumber: revert.number, url: revert.url, actor };
  } catch (error) {
    deps.log.error({ err: error, repository: record.repository, pullNumber }, "rollback failed");
    return { kind: "rollback_failed", message: error instanceof Error ? error.message : String(error), actor };
  }
}
