/**
 * GitHub's merge queue (issue 11): when the base branch requires it, merging means enqueueing.
 * The app enqueues the approved SHA under its merge claim (`mergeClaimSha`), so nothing merges
 * or enqueues twice; GitHub merging it later is the app's own merge, recorded by `onClosed` as
 * any claimed merge is (with the merge commit's first parent as `previousSha`); a removal from
 * the queue fails the upgrade with GitHub's reason. Pure, like decide().
 */
import { Builder, NOTHING } from "./decision-builder.js";
import { code } from "./messages.js";
import type { DecideContext, Decision, UpgradeInput } from "./types.js";

type Input<K extends UpgradeInput["kind"]> = Extract<UpgradeInput, { kind: K }>;

/** The claimed SHA is in the merge queue: recorded once per enqueue (a repeated read changes nothing). */
export function onMergeEnqueued(b: Builder, input: Input<"merge_enqueued">): Decision {
  const s = b.state;
  if (s.status !== "approved" || s.mergeClaimSha !== input.sha || s.queuedSha === input.sha) return NOTHING();
  const place = input.position === null ? "" : ` (position ${input.position})`;
  return b
    .set({ queuedSha: input.sha })
    .effect({ kind: "sync_check_run" })
    .event("upgrade.enqueued", "upgrade-queue", input.via, { sha: input.sha, position: input.position })
    .comment(
      `Added to GitHub's merge queue for \`${s.baseBranch}\` at \`${input.sha.slice(0, 7)}\`${place}. GitHub merges it once the queue's checks pass, and it is recorded as applied then; if the queue removes it, it fails with GitHub's reason.`,
    ).decision;
}

/**
 * GitHub removed the queued SHA from the merge queue (its CI failed, a conflict, a person): the
 * upgrade fails with GitHub's reason, once (after that it is no longer queued).
 */
export function onMergeDequeued(b: Builder, input: Input<"merge_dequeued">, ctx: DecideContext): Decision {
  const s = b.state;
  if (s.status !== "approved" || !s.queuedSha || s.queuedSha !== input.sha) return NOTHING();
  const reason = input.reason ?? "GitHub gave no reason";
  const message = `GitHub's merge queue removed ${input.sha.slice(0, 7)}: ${reason}`;
  return b
    .transition({ status: "failed", failedAt: ctx.now, errorMessage: message, mergeClaimSha: null, mergeClaimedAt: null, queuedSha: null })
    .event("upgrade.dequeued", input.actor ?? "upgrade-queue", input.via, { sha: input.sha, reason: input.reason })
    .event("upgrade.failed", "upgrade-queue", input.via, { message, reason: input.reason })
    .comment(
      `Failed: GitHub's merge queue removed \`${input.sha.slice(0, 7)}\` from the queue for \`${s.baseBranch}\`: ${code(reason)}\n\nPush new commits, or an approver can comment \`/retry\` to queue it again.`,
    ).decision;
}
