/**
 * The heart of the gate: (upgrade, input, config, context) -> decision. Pure: no I/O, no clock
 * (the time comes in `ctx.now`), no GitHub, no database. docs/state-machine.md mirrors it and
 * test/domain/decide.test.ts has one named row per transition and per refusal.
 */
import type { RepoConfig } from "../config/repo-config.js";
import { HELP_TEXT, code, statusText } from "./messages.js";
import { approvalsNeeded, canRollback, checkApprover, countingApprovers } from "./permissions.js";
import { rejectOverBudget } from "./budget.js";
import { Builder, NOTHING } from "./decision-builder.js";
import { holdMerge, onFreezeCommand, onMergeHeld } from "./freeze.js";
import { onMergeDequeued, onMergeEnqueued } from "./merge-queue.js";
import { explainMergeRefusal } from "./merge-refusal.js";
import type { Actor, Decision, DecideContext, Effect, UpgradeInput, UpgradeState, UpgradeStatus, Via } from "./types.js";
import { noteWeakening } from "./weakened-tests.js";

type Input<K extends UpgradeInput["kind"]> = Extract<UpgradeInput, { kind: K }>;

export function decide(upgrade: UpgradeState, input: UpgradeInput, config: RepoConfig, ctx: DecideContext): Decision {
  const b = new Builder(upgrade);
  switch (input.kind) {
    case "proposed":
      return onProposed(b, input, config, ctx);
    case "closed":
      return onClosed(b, input, config, ctx);
    case "reopened":
      return onReopened(b, input, config, ctx);
    case "head_updated":
      return onHeadUpdated(b, input, config, ctx);
    case "approve":
      return keepOneStateLabel(onApprove(b, input, config, ctx), input.via);
    case "reject":
      return keepOneStateLabel(onReject(b, input, config, ctx), input.via);
    case "changes_requested":
      return b.event("upgrade.changes_requested", input.actor.login, input.via).decision;
    case "label_denied":
      return b.decision;
    case "command":
      return onCommand(b, input, config, ctx);
    case "tests":
      return onTests(b, input, config, ctx);
    case "tick":
      return onTick(b, input.via, config, ctx);
    case "merge_succeeded":
      return onMergeSucceeded(b, input, config, ctx);
    case "merge_failed":
      return onMergeFailed(b, input, ctx);
    case "merge_enqueued":
      return onMergeEnqueued(b, input);
    case "merge_dequeued":
      return onMergeDequeued(b, input, ctx);
    case "merge_claim_lapsed":
      // The replica that claimed the merge died before recording it, and GitHub says the PR is
      // not merged: claim it afresh. A claim the merge queue holds is not lapsed: GitHub merges
      // it (or removes it) in its own time.
      if (upgrade.status !== "approved" || upgrade.mergeClaimSha === null || upgrade.queuedSha) return NOTHING();
      b.set({ mergeClaimSha: null }).event("upgrade.merge_retried", "upgrade-queue", input.via, { claimedSha: upgrade.mergeClaimSha });
      // Someone (auto mode or an /apply) had already decided to merge: do what they decided.
      return maybeApply(b, config, ctx, "command").decision;
    case "merge_gate_not_green":
      return onMergeGateNotGreen(b, input, ctx);
    case "merge_held":
      return onMergeHeld(b, input.freeze);
    case "freeze_changed":
      return onFreezeChanged(b, input.via, config, ctx);
    case "resume_apply":
      // Approved and green, unfrozen, and no pass holds the merge: what that pass would have done.
      if (upgrade.status !== "approved" || upgrade.mergeClaimSha !== null || ctx.frozen) return NOTHING();
      return maybeApply(b, config, ctx, "auto").decision;
    case "rollback_committed":
      if (upgrade.status !== "applied") return NOTHING();
      return b
        .transition({ status: "rolled_back", rollbackSha: input.rollbackSha, rolledBackAt: ctx.now })
        .event("upgrade.rolled_back", input.actor, "comment", { rollbackSha: input.rollbackSha, previousSha: upgrade.previousSha })
        .comment(`Rolled back: commit \`${input.rollbackSha.slice(0, 7)}\` on \`${upgrade.baseBranch}\` restores \`${upgrade.previousSha?.slice(0, 7)}\`.`).decision;
    case "revert_opened":
      return b
        .set({ revertPullNumber: input.pullNumber })
        .event("upgrade.revert_opened", input.actor, "comment", { revertPullNumber: input.pullNumber, url: input.url })
        .comment(`\`${upgrade.baseBranch}\` has moved on since this was merged, so a revert pull request was opened: #${input.pullNumber}. This upgrade is marked rolled back when it merges.`).decision;
    case "revert_merged":
      if (upgrade.status !== "applied") return NOTHING();
      return b
        .transition({ status: "rolled_back", rolledBackAt: ctx.now })
        .event("upgrade.rolled_back", input.actor ?? "reconcile", input.via, { revertPullNumber: upgrade.revertPullNumber }).decision;
    case "rollback_failed":
      return b
        .event("upgrade.rollback_failed", input.actor, "comment", { message: input.message })
        .comment(`Rollback failed: ${code(input.message)}`).decision;
  }
}

