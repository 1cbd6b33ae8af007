/**
 * Inputs that bring an upgrade in line with its pull request as GitHub has it now: the head
 * (when it moved: a push whose webhook is late, held or lost) and the head's test gate (checks
 * that completed before the app knew the SHA count, CONTRACT §2). Every pass that reads the PR
 * starts with them.
 */
import type { RepoConfig } from "../config/repo-config.js";
import { evaluateTestGate } from "../domain/test-gate.js";
import { missingCheckNames } from "../domain/weakened-tests.js";
import type { UpgradeInput, Via } from "../domain/types.js";
import type { GitHubPort, PullSnapshot, RepoRef } from "../github/port.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";
import type { PassOptions } from "./apply-input.js";
import { fetchHeadFacts } from "./head-facts.js";

export interface HeadSync {
  inputs: UpgradeInput[];
  extraPatch?: PassOptions["extraPatch"];
}

export interface SyncCause {
  /** Who moved the head, when known (the pusher); recorded on `upgrade.approval_invalidated`. */
  actor: string | null;
  via: Via;
  /** Logins that pushed or committed: never approvers, whatever the head is now. */
  nonApprovers: readonly (string | null)[];
}

/**
 * What the read says happened to a PR the delivery did not report closed or merged (a close or
 * merge whose webhook is late or lost, or a PR closed before it was adopted): recorded as
 * reconciliation finds it (CONTRACT §2).
 */
export async function closedInputs(port: GitHubPort, repo: RepoRef, record: UpgradeRecord, pull: PullSnapshot): Promise<UpgradeInput[]> {
  const { status } = record.state;
  if (pull.merged) {
    if (status === "applied" || status === "rolled_back") return [];
    const previousSha = pull.mergeCommitSha ? await port.firstParent(repo, pull.mergeCommitSha) : null;
    return [{ kind: "closed", merged: true, actor: pull.mergedBy, via: "reconcile", mergeCommitSha: pull.mergeCommitSha, previousSha }];
  }
  if (pull.state === "closed" && (status === "proposed" || status === "approved" || status === "failed")) return [{ kind: "closed", merged: false, actor: null, via: "reconcile" }];
  return [];
}

/**
 * What the read says GitHub's merge queue did with the SHA the app claimed: in the queue but not
 * recorded as queued (the enqueuing pass failed after GitHub took it, or another replica's pass
 * is recording it) -> recorded once; recorded as queued but neither in the queue nor merged ->
 * GitHub removed it, with the reason its timeline gives (CONTRACT §2: never a payload's). Built
 * from the upgrade as loaded before the read, so a read older than the enqueue cannot pass for
 * a removal. Put after the head's inputs: a moved head releases the claim first (GitHub drops a
 * PR whose head moved from the queue; the approvals no longer count).
 */
export function queueInputs(record: UpgradeRecord, pull: PullSnapshot, via: Via): UpgradeInput[] {
  const s = record.state;
  const claimed = s.mergeClaimSha;
  if (s.status !== "approved" || claimed === null || pull.merged || pull.state !== "open" || pull.headSha !== claimed) return [];
  const queue = pull.mergeQueue;
  if (queue.queued) return s.queuedSha === claimed ? [] : [{ kind: "merge_enqueued", sha: claimed, position: queue.position, via }];
  if (s.queuedSha !== claimed) return [];
  return [{ kind: "merge_dequeued", sha: claimed, reason: queue.lastRemoval?.reason ?? null, actor: queue.lastRemoval?.actor ?? null, via }];
}

export async function syncHead(port: GitHubPort, repo: RepoRef, config: RepoConfig, record: UpgradeRecord, pull: PullSnapshot, cause: SyncCause): Promise<HeadSync> {
  if (pull.state !== "open") return { inputs: [] };
  const inputs: UpgradeInput[] = [];
  let extraPatch: HeadSync["extraPatch"];
  const pushers = cause.nonApprovers.filter((l): l is string => typeof l === "string");
  if (pull.headSha !== record.state.headSha) {
    const head = await fetchHeadFacts(port, repo, pull, config, pushers);
    inputs.push({ kind: "head_updated", facts: head.facts, actor: cause.actor, via: cause.via, fromSha: record.state.headSha });
    extraPatch = { diffPreview: head.diffPreview, title: pull.title, description: stripHowTo(pull.body) };
  } else if (pushers.some((login) => !record.state.nonApprovers.some((l) => l.toLowerCase() === login.toLowerCase()))) {
    // Same head (another delivery already moved it): only remember who pushed.
    const s = record.state;
    inputs.push({ kind: "head_updated", facts: { headSha: s.headSha, additions: s.additions, deletions: s.deletions, files: [], guarded: s.guarded, urgent: s.urgent, nonApprovers: pushers }, actor: cause.actor, via: cause.via });
  }
  const results = evaluateTestGate(pull.headSha, pull.checks, config.requiredChecks);
  // Fewer distinct check names than the base head is weakening, judged once the head's checks
  // have all completed (while CI is still starting its jobs the head reports fewer anyway).
  const missingChecks = results.state === "pending" ? [] : missingCheckNames(pull.checks.map((c) => c.name), pull.baseCheckNames);
  inputs.push({ kind: "tests", results, via: cause.via === "reconcile" ? "reconcile" : "check", readVersion: record.version, ...(missingChecks.length > 0 ? { missingChecks } : {}) });
  return { inputs, extraPatch };
}

/** The PR body the app wrote ends with the how-to; the description is what comes before it. */
export function stripHowTo(body: string): string {
  const marker = body.indexOf("\n---\nThis is a self-modification");
  return (marker === -1 ? body : body.slice(0, marker)).trim();
}