function onProposed(b: Builder, input: Input<"proposed">, config: RepoConfig, ctx: DecideContext): Decision {
  // Two deliveries (a push and the PR it opened, on two replicas) may both adopt the PR, and a
  // retried delivery may propose again: the proposal is recorded once.
  if (ctx.proposalRecorded) return NOTHING();
  b.event("upgrade.proposed", input.actor, input.via, { headSha: b.state.headSha, branch: b.state.branchName });
  b.effect({ kind: "sync_label" }, { kind: "sync_check_run" });
  if (rejectIfTooLarge(b, config, ctx)) return b.decision;
  if (rejectOverBudget(b, config, ctx, input.via)) return b.decision;
  noteWeakening(b, { files: input.weakenedTests ?? [] }, config, input.via);
  return b.decision;
}

/** Auto-rejection of proposals over `maxDiffLines` (CONTRACT §2). Returns whether it rejected. */
function rejectIfTooLarge(b: Builder, config: RepoConfig, ctx: DecideContext): boolean {
  const lines = b.state.additions + b.state.deletions;
  if (lines <= config.maxDiffLines) return false;
  const reason = `the diff has ${lines} changed lines, more than maxDiffLines (${config.maxDiffLines})`;
  b.transition({ status: "rejected", rejectedAt: ctx.now, errorMessage: `Rejected: ${reason}` })
    .event("upgrade.rejected", "max-diff-lines", "check", { reason, lines, maxDiffLines: config.maxDiffLines })
    .comment(`Rejected automatically: ${reason}.`)
    .effect({ kind: "close_pr" });
  if (config.deleteBranch) b.effect({ kind: "delete_branch" });
  return true;
}

function onClosed(b: Builder, input: Input<"closed">, config: RepoConfig, ctx: DecideContext): Decision {
  const { status } = b.state;
  if (input.merged) {
    if (status === "applied" || status === "rolled_back") return NOTHING();
    // The app's own merge, seen (by reconciliation or its webhook, on another replica) before
    // the pass that made it recorded it: recorded as that pass would, comment and all, so it
    // is not mistaken for a person's merge and the pass finds nothing left to record.
    if (status === "approved" && b.state.mergeClaimSha !== null && input.mergeCommitSha && input.previousSha) {
      return onMergeSucceeded(b, { kind: "merge_succeeded", mergeCommitSha: input.mergeCommitSha, previousSha: input.previousSha }, config, ctx);
    }
    // Merged by a person (or a merge we made but never recorded): the change is on the base.
    return b
      .transition({ status: "applied", appliedAt: ctx.now, mergeCommitSha: input.mergeCommitSha ?? null, previousSha: input.previousSha ?? null, mergeClaimSha: null })
      .event("upgrade.applied", input.actor ?? "reconcile", input.via, { mergedOutsideApp: true, mergeCommitSha: input.mergeCommitSha ?? null, previousSha: input.previousSha ?? null }).decision;
  }
  if (status !== "proposed" && status !== "approved" && status !== "failed") return NOTHING();
  b.transition({ status: "rejected", rejectedAt: ctx.now, mergeClaimSha: null }).event("upgrade.rejected", input.actor ?? "reconcile", input.via, { reason: "pull request closed" });
  if (config.deleteBranch) b.effect({ kind: "delete_branch" });
  return b.decision;
}

function onReopened(b: Builder, input: Input<"reopened">, config: RepoConfig, ctx: DecideContext): Decision {
  const from = b.state.status;
  if (from !== "rejected" && from !== "expired") return NOTHING();
  // Expiry counts from the reopening, so proposedAt moves with it.
  b.transition({ status: "proposed", proposedAt: ctx.now, rejectedAt: null, expiredAt: null, errorMessage: null, approvedSha: null, approvedBy: [] })
    .event("upgrade.reopened", input.actor, input.via, { from });
  rejectIfTooLarge(b, config, ctx);
  return b.decision;
}

function onHeadUpdated(b: Builder, input: Input<"head_updated">, config: RepoConfig, ctx: DecideContext): Decision {
  const { facts } = input;
  const before = b.state;
  const newNonApprovers = mergeLogins(before.nonApprovers, facts.nonApprovers);
  const movedSince = input.fromSha !== undefined && input.fromSha !== before.headSha;
  if (facts.headSha === before.headSha || movedSince) {
    if (newNonApprovers.length !== before.nonApprovers.length) b.set({ nonApprovers: newNonApprovers });
    return b.decision;
  }
  const oldHead = before.headSha;
  const status = before.status;
  b.set({
    headSha: facts.headSha,
    additions: facts.additions,
    deletions: facts.deletions,
    filesChanged: facts.files,
    guarded: facts.guarded,
    urgent: facts.urgent,
    nonApprovers: newNonApprovers,
    headSince: facts.since ?? null,
    mergeClaimSha: null,
    // What shrank is a fact of the head: the new head's files are read again, its checks not yet.
    weakened: null,
  });
  b.effect({ kind: "sync_check_run" });
  if (status === "approved" || status === "failed") {
    b.transition({ status: "proposed", approvedSha: null, approvedBy: [], approvedAt: null, errorMessage: null, failedAt: null })
      .event("upgrade.approval_invalidated", input.actor ?? "push", input.via, { previousHeadSha: oldHead, headSha: facts.headSha, from: status })
      .comment(`New commits were pushed (\`${facts.headSha.slice(0, 7)}\`): approvals of \`${oldHead.slice(0, 7)}\` no longer count. Please review the new head.`);
  } else if (status === "proposed" && countingApprovers(before.approvals, oldHead, before, config).length > 0) {
    b.event("upgrade.approval_invalidated", input.actor ?? "push", input.via, { previousHeadSha: oldHead, headSha: facts.headSha, from: status });
  }
  if (b.state.status === "proposed" && rejectIfTooLarge(b, config, ctx)) return b.decision;
  noteWeakening(b, { files: facts.weakenedTests ?? [] }, config, input.via);
  return b.decision;
}

function mergeLogins(existing: readonly string[], more: readonly string[]): string[] {
  const out = [...existing];
  for (const login of more) if (!out.some((l) => l.toLowerCase() === login.toLowerCase())) out.push(login);
  return out;
}

/**
 * An accepted `upgrade:approved`/`upgrade:rejected` label that did not (yet) move the upgrade to
 * that state ("1 of 2", a post-approval) must not stay beside the state label: exactly one
 * `upgrade:<state>` label (CONTRACT §3). Refused labels are removed by `deny`.
 */
function keepOneStateLabel(decision: Decision, via: Via): Decision {
  if (via !== "label" || decision.effects.some((e) => e.kind === "sync_label" || e.kind === "remove_label")) return decision;
  decision.effects.push({ kind: "sync_label" });
  return decision;
}

/**
 * The removal of a decision label the app refuses; none when that label is the state label
 * already (a label whose webhook came after the state it names was reached another way).
 */
function refusedLabel(via: Via, name: string, status: UpgradeState["status"]): Effect | undefined {
  return via === "label" && name !== `upgrade:${status}` ? { kind: "remove_label", name } : undefined;
}

function deny(b: Builder, actor: Actor, via: Via, command: string, reason: string, extra?: Effect): Decision {
  b.event("upgrade.command_denied", actor.login, via, { command, reason }).comment(`\`${command}\` was not accepted: ${reason}`);
  if (extra) b.effect(extra);
  return b.decision;
}

function onApprove(b: Builder, input: Input<"approve">, config: RepoConfig, ctx: DecideContext): Decision {
  const { actor, via } = input;
  const labelEffect = refusedLabel(via, "upgrade:approved", b.state.status);
  const check = checkApprover(actor, b.state, config);
  if (!check.ok) return deny(b, actor, via, "approve", check.reason, labelEffect);
  const { status } = b.state;
  if (predatesHead(input, b.state) && (APPROVABLE.includes(status) || (status === "applied" && b.state.bypassed))) {
    return b
      .event("upgrade.approval_stale", actor.login, via, { sha: input.sha, headSha: b.state.headSha, madeAt: input.madeAt, headSince: b.state.headSince?.toISOString() })
      .comment(`@${actor.login}'s ${via === "label" ? "`upgrade:approved` label was added" : "`/approve` was written"} before \`${b.state.headSha.slice(0, 7)}\` became the head, so it does not count for it. Please review the current head and approve again.`).decision;
  }

  if (status === "applied" && b.state.bypassed) {
    return b
      .set({ bypassed: false, approvedBy: mergeLogins(b.state.approvedBy, [actor.login]) })
      .effect({ kind: "sync_check_run" })
      .event("upgrade.post_approved", actor.login, via, { sha: input.sha })
      .comment(`@${actor.login} approved this urgent upgrade after the fact.`).decision;
  }
  // A second approval by the same approver is acknowledged, whatever happened since.
  const already = b.state.approvals.some((a) => a.sha === input.sha && a.login.toLowerCase() === actor.login.toLowerCase());
  if (already) {
    return via === "comment" || via === "dashboard" ? b.comment(`@${actor.login} has already approved \`${input.sha.slice(0, 7)}\`; nothing changes.`).decision : b.decision;
  }
  if (status !== "proposed" && status !== "approved" && status !== "failed") {
    return deny(b, actor, via, "approve", `the upgrade is \`${status}\`, so there is nothing to approve.`, labelEffect);
  }
  if (input.sha !== b.state.headSha) {
    return b
      .event("upgrade.approval_stale", actor.login, via, { sha: input.sha, headSha: b.state.headSha })
      .comment(`@${actor.login}'s approval is of \`${input.sha.slice(0, 7)}\`, not of the head \`${b.state.headSha.slice(0, 7)}\`, so it does not count. Please review the current head.`).decision;
  }
  const approval = { login: actor.login, sha: input.sha, via, permission: actor.permission, at: ctx.now };
  b.decision.approvalsToAdd.push(approval);
  b.state.approvals.push(approval);
  if (via === "dashboard") b.comment(`@${actor.login} approved \`${input.sha.slice(0, 7)}\` on the Upgrade Queue status page.`);
  if (status !== "proposed") {
    // An urgent bypass approved by a person before it was merged is no longer "without approval".
    if (b.state.bypassed) {
      b.set({ bypassed: false, approvedBy: mergeLogins(b.state.approvedBy, [actor.login]) })
        .event("upgrade.post_approved", actor.login, via, { sha: input.sha })
        .comment(`@${actor.login} approved this urgent upgrade after the fact.`);
    }
    return b.effect({ kind: "sync_check_run" }).decision;
  }
  const approvers = countingApprovers(b.state.approvals, b.state.headSha, b.state, config);
  const needed = approvalsNeeded(b.state, config);
  if (approvers.length < needed) {
    const guardNote = b.state.guarded && !approvers.some((l) => l.toLowerCase() === actor.login.toLowerCase()) ? " (this upgrade is guarded: only admin or maintain approvals count)" : "";
    return b
      .event("upgrade.approval_added", actor.login, via, { sha: input.sha, approvals: approvers.length, needed })
      .effect({ kind: "sync_check_run" })
      .comment(`Approval by @${actor.login} recorded: ${approvers.length} of ${needed}${guardNote}.`).decision;
  }
  b.transition({ status: "approved", approvedSha: b.state.headSha, approvedBy: approvers, approvedAt: ctx.now })
    .event("upgrade.approved", actor.login, via, { sha: b.state.headSha, approvedBy: approvers })
    .comment(`Approved by ${approvers.map((l) => `@${l}`).join(", ")} at \`${b.state.headSha.slice(0, 7)}\`.`);
  return maybeApply(b, config, ctx, "auto").decision;
}

const APPROVABLE: readonly UpgradeStatus[] = ["proposed", "approved", "failed"];

/**
 * A `/approve` comment written no later than GitHub's time for the head: it was about an older
 * head, even when the app learnt of the push first. `headSince` is the latest instant its
 * timestamp allows (GitHub gives seconds: 12:00:05Z is taken as 12:00:05.999), so a comment in
 * the same second as the push, whose order GitHub does not say, does not count.
 */
function predatesHead(input: Input<"approve">, state: UpgradeState): boolean {
  if (input.madeAt === undefined || !state.headSince) return false;
  const madeAt = Date.parse(input.madeAt);
  return Number.isNaN(madeAt) || madeAt <= state.headSince.getTime();
}

/** Approved + green + (auto mode or an explicit /apply): claim the merge once. */
function maybeApply(b: Builder, config: RepoConfig, ctx: DecideContext, trigger: "auto" | "command"): Builder {
  const s = b.state;
  if (s.status !== "approved" || s.approvedSha === null) return b;
  if (s.mergeClaimSha === s.approvedSha) return b;
  const tests = s.testResults;
  if (!tests || tests.sha !== s.approvedSha) return b;
  // Failed tests on the approved SHA fail the upgrade in either apply mode (CONTRACT §2).
  if (tests.state === "failed") return fail(b, `tests failed on ${s.approvedSha.slice(0, 7)}: ${tests.summary}`, "check", ctx);
  if (trigger === "auto" && config.applyMode !== "auto") return b;
  if (tests.state !== "passed") return b;
  if (ctx.frozen) return holdMerge(b, ctx.frozen, s.approvedSha);
  return b.set({ mergeClaimSha: s.approvedSha, mergeClaimedAt: ctx.now }).effect({ kind: "merge", sha: s.approvedSha });
}

function fail(b: Builder, message: string, via: Via, ctx: DecideContext): Builder {
  return b
    .transition({ status: "failed", failedAt: ctx.now, errorMessage: message, mergeClaimSha: null })
    .event("upgrade.failed", "upgrade-queue", via, { message })
    .comment(`Failed: ${code(message)}\n\nPush new commits, or an approver can comment \`/retry\`.`);
}

function onReject(b: Builder, input: Input<"reject">, config: RepoConfig, ctx: DecideContext): Decision {
  const { actor, via } = input;
  const labelEffect = refusedLabel(via, "upgrade:rejected", b.state.status);
  const check = checkApprover(actor, b.state, config);
  if (!check.ok) return deny(b, actor, via, "reject", check.reason, labelEffect);
  const { status } = b.state;
  // The label shows the decision already made (its webhook came after reconciliation acted on it).
  if (via === "label" && status === "rejected") return b.decision;
  if (status !== "proposed" && status !== "approved" && status !== "failed") {
    return deny(b, actor, via, "reject", `the upgrade is \`${status}\`, so there is nothing to reject.`, labelEffect);
  }
  b.transition({ status: "rejected", rejectedAt: ctx.now, errorMessage: input.reason ? `Rejected: ${input.reason}` : null, mergeClaimSha: null })
    .event("upgrade.rejected", actor.login, via, { reason: input.reason })
    .comment(`Rejected by @${actor.login}${via === "dashboard" ? " on the Upgrade Queue status page" : ""}${input.reason ? `: ${code(input.reason)}` : "."}`)
    .effect({ kind: "close_pr" });
  if (config.deleteBranch) b.effect({ kind: "delete_branch" });
  return b.decision;
}

function onCommand(b: Builder, input: Input<"command">, config: RepoConfig, ctx: DecideContext): Decision {
  const { actor, via, command } = input;
  const name = `/${command}`;
  switch (command) {
    case "help":
      return b.comment(HELP_TEXT).decision;
    case "status":
      return b.comment(statusText(b.state, config)).decision;
    case "freeze":
    case "unfreeze":
      return onFreezeCommand(b, { command, actor, via, argument: input.argument }, ctx, deny);
    case "rollback": {
      const check = canRollback(actor);
      if (!check.ok) return deny(b, actor, via, name, check.reason);
      if (b.state.status === "rolled_back") return b.comment("This upgrade is already rolled back; nothing more to do.").decision;
      if (b.state.status !== "applied") return deny(b, actor, via, name, `the upgrade is \`${b.state.status}\`; only an applied upgrade can be rolled back.`);
      if (b.state.revertPullNumber !== null) return b.comment(`A revert pull request is already open: #${b.state.revertPullNumber}.`).decision;
      if (via === "dashboard") b.comment(`@${actor.login} asked for a rollback on the Upgrade Queue status page.`);
      return b.event("upgrade.rollback_requested", actor.login, via, {}).effect({ kind: "rollback" }).decision;
    }
    case "apply":
    case "retry": {
      const check = checkApprover(actor, b.state, config);
      if (!check.ok) return deny(b, actor, via, name, check.reason);
      return command === "apply" ? onApply(b, actor, via, config, ctx) : onRetry(b, actor, via, config, ctx);
    }
  }
}

function onApply(b: Builder, actor: Actor, via: Via, config: RepoConfig, ctx: DecideContext): Decision {
  const s = b.state;
  if (s.status !== "approved") return deny(b, actor, via, "/apply", `the upgrade is \`${s.status}\`; only an approved upgrade can be applied.`);
  if (s.mergeClaimSha === s.approvedSha) return b.comment("The merge is already under way.").decision;
  const tests = s.testResults;
  if (!tests || tests.sha !== s.approvedSha || tests.state === "pending") {
    return b.comment("Tests have not passed on the approved commit yet; the upgrade will wait. Comment `/apply` again once they pass.").decision;
  }
  b.event("upgrade.apply_requested", actor.login, via, {});
  return maybeApply(b, config, ctx, "command").decision;
}

function onRetry(b: Builder, actor: Actor, via: Via, config: RepoConfig, ctx: DecideContext): Decision {
  const s = b.state;
  if (s.status !== "failed") return deny(b, actor, via, "/retry", `the upgrade is \`${s.status}\`; only a failed upgrade can be retried.`);
  const approvers = countingApprovers(s.approvals, s.headSha, s, config);
  const needed = approvalsNeeded(s, config);
  b.event("upgrade.retried", actor.login, via, { approvals: approvers.length, needed });
  if (approvers.length >= needed) {
    b.transition({ status: "approved", approvedSha: s.headSha, approvedBy: approvers, approvedAt: ctx.now, errorMessage: null, failedAt: null, mergeClaimSha: null })
      .event("upgrade.approved", actor.login, via, { sha: s.headSha, approvedBy: approvers, retry: true })
      .comment(`Retrying: approvals of \`${s.headSha.slice(0, 7)}\` still hold.`);
    // A retry after failing tests waits for a re-run that turns green.
    if (s.testResults?.state === "failed") return b.decision;
    return maybeApply(b, config, ctx, "auto").decision;
  }
  return b
    .transition({ status: "proposed", approvedSha: null, approvedBy: [], errorMessage: null, failedAt: null, mergeClaimSha: null })
    .comment(`Retrying: back to \`proposed\`, ${approvers.length} of ${needed} approvals of the head.`).decision;
}

function onTests(b: Builder, input: Input<"tests">, config: RepoConfig, ctx: DecideContext): Decision {
  const { results } = input;
  const s = b.state;
  // Results for an older commit never satisfy the gate for a newer head.
  if (results.sha !== s.headSha) return NOTHING();
  const previous = s.testResults && s.testResults.sha === results.sha ? s.testResults.state : null;
  const changed = JSON.stringify(s.testResults) !== JSON.stringify(results);
  if (!changed) return NOTHING();
  b.set({ testResults: results }).effect({ kind: "sync_check_run" });
  if (previous !== results.state && results.state !== "pending") {
    b.event(results.state === "passed" ? "upgrade.tests_passed" : "upgrade.tests_failed", "upgrade-queue", input.via, { sha: results.sha, summary: results.summary });
  }
  if (input.missingChecks && input.missingChecks.length > 0 && s.status !== "applied" && s.status !== "rolled_back") {
    noteWeakening(b, { checks: input.missingChecks }, config, input.via);
  }
  if (s.status === "approved") {
    if (results.state === "failed" && s.approvedSha === results.sha) return fail(b, `tests failed on ${results.sha.slice(0, 7)}: ${results.summary}`, input.via, ctx).decision;
    return maybeApply(b, config, ctx, "auto").decision;
  }
  if (s.status === "proposed" && results.state === "passed" && previous !== "passed") {
    if (tryUrgentBypass(b, config, ctx, input.via, true)) return b.decision;
    tryAutoApprove(b, config, ctx, input.via);
  }
  return b.decision;
}

/** The urgent bypass (CONTRACT §2): skips the approval, never the tests. */
function tryUrgentBypass(b: Builder, config: RepoConfig, ctx: DecideContext, via: Via, announce: boolean): boolean {
  const s = b.state;
  if (!s.urgent || !config.urgent.enabled || s.guarded || ctx.frozen) return false;
  if (s.additions + s.deletions > config.urgent.maxDiffLines) return false;
  if (s.testResults?.sha !== s.headSha || s.testResults.state !== "passed") return false;
  if (ctx.urgentBypassesToday >= config.urgent.maxPerDay) {
    if (announce) {
      b.event("upgrade.urgent_budget_exhausted", "urgent-bypass", via, { maxPerDay: config.urgent.maxPerDay })
        .comment(`This upgrade is marked urgent, but ${config.urgent.maxPerDay} urgent bypasses already happened in this repository in the last 24 hours. It waits for approval like any other upgrade.`);
    }
    return false;
  }
  b.transition({ status: "approved", approvedSha: s.headSha, approvedBy: [], approvedAt: ctx.now, bypassed: true })
    .event("upgrade.urgent_bypass", "urgent-bypass", via, { sha: s.headSha, bypassesToday: ctx.urgentBypassesToday + 1, maxPerDay: config.urgent.maxPerDay })
    .event("upgrade.approved", "urgent-bypass", via, { sha: s.headSha, approvedBy: [], bypass: true })
    .comment(`**Urgent:** this upgrade skips the approval queue (\`Upgrade-Urgency: urgent\`); its tests passed. Approvers, please review it after the fact: an approving review, \`/approve\` or the \`upgrade:approved\` label records it.`);
  maybeApply(b, config, ctx, "auto");
  return true;
}

function tryAutoApprove(b: Builder, config: RepoConfig, ctx: DecideContext, via: Via): boolean {
  const s = b.state;
  const { autoApprove } = config;
  if (!autoApprove.enabled || s.guarded || s.status !== "proposed" || ctx.hasObjection || ctx.frozen) return false;
  if (s.additions + s.deletions > autoApprove.maxDiffLines) return false;
  if (s.testResults?.sha !== s.headSha || s.testResults.state !== "passed") return false;
  if (ctx.now.getTime() - s.proposedAt.getTime() < autoApprove.afterHours * 3_600_000) return false;
  b.transition({ status: "approved", approvedSha: s.headSha, approvedBy: [], approvedAt: ctx.now })
    .event("upgrade.approved", "auto-approve", via, { sha: s.headSha, afterHours: autoApprove.afterHours })
    .comment(`Auto-approved: low-risk (${s.additions + s.deletions} changed lines, not guarded), tests passed, and ${autoApprove.afterHours} hours passed without objection.`);
  maybeApply(b, config, ctx, "auto");
  return true;
}

/** The repository was frozen or unfrozen: the check run shows it; unfrozen, what waited goes on. */
function onFreezeChanged(b: Builder, via: Via, config: RepoConfig, ctx: DecideContext): Decision {
  const s = b.state;
  if (s.status !== "proposed" && s.status !== "approved" && s.status !== "failed") return NOTHING();
  b.effect({ kind: "sync_check_run" });
  if (ctx.frozen) return b.decision;
  if (s.status === "approved") return maybeApply(b, config, ctx, "auto").decision;
  if (s.status === "proposed" && !tryUrgentBypass(b, config, ctx, via, false)) tryAutoApprove(b, config, ctx, via);
  return b.decision;
}

function onTick(b: Builder, via: Via, config: RepoConfig, ctx: DecideContext): Decision {
  const s = b.state;
  // A new upgrade whose proposal pass is still reading GitHub (on this replica or another) is
  // not timed out or auto-approved before its proposal is recorded.
  if (s.status !== "proposed" || ctx.proposalRecorded === false) return b.decision;
  if (ctx.now.getTime() - s.proposedAt.getTime() >= config.expireAfterHours * 3_600_000) {
    b.transition({ status: "expired", expiredAt: ctx.now })
      .event("upgrade.expired", "expiry", via, { expireAfterHours: config.expireAfterHours })
      .comment(`Expired: no decision within ${config.expireAfterHours} hours. Reopen the pull request to propose it again.`)
      .effect({ kind: "close_pr" });
    if (config.deleteBranch) b.effect({ kind: "delete_branch" });
    return b.decision;
  }
  if (tryUrgentBypass(b, config, ctx, via, false)) return b.decision;
  tryAutoApprove(b, config, ctx, via);
  return b.decision;
}

function onMergeSucceeded(b: Builder, input: Input<"merge_succeeded">, config: RepoConfig, ctx: DecideContext): Decision {
  // A repeated report records nothing twice; when reconciliation saw the merge first, only the
  // SHAs that rollback needs are filled in.
  if (b.state.status === "applied" || b.state.status === "rolled_back") {
    if (b.state.previousSha !== null) return NOTHING();
    return b.set({ previousSha: input.previousSha, mergeCommitSha: input.mergeCommitSha, mergeClaimSha: null }).decision;
  }
  b.transition({ status: "applied", appliedAt: ctx.now, previousSha: input.previousSha, mergeCommitSha: input.mergeCommitSha, mergeClaimSha: null })
    .event("upgrade.applied", "upgrade-queue", "check", { previousSha: input.previousSha, mergeCommitSha: input.mergeCommitSha, approvedSha: b.state.approvedSha })
    .comment(`Applied: merged \`${b.state.approvedSha?.slice(0, 7)}\` into \`${b.state.baseBranch}\` as \`${input.mergeCommitSha.slice(0, 7)}\` (previous head \`${input.previousSha.slice(0, 7)}\`). An admin or maintainer can undo it with \`/rollback\`.${b.state.bypassed ? "\n\nThis was an urgent bypass: approvers, please review it after the fact." : ""}`);
  if (config.deleteBranch) b.effect({ kind: "delete_branch" });
  return b.decision;
}

/**
 * The recorded gate said green, GitHub says otherwise now (a check created or re-run whose
 * webhook was late or lost): the claim is released and the gate recorded; failed tests fail the
 * upgrade as they would have on arrival, pending ones leave it approved until they pass.
 */
function onMergeGateNotGreen(b: Builder, input: Input<"merge_gate_not_green">, ctx: DecideContext): Decision {
  const { results } = input;
  if (b.state.status !== "approved" || b.state.mergeClaimSha === null || results.sha !== b.state.approvedSha) return NOTHING();
  b.set({ mergeClaimSha: null, mergeClaimedAt: null, testResults: results })
    .effect({ kind: "sync_check_run" })
    .event("upgrade.merge_deferred", "upgrade-queue", "check", { sha: results.sha, tests: results.state, summary: results.summary });
  if (results.state === "failed") {
    b.event("upgrade.tests_failed", "upgrade-queue", "check", { sha: results.sha, summary: results.summary });
    return fail(b, `tests failed on ${results.sha.slice(0, 7)}: ${results.summary}`, "check", ctx).decision;
  }
  return b.comment(`Not merged yet: the test gate on \`${results.sha.slice(0, 7)}\` is pending again (${code(results.summary)}). It merges once the checks pass.`).decision;
}

function onMergeFailed(b: Builder, input: Input<"merge_failed">, ctx: DecideContext): Decision {
  if (input.headMoved) {
    const old = b.state.approvedSha;
    return b
      .transition({ status: "proposed", approvedSha: null, approvedBy: [], approvedAt: null, mergeClaimSha: null })
      .event("upgrade.approval_invalidated", "upgrade-queue", "check", { reason: input.message, approvedSha: old })
      .comment(`Not merged: the branch head moved away from the approved commit \`${old?.slice(0, 7)}\` (${code(input.message)}). Approvals of the old commit no longer count; please review the current head.`).decision;
  }
  fail(b, `GitHub refused the merge: ${input.message}`, "check", ctx);
  const explained = input.status === undefined ? null : explainMergeRefusal(input.status, input.message);
  if (explained) b.comment(`Branch protection on \`${b.state.baseBranch}\` refused the merge: ${explained.rule}. To satisfy it: ${explained.remedy}.`);
  return b.decision;
}
