/**
 * decide(): one named row per transition and per refusal of CONTRACT §2. No mocks: each row is a
 * starting state, an input, a config override and a context; it expects the resulting status,
 * the recorded events (type, actor, via) and the effect kinds. docs/state-machine.md mirrors
 * these tables.
 */
import { describe, expect, it } from "vitest";
import { decide } from "../../src/domain/decide.js";
import type { DecideContext, Decision, Effect, UpgradeInput, UpgradePatch, UpgradeState, UpgradeStatus, Via } from "../../src/domain/types.js";
import {
  BASE_HEAD,
  HEAD,
  MERGE_SHA,
  NEW_HEAD,
  OLD_HEAD,
  ROLLBACK_SHA,
  type ConfigOverrides,
  appliedState,
  approval,
  approvedState,
  bot,
  config,
  context,
  headFacts,
  hoursAfterProposal,
  person,
  testResults,
  upgradeState,
} from "../support/upgrade-state.js";

type EventRow = [type: string, actor: string, via: Via];

interface Row {
  state: UpgradeState;
  input: UpgradeInput;
  config?: ConfigOverrides;
  ctx?: Partial<DecideContext>;
  status: UpgradeStatus;
  events: EventRow[];
  effects: Effect["kind"][];
  /** Fields the patch must contain (toMatchObject). */
  patch?: UpgradePatch;
  /** Logins of the approvals recorded by this decision. */
  approvalsAdded?: string[];
  /** Must match one of the comments the decision posts. */
  comment?: RegExp;
}

const NOW = hoursAfterProposal(1);

function run(row: Row): Decision {
  return decide(row.state, row.input, config(row.config), context({ now: NOW, ...row.ctx }));
}

function check(row: Row): void {
  const decision = run(row);
  expect(decision.patch.status ?? row.state.status).toBe(row.status);
  expect(decision.events.map((e) => [e.type, e.actor, e.via])).toEqual(row.events);
  expect(decision.effects.map((e) => e.kind).sort()).toEqual([...row.effects].sort());
  if (row.patch) expect(decision.patch).toMatchObject(row.patch);
  expect(decision.approvalsToAdd.map((a) => a.login)).toEqual(row.approvalsAdded ?? []);
  if (row.comment) {
    const comments = decision.effects.flatMap((e) => (e.kind === "comment" ? [e.body] : []));
    expect(comments.join("\n---\n")).toMatch(row.comment);
  }
  if (row.status !== row.state.status) expect(decision.effects.map((e) => e.kind)).toContain("sync_label");
}

/** it.each over named rows. */
function table(rows: Record<string, Row>): Array<[string, Row]> {
  return Object.entries(rows);
}

const alice = person("alice", "write");
const bob = person("bob", "write");
const maya = person("maya", "maintain");
const adam = person("adam", "admin");
const reader = person("rita", "read");
const triager = person("tom", "triage");

const approve = (actor = alice, via: Via = "review", sha = HEAD): UpgradeInput => ({ kind: "approve", actor, sha, via });
/** A `/approve` comment GitHub says was written at `madeAt`. */
const approveAt = (actor: ReturnType<typeof person>, madeAt: string): UpgradeInput => ({ kind: "approve", actor, sha: HEAD, via: "comment", madeAt });
const reject = (actor = alice, via: Via = "comment", reason: string | null = "too risky"): UpgradeInput => ({ kind: "reject", actor, reason, via });
const command = (name: "apply" | "retry" | "rollback" | "status" | "help", actor = alice): UpgradeInput => ({ kind: "command", command: name, actor, via: "comment" });
const tests = (state: "passed" | "failed" | "pending", sha = HEAD): UpgradeInput => ({ kind: "tests", results: testResults(state, sha), via: "check" });
const tick: UpgradeInput = { kind: "tick", via: "timer" };
const SYNC: Effect["kind"][] = ["sync_label", "sync_check_run"];

describe("decide: proposal, closing, reopening", () => {
  it.each(table({
    "(none) → proposed: a pushed branch is recorded": {
      state: upgradeState(),
      input: { kind: "proposed", via: "push", actor: "agent-bot[bot]" },
      status: "proposed",
      events: [["upgrade.proposed", "agent-bot[bot]", "push"]],
      effects: SYNC,
    },
    "(none) → proposed: an opened PR with the prefix is adopted": {
      state: upgradeState(),
      input: { kind: "proposed", via: "pull_request", actor: "carol" },
      status: "proposed",
      events: [["upgrade.proposed", "carol", "pull_request"]],
      effects: SYNC,
    },
    "proposed again (a racing adoption or a retried delivery): nothing, the proposal is recorded once": {
      state: upgradeState(),
      input: { kind: "proposed", via: "pull_request", actor: "carol" },
      ctx: { proposalRecorded: true },
      status: "proposed",
      events: [],
      effects: [],
    },
    "proposed → rejected: additions+deletions over maxDiffLines": {
      state: upgradeState({ additions: 80, deletions: 30 }),
      input: { kind: "proposed", via: "push", actor: "agent-bot[bot]" },
      config: { maxDiffLines: 100 },
      status: "rejected",
      events: [["upgrade.proposed", "agent-bot[bot]", "push"], ["upgrade.rejected", "max-diff-lines", "check"]],
      effects: [...SYNC, ...SYNC, "comment", "close_pr", "delete_branch"],
      patch: { errorMessage: expect.stringContaining("110 changed lines") as unknown as string },
      comment: /Rejected automatically: the diff has 110 changed lines, more than maxDiffLines \(100\)/,
    },
    "proposed → rejected: too large, deleteBranch false keeps the branch": {
      state: upgradeState({ additions: 80, deletions: 30 }),
      input: { kind: "proposed", via: "push", actor: "agent-bot[bot]" },
      config: { maxDiffLines: 100, deleteBranch: false },
      status: "rejected",
      events: [["upgrade.proposed", "agent-bot[bot]", "push"], ["upgrade.rejected", "max-diff-lines", "check"]],
      effects: [...SYNC, ...SYNC, "comment", "close_pr"],
    },
    "proposed: exactly maxDiffLines is not too large": {
      state: upgradeState({ additions: 60, deletions: 40 }),
      input: { kind: "proposed", via: "push", actor: "agent-bot[bot]" },
      config: { maxDiffLines: 100 },
      status: "proposed",
      events: [["upgrade.proposed", "agent-bot[bot]", "push"]],
      effects: SYNC,
    },
    "proposed → rejected: PR closed unmerged by a person": {
      state: upgradeState(),
      input: { kind: "closed", merged: false, actor: "carol", via: "close" },
      status: "rejected",
      events: [["upgrade.rejected", "carol", "close"]],
      effects: [...SYNC, "delete_branch"],
      patch: { rejectedAt: NOW },
    },
    "approved → rejected: PR closed unmerged": {
      state: approvedState(),
      input: { kind: "closed", merged: false, actor: "carol", via: "close" },
      status: "rejected",
      events: [["upgrade.rejected", "carol", "close"]],
      effects: [...SYNC, "delete_branch"],
    },
    "proposed → applied: a person merged it; previousSha is the merge commit's parent": {
      state: upgradeState(),
      input: { kind: "closed", merged: true, actor: "carol", via: "close", mergeCommitSha: MERGE_SHA, previousSha: BASE_HEAD },
      status: "applied",
      events: [["upgrade.applied", "carol", "close"]],
      effects: SYNC,
      patch: { mergeCommitSha: MERGE_SHA, previousSha: BASE_HEAD },
    },
    "proposed → rejected: closed unmerged, deleteBranch false keeps the branch": {
      state: upgradeState(),
      input: { kind: "closed", merged: false, actor: "carol", via: "close" },
      config: { deleteBranch: false },
      status: "rejected",
      events: [["upgrade.rejected", "carol", "close"]],
      effects: SYNC,
    },
    "proposed → rejected: reconciliation finds the PR closed, nobody named": {
      state: upgradeState(),
      input: { kind: "closed", merged: false, actor: null, via: "reconcile" },
      status: "rejected",
      events: [["upgrade.rejected", "reconcile", "reconcile"]],
      effects: [...SYNC, "delete_branch"],
    },
    "rejected: closed again is a no-op": {
      state: upgradeState({ status: "rejected" }),
      input: { kind: "closed", merged: false, actor: "carol", via: "close" },
      status: "rejected",
      events: [],
      effects: [],
    },
    "expired: closed (by the app's expiry) is a no-op": {
      state: upgradeState({ status: "expired" }),
      input: { kind: "closed", merged: false, actor: "carol", via: "close" },
      status: "expired",
      events: [],
      effects: [],
    },
    "applied: a closed webhook changes nothing": {
      state: appliedState(),
      input: { kind: "closed", merged: false, actor: "carol", via: "close" },
      status: "applied",
      events: [],
      effects: [],
    },
    "approved → applied: merged by a person": {
      state: approvedState(),
      input: { kind: "closed", merged: true, actor: "carol", via: "close", mergeCommitSha: MERGE_SHA },
      status: "applied",
      events: [["upgrade.applied", "carol", "close"]],
      effects: SYNC,
      patch: { mergeCommitSha: MERGE_SHA, appliedAt: NOW, mergeClaimSha: null },
    },
    "approved → applied: the app's own claimed merge, reported before the merging pass recorded it, is recorded as the app's": {
      state: approvedState({ mergeClaimSha: HEAD }),
      input: { kind: "closed", merged: true, actor: "upgrade-queue[bot]", via: "reconcile", mergeCommitSha: MERGE_SHA, previousSha: BASE_HEAD },
      status: "applied",
      events: [["upgrade.applied", "upgrade-queue", "check"]],
      effects: [...SYNC, "comment", "delete_branch"],
      patch: { mergeCommitSha: MERGE_SHA, previousSha: BASE_HEAD, mergeClaimSha: null },
      comment: /^Applied: merged/,
    },
    "approved → applied: a claimed merge reported without its merge commit is recorded as merged outside the app": {
      state: approvedState({ mergeClaimSha: HEAD }),
      input: { kind: "closed", merged: true, actor: "carol", via: "close", mergeCommitSha: null },
      status: "applied",
      events: [["upgrade.applied", "carol", "close"]],
      effects: SYNC,
    },
    "proposed → applied: merged by a person before any approval": {
      state: upgradeState(),
      input: { kind: "closed", merged: true, actor: "carol", via: "close", mergeCommitSha: MERGE_SHA },
      status: "applied",
      events: [["upgrade.applied", "carol", "close"]],
      effects: SYNC,
    },
    "applied: merged again is a no-op": {
      state: appliedState(),
      input: { kind: "closed", merged: true, actor: "carol", via: "close", mergeCommitSha: MERGE_SHA },
      status: "applied",
      events: [],
      effects: [],
    },
    "rejected → proposed: PR reopened": {
      state: upgradeState({ status: "rejected", errorMessage: "Rejected: no" }),
      input: { kind: "reopened", actor: "carol", via: "pull_request" },
      status: "proposed",
      events: [["upgrade.reopened", "carol", "pull_request"]],
      effects: SYNC,
      patch: { proposedAt: NOW, errorMessage: null, approvedSha: null, approvedBy: [] },
    },
    "expired → proposed: PR reopened (expiry counts from now)": {
      state: upgradeState({ status: "expired" }),
      input: { kind: "reopened", actor: "carol", via: "pull_request" },
      status: "proposed",
      events: [["upgrade.reopened", "carol", "pull_request"]],
      effects: SYNC,
      patch: { proposedAt: NOW, expiredAt: null },
    },
    "rejected → proposed → rejected: reopened but still too large": {
      state: upgradeState({ status: "rejected", additions: 200 }),
      input: { kind: "reopened", actor: "carol", via: "pull_request" },
      config: { maxDiffLines: 100 },
      status: "rejected",
      events: [["upgrade.reopened", "carol", "pull_request"], ["upgrade.rejected", "max-diff-lines", "check"]],
      effects: [...SYNC, ...SYNC, "comment", "close_pr", "delete_branch"],
    },
    "applied: reopened is a no-op": {
      state: appliedState(),
      input: { kind: "reopened", actor: "carol", via: "pull_request" },
      status: "applied",
      events: [],
      effects: [],
    },
    "proposed: reopened is a no-op": {
      state: upgradeState(),
      input: { kind: "reopened", actor: "carol", via: "pull_request" },
      status: "proposed",
      events: [],
      effects: [],
    },
  }))("%s", (_name, row) => check(row));
});

describe("decide: new commits", () => {
  const pushed = (facts = headFacts()): UpgradeInput => ({ kind: "head_updated", facts, actor: "agent-bot[bot]", via: "push" });
  it.each(table({
    "approved → proposed: new commits invalidate the approval": {
      state: approvedState({ mergeClaimSha: null }),
      input: pushed(),
      status: "proposed",
      events: [["upgrade.approval_invalidated", "agent-bot[bot]", "push"]],
      effects: ["sync_check_run", ...SYNC, "comment"],
      patch: { headSha: NEW_HEAD, approvedSha: null, approvedBy: [], additions: 12, deletions: 3 },
      comment: /approvals of `aaaaaaa` no longer count/,
    },
    "proposed: the new head keeps GitHub's time for it (a /approve written before it does not count)": {
      state: upgradeState(),
      input: pushed(headFacts({ since: new Date("2026-11-20T10:00:00.999Z") })),
      status: "proposed",
      events: [],
      effects: ["sync_check_run"],
      patch: { headSha: NEW_HEAD, headSince: new Date("2026-11-20T10:00:00.999Z") },
    },
    "failed → proposed: new commits": {
      state: approvedState({ status: "failed", errorMessage: "tests failed" }),
      input: pushed(),
      status: "proposed",
      events: [["upgrade.approval_invalidated", "agent-bot[bot]", "push"]],
      effects: ["sync_check_run", ...SYNC, "comment"],
      patch: { errorMessage: null, headSha: NEW_HEAD },
    },
    "proposed with an approval of the old head: the approval no longer counts": {
      state: upgradeState({ approvals: [approval("alice")] }),
      input: pushed(),
      config: { requiredApprovals: 2 },
      status: "proposed",
      events: [["upgrade.approval_invalidated", "agent-bot[bot]", "push"]],
      effects: ["sync_check_run"],
      patch: { headSha: NEW_HEAD },
    },
    "proposed without approvals: only the head facts change": {
      state: upgradeState(),
      input: pushed(headFacts({ guarded: true, urgent: true })),
      status: "proposed",
      events: [],
      effects: ["sync_check_run"],
      patch: { headSha: NEW_HEAD, guarded: true, urgent: true, nonApprovers: ["agent-bot[bot]", "agent-author"] },
    },
    "same head SHA: no change": {
      state: approvedState(),
      input: pushed(headFacts({ headSha: HEAD, nonApprovers: ["agent-author"] })),
      status: "approved",
      events: [],
      effects: [],
      patch: {},
    },
    "a head read against an older head (another pass moved it since): the head is not moved back, only the pusher recorded": {
      state: approvedState(),
      input: { kind: "head_updated", facts: headFacts({ nonApprovers: ["mallory"] }), actor: "agent-bot[bot]", via: "push", fromSha: "0".repeat(40) },
      status: "approved",
      events: [],
      effects: [],
      patch: { nonApprovers: ["agent-bot[bot]", "agent-author", "mallory"] },
    },
    "a head read against the current head moves it": {
      state: upgradeState(),
      input: { kind: "head_updated", facts: headFacts(), actor: "agent-bot[bot]", via: "push", fromSha: HEAD },
      status: "proposed",
      events: [],
      effects: ["sync_check_run"],
      patch: { headSha: NEW_HEAD },
    },
    "same head SHA, a new pusher: only recorded as a non-approver": {
      state: upgradeState(),
      input: pushed(headFacts({ headSha: HEAD, nonApprovers: ["mallory"] })),
      status: "proposed",
      events: [],
      effects: [],
      patch: { nonApprovers: ["agent-bot[bot]", "agent-author", "mallory"] },
    },
    "proposed → rejected: the new head is over maxDiffLines": {
      state: upgradeState(),
      input: pushed(headFacts({ additions: 150, deletions: 0 })),
      config: { maxDiffLines: 100 },
      status: "rejected",
      events: [["upgrade.rejected", "max-diff-lines", "check"]],
      effects: ["sync_check_run", ...SYNC, "comment", "close_pr", "delete_branch"],
    },
  }))("%s", (_name, row) => check(row));

  it("an approval of the old head does not count after the push", () => {
    const before = approvedState();
    const afterPush = { ...before, ...decide(before, pushed(), config(), context()).patch } as UpgradeState;
    const again = decide(afterPush, { kind: "tests", results: testResults("passed", NEW_HEAD), via: "check" }, config(), context());
    expect(again.patch.status).toBeUndefined();
    expect(again.effects.map((e) => e.kind)).not.toContain("merge");
  });
});

describe("decide: approvals", () => {
  const green = testResults("passed");
  it.each(table({
    "proposed → approved: 1 of 1 by a write user": {
      state: upgradeState(),
      input: approve(),
      status: "approved",
      events: [["upgrade.approved", "alice", "review"]],
      effects: [...SYNC, "comment"],
      patch: { approvedSha: HEAD, approvedBy: ["alice"], approvedAt: NOW },
      approvalsAdded: ["alice"],
    },
    "proposed → approved → merge: tests passed, applyMode auto": {
      state: upgradeState({ testResults: green }),
      input: approve(alice, "comment"),
      status: "approved",
      events: [["upgrade.approved", "alice", "comment"]],
      effects: [...SYNC, "comment", "merge"],
      patch: { mergeClaimSha: HEAD },
      approvalsAdded: ["alice"],
    },
    "proposed → approved, no merge: tests passed, applyMode manual": {
      state: upgradeState({ testResults: green }),
      input: approve(alice, "label"),
      config: { applyMode: "manual" },
      status: "approved",
      events: [["upgrade.approved", "alice", "label"]],
      effects: [...SYNC, "comment"],
      approvalsAdded: ["alice"],
    },
    "proposed → approved → failed: the approved head already failed its tests": {
      state: upgradeState({ testResults: testResults("failed") }),
      input: approve(),
      config: { applyMode: "manual" },
      status: "failed",
      events: [["upgrade.approved", "alice", "review"], ["upgrade.failed", "upgrade-queue", "check"]],
      effects: [...SYNC, "comment", ...SYNC, "comment"],
      approvalsAdded: ["alice"],
    },
    "proposed: 1 of 2 approvals (requiredApprovals 2)": {
      state: upgradeState(),
      input: approve(),
      config: { requiredApprovals: 2 },
      status: "proposed",
      events: [["upgrade.approval_added", "alice", "review"]],
      effects: ["sync_check_run", "comment"],
      approvalsAdded: ["alice"],
      comment: /1 of 2/,
    },
    "proposed: 1 of 2 by label, the label gives way to upgrade:proposed": {
      state: upgradeState(),
      input: approve(alice, "label"),
      config: { requiredApprovals: 2 },
      status: "proposed",
      events: [["upgrade.approval_added", "alice", "label"]],
      effects: ["sync_check_run", "comment", "sync_label"],
      approvalsAdded: ["alice"],
    },
    "same approver twice by label: acknowledged, the label gives way": {
      state: upgradeState({ approvals: [approval("alice")] }),
      input: approve(alice, "label"),
      config: { requiredApprovals: 2 },
      status: "proposed",
      events: [],
      effects: ["sync_label"],
    },
    "proposed → approved: a second distinct approver": {
      state: upgradeState({ approvals: [approval("alice")] }),
      input: approve(bob),
      config: { requiredApprovals: 2 },
      status: "approved",
      events: [["upgrade.approved", "bob", "review"]],
      effects: [...SYNC, "comment"],
      patch: { approvedBy: ["alice", "bob"] },
      approvalsAdded: ["bob"],
    },
    "same approver twice (review): acknowledged silently, not refused": {
      state: upgradeState({ approvals: [approval("alice")] }),
      input: approve(),
      config: { requiredApprovals: 2 },
      status: "proposed",
      events: [],
      effects: [],
    },
    "same approver twice (/approve, other case): acknowledged with a comment": {
      state: upgradeState({ approvals: [approval("alice")] }),
      input: approve(person("Alice"), "comment"),
      config: { requiredApprovals: 2 },
      status: "proposed",
      events: [],
      effects: ["comment"],
      comment: /already approved/,
    },
    "approval of an older SHA than the head does not count": {
      state: upgradeState(),
      input: approve(alice, "review", OLD_HEAD),
      status: "proposed",
      events: [["upgrade.approval_stale", "alice", "review"]],
      effects: ["comment"],
      comment: /not of the head `aaaaaaa`, so it does not count/,
    },
    "/approve written before the head became the head (the app saw the push first) does not count": {
      state: upgradeState({ headSince: new Date("2026-11-20T10:00:05.999Z") }),
      input: approveAt(alice, "2026-11-20T10:00:04Z"),
      status: "proposed",
      events: [["upgrade.approval_stale", "alice", "comment"]],
      effects: ["comment"],
      comment: /`\/approve` was written before `aaaaaaa` became the head, so it does not count/,
    },
    "/approve in the same second as the push (order unknown) does not count": {
      state: upgradeState({ headSince: new Date("2026-11-20T10:00:05.999Z") }),
      input: approveAt(alice, "2026-11-20T10:00:05Z"),
      status: "proposed",
      events: [["upgrade.approval_stale", "alice", "comment"]],
      effects: ["comment"],
    },
    "/approve written after the head became the head counts": {
      state: upgradeState({ headSince: new Date("2026-11-20T10:00:05.999Z") }),
      input: approveAt(alice, "2026-11-20T10:00:06Z"),
      status: "approved",
      events: [["upgrade.approved", "alice", "comment"]],
      effects: [...SYNC, "comment"],
      approvalsAdded: ["alice"],
    },
    "/approve on a PR that has had its head since it was opened counts, whenever written": {
      state: upgradeState({ headSince: null }),
      input: approveAt(alice, "2019-05-15T15:20:33Z"),
      status: "approved",
      events: [["upgrade.approved", "alice", "comment"]],
      effects: [...SYNC, "comment"],
      approvalsAdded: ["alice"],
    },
    "/approve with an unreadable time, on a head that came later, does not count": {
      state: upgradeState({ headSince: new Date("2026-11-20T10:00:05.999Z") }),
      input: approveAt(alice, "yesterday"),
      status: "proposed",
      events: [["upgrade.approval_stale", "alice", "comment"]],
      effects: ["comment"],
    },
    "applied without approval: a /approve written before its head is no approval after the fact": {
      state: appliedState({ bypassed: true, headSince: new Date("2026-11-20T10:00:05.999Z") }),
      input: approveAt(alice, "2026-11-20T10:00:01Z"),
      status: "applied",
      events: [["upgrade.approval_stale", "alice", "comment"]],
      effects: ["comment"],
    },
    "approved: a further approval is recorded, state unchanged": {
      state: approvedState(),
      input: approve(bob),
      status: "approved",
      events: [],
      effects: ["sync_check_run"],
      approvalsAdded: ["bob"],
    },
    "approvers list grants a read user": {
      state: upgradeState(),
      input: approve(reader, "comment"),
      config: { approvers: ["RITA"] },
      status: "approved",
      events: [["upgrade.approved", "rita", "comment"]],
      effects: [...SYNC, "comment"],
      approvalsAdded: ["rita"],
    },
    "guarded: 1 of guardedApprovals 2 by a maintainer": {
      state: upgradeState({ guarded: true }),
      input: approve(maya),
      status: "proposed",
      events: [["upgrade.approval_added", "maya", "review"]],
      effects: ["sync_check_run", "comment"],
      approvalsAdded: ["maya"],
      comment: /1 of 2\./,
    },
    "guarded → approved: a maintainer and an admin": {
      state: upgradeState({ guarded: true, approvals: [approval("maya", { permission: "maintain" })] }),
      input: approve(adam),
      status: "approved",
      events: [["upgrade.approved", "adam", "review"]],
      effects: [...SYNC, "comment"],
      patch: { approvedBy: ["maya", "adam"] },
      approvalsAdded: ["adam"],
    },
    "guarded: a write approval does not count": {
      state: upgradeState({ guarded: true, approvals: [approval("maya", { permission: "maintain" })] }),
      input: approve(alice),
      status: "proposed",
      events: [["upgrade.approval_added", "alice", "review"]],
      effects: ["sync_check_run", "comment"],
      approvalsAdded: ["alice"],
      comment: /1 of 2 \(this upgrade is guarded: only admin or maintain approvals count\)/,
    },
    "guarded: a read user listed in approvers does not count": {
      state: upgradeState({ guarded: true, approvals: [approval("maya", { permission: "maintain" })] }),
      input: approve(reader),
      config: { approvers: ["rita"] },
      status: "proposed",
      events: [["upgrade.approval_added", "rita", "review"]],
      effects: ["sync_check_run", "comment"],
      approvalsAdded: ["rita"],
    },
  }))("%s", (_name, row) => check(row));

  it.each(table({
    "refused: the PR author": {
      state: upgradeState(),
      input: approve(person("agent-author", "admin"), "comment"),
      status: "proposed",
      events: [["upgrade.command_denied", "agent-author", "comment"]],
      effects: ["comment"],
      comment: /authored, committed or pushed/,
    },
    "refused: a commit author (case-insensitive login)": {
      state: upgradeState({ nonApprovers: ["Dev-Pusher"] }),
      input: approve(person("dev-pusher", "admin"), "review"),
      status: "proposed",
      events: [["upgrade.command_denied", "dev-pusher", "review"]],
      effects: ["comment"],
    },
    "refused: a bot account (isBot)": {
      state: upgradeState(),
      input: approve(bot("helper", "admin"), "review"),
      status: "proposed",
      events: [["upgrade.command_denied", "helper", "review"]],
      effects: ["comment"],
      comment: /is a bot account/,
    },
    "refused: a login ending [bot]": {
      state: upgradeState(),
      input: approve(person("ci-helper[bot]", "admin"), "comment"),
      status: "proposed",
      events: [["upgrade.command_denied", "ci-helper[bot]", "comment"]],
      effects: ["comment"],
    },
    "refused: a bot even when listed in approvers": {
      state: upgradeState(),
      input: approve(bot("helper", "write"), "comment"),
      config: { approvers: ["helper"] },
      status: "proposed",
      events: [["upgrade.command_denied", "helper", "comment"]],
      effects: ["comment"],
    },
    "refused: a read user": {
      state: upgradeState(),
      input: approve(reader, "comment"),
      status: "proposed",
      events: [["upgrade.command_denied", "rita", "comment"]],
      effects: ["comment"],
      comment: /has read permission/,
    },
    "refused: a triage user (/approve)": {
      state: upgradeState(),
      input: approve(triager, "comment"),
      status: "proposed",
      events: [["upgrade.command_denied", "tom", "comment"]],
      effects: ["comment"],
      comment: /has triage permission/,
    },
    "refused: a triage user's upgrade:approved label is removed": {
      state: upgradeState(),
      input: approve(triager, "label"),
      status: "proposed",
      events: [["upgrade.command_denied", "tom", "label"]],
      effects: ["comment", "remove_label"],
    },
    "refused: a user whose permission is unknown": {
      state: upgradeState(),
      input: approve(person("nobody", null), "comment"),
      status: "proposed",
      events: [["upgrade.command_denied", "nobody", "comment"]],
      effects: ["comment"],
      comment: /has no permission/,
    },
    "refused: approving a rejected upgrade": {
      state: upgradeState({ status: "rejected" }),
      input: approve(alice, "comment"),
      status: "rejected",
      events: [["upgrade.command_denied", "alice", "comment"]],
      effects: ["comment"],
      comment: /nothing to approve/,
    },
    "refused: upgrade:approved label on a rejected upgrade is removed": {
      state: upgradeState({ status: "rejected" }),
      input: approve(alice, "label"),
      status: "rejected",
      events: [["upgrade.command_denied", "alice", "label"]],
      effects: ["comment", "remove_label"],
    },
    "refused: approving an applied upgrade that was approved normally": {
      state: appliedState(),
      input: approve(bob, "comment"),
      status: "applied",
      events: [["upgrade.command_denied", "bob", "comment"]],
      effects: ["comment"],
    },
  }))("%s", (_name, row) => {
    check(row);
    expect(run(row).approvalsToAdd).toEqual([]);
  });

  it("the label refusal removes exactly the upgrade:approved label", () => {
    const decision = decide(upgradeState(), approve(triager, "label"), config(), context());
    expect(decision.effects).toContainEqual({ kind: "remove_label", name: "upgrade:approved" });
  });
});

describe("decide: rejection", () => {
  it.each(table({
    "proposed → rejected: /reject reason by an approver": {
      state: upgradeState(),
      input: reject(),
      status: "rejected",
      events: [["upgrade.rejected", "alice", "comment"]],
      effects: [...SYNC, "comment", "close_pr", "delete_branch"],
      patch: { errorMessage: "Rejected: too risky", rejectedAt: NOW },
      comment: /Rejected by @alice: `too risky`/,
    },
    "proposed → rejected: deleteBranch false keeps the branch": {
      state: upgradeState(),
      input: reject(alice, "comment", null),
      config: { deleteBranch: false },
      status: "rejected",
      events: [["upgrade.rejected", "alice", "comment"]],
      effects: [...SYNC, "comment", "close_pr"],
      patch: { errorMessage: null },
    },
    "approved → rejected: upgrade:rejected label by an approver": {
      state: approvedState(),
      input: reject(bob, "label", null),
      status: "rejected",
      events: [["upgrade.rejected", "bob", "label"]],
      effects: [...SYNC, "comment", "close_pr", "delete_branch"],
    },
    "failed → rejected: Reject button on the status page": {
      state: approvedState({ status: "failed" }),
      input: reject(maya, "dashboard", "no"),
      status: "rejected",
      events: [["upgrade.rejected", "maya", "dashboard"]],
      effects: [...SYNC, "comment", "close_pr", "delete_branch"],
      comment: /on the Upgrade Queue status page/,
    },
    "refused: /reject by a read user": {
      state: upgradeState(),
      input: reject(reader),
      status: "proposed",
      events: [["upgrade.command_denied", "rita", "comment"]],
      effects: ["comment"],
    },
    "refused: upgrade:rejected label by the agent is removed": {
      state: upgradeState(),
      input: reject(person("agent-author", "write"), "label"),
      status: "proposed",
      events: [["upgrade.command_denied", "agent-author", "label"]],
      effects: ["comment", "remove_label"],
    },
    "refused: upgrade:rejected label on an applied upgrade is removed": {
      state: appliedState(),
      input: reject(alice, "label", null),
      status: "applied",
      events: [["upgrade.command_denied", "alice", "label"]],
      effects: ["comment", "remove_label"],
    },
    "refused: rejecting an applied upgrade": {
      state: appliedState(),
      input: reject(),
      status: "applied",
      events: [["upgrade.command_denied", "alice", "comment"]],
      effects: ["comment"],
      comment: /nothing to reject/,
    },
    "proposed: a changes-requested review is recorded (it blocks auto-approval)": {
      state: upgradeState(),
      input: { kind: "changes_requested", actor: alice, via: "review" },
      status: "proposed",
      events: [["upgrade.changes_requested", "alice", "review"]],
      effects: [],
    },
  }))("%s", (_name, row) => check(row));
});

describe("decide: test gate and merge", () => {
  it.each(table({
    "proposed: tests passed on the head": {
      state: upgradeState(),
      input: tests("passed"),
      status: "proposed",
      events: [["upgrade.tests_passed", "upgrade-queue", "check"]],
      effects: ["sync_check_run"],
      patch: { testResults: testResults("passed") },
    },
    "proposed: tests failed on the head": {
      state: upgradeState(),
      input: tests("failed"),
      status: "proposed",
      events: [["upgrade.tests_failed", "upgrade-queue", "check"]],
      effects: ["sync_check_run"],
    },
    "proposed: pending results are stored, no event": {
      state: upgradeState(),
      input: tests("pending"),
      status: "proposed",
      events: [],
      effects: ["sync_check_run"],
      patch: { testResults: testResults("pending") },
    },
    "results of an older SHA are ignored": {
      state: approvedState(),
      input: tests("passed", OLD_HEAD),
      status: "approved",
      events: [],
      effects: [],
      patch: {},
    },
    "approved → failed: tests failed on the approved SHA": {
      state: approvedState(),
      input: tests("failed"),
      status: "failed",
      events: [["upgrade.tests_failed", "upgrade-queue", "check"], ["upgrade.failed", "upgrade-queue", "check"]],
      effects: ["sync_check_run", ...SYNC, "comment"],
      patch: { errorMessage: expect.stringContaining("tests failed on aaaaaaa") as unknown as string, failedAt: NOW },
      comment: /`\/retry`/,
    },
    "approved → merge: tests passed on the approved SHA (applyMode auto)": {
      state: approvedState(),
      input: tests("passed"),
      status: "approved",
      events: [["upgrade.tests_passed", "upgrade-queue", "check"]],
      effects: ["sync_check_run", "merge"],
      patch: { mergeClaimSha: HEAD, mergeClaimedAt: NOW },
    },
    "approved: tests passed, applyMode manual waits for /apply": {
      state: approvedState(),
      input: tests("passed"),
      config: { applyMode: "manual" },
      status: "approved",
      events: [["upgrade.tests_passed", "upgrade-queue", "check"]],
      effects: ["sync_check_run"],
    },
    "approved: the same passing results again make no second merge": {
      state: approvedState({ testResults: testResults("passed"), mergeClaimSha: HEAD }),
      input: tests("passed"),
      status: "approved",
      events: [],
      effects: [],
    },
    "approved: new passing results while the merge is claimed make no second merge": {
      state: approvedState({ testResults: testResults("pending"), mergeClaimSha: HEAD }),
      input: tests("passed"),
      status: "approved",
      events: [["upgrade.tests_passed", "upgrade-queue", "check"]],
      effects: ["sync_check_run"],
    },
    "approved → applied: merge succeeded": {
      state: approvedState({ mergeClaimSha: HEAD }),
      input: { kind: "merge_succeeded", mergeCommitSha: MERGE_SHA, previousSha: BASE_HEAD },
      status: "applied",
      events: [["upgrade.applied", "upgrade-queue", "check"]],
      effects: [...SYNC, "comment", "delete_branch"],
      patch: { previousSha: BASE_HEAD, mergeCommitSha: MERGE_SHA, mergeClaimSha: null, appliedAt: NOW },
      comment: /\/rollback/,
    },
    "approved → applied: deleteBranch false keeps the branch": {
      state: approvedState({ mergeClaimSha: HEAD }),
      input: { kind: "merge_succeeded", mergeCommitSha: MERGE_SHA, previousSha: BASE_HEAD },
      config: { deleteBranch: false },
      status: "applied",
      events: [["upgrade.applied", "upgrade-queue", "check"]],
      effects: [...SYNC, "comment"],
    },
    "applied: a repeated merge_succeeded records nothing": {
      state: appliedState(),
      input: { kind: "merge_succeeded", mergeCommitSha: MERGE_SHA, previousSha: BASE_HEAD },
      status: "applied",
      events: [],
      effects: [],
    },
    "applied by reconciliation first: merge_succeeded fills in previousSha only": {
      state: appliedState({ previousSha: null, mergeCommitSha: null }),
      input: { kind: "merge_succeeded", mergeCommitSha: MERGE_SHA, previousSha: BASE_HEAD },
      status: "applied",
      events: [],
      effects: [],
      patch: { previousSha: BASE_HEAD, mergeCommitSha: MERGE_SHA },
    },
    "approved: the gate read just before merging is failing: claim released, failed": {
      state: approvedState({ testResults: testResults("passed"), mergeClaimSha: HEAD }),
      input: { kind: "merge_gate_not_green", results: testResults("failed") },
      status: "failed",
      events: [
        ["upgrade.merge_deferred", "upgrade-queue", "check"],
        ["upgrade.tests_failed", "upgrade-queue", "check"],
        ["upgrade.failed", "upgrade-queue", "check"],
      ],
      effects: [...SYNC, "sync_check_run", "comment"],
      patch: { mergeClaimSha: null, testResults: testResults("failed") },
      comment: /^Failed: .*tests failed on/,
    },
    "approved: the gate read just before merging is pending again: claim released, stays approved until it passes": {
      state: approvedState({ testResults: testResults("passed"), mergeClaimSha: HEAD }),
      input: { kind: "merge_gate_not_green", results: testResults("pending") },
      status: "approved",
      events: [["upgrade.merge_deferred", "upgrade-queue", "check"]],
      effects: ["sync_check_run", "comment"],
      patch: { mergeClaimSha: null, mergeClaimedAt: null, testResults: testResults("pending") },
      comment: /^Not merged yet: .* pending again/,
    },
    "applied: a late merge_gate_not_green changes nothing": {
      state: appliedState(),
      input: { kind: "merge_gate_not_green", results: testResults("failed") },
      status: "applied",
      events: [],
      effects: [],
    },
    "approved: a lapsed merge claim (the claiming replica died, PR not merged) is claimed afresh": {
      state: approvedState({ testResults: testResults("passed"), mergeClaimSha: HEAD }),
      input: { kind: "merge_claim_lapsed", via: "timer" },
      status: "approved",
      events: [["upgrade.merge_retried", "upgrade-queue", "timer"]],
      effects: ["merge"],
      patch: { mergeClaimSha: HEAD },
    },
    "approved (manual mode): a lapsed claim after /apply merges again": {
      state: approvedState({ testResults: testResults("passed"), mergeClaimSha: HEAD }),
      input: { kind: "merge_claim_lapsed", via: "timer" },
      config: { applyMode: "manual" },
      status: "approved",
      events: [["upgrade.merge_retried", "upgrade-queue", "timer"]],
      effects: ["merge"],
    },
    "approved without a claim: a lapsed-claim report does nothing": {
      state: approvedState({ testResults: testResults("passed"), mergeClaimSha: null }),
      input: { kind: "merge_claim_lapsed", via: "timer" },
      status: "approved",
      events: [],
      effects: [],
    },
    "approved → proposed: merge refused because the head moved": {
      state: approvedState({ mergeClaimSha: HEAD }),
      input: { kind: "merge_failed", message: "409: Head branch was modified", headMoved: true },
      status: "proposed",
      events: [["upgrade.approval_invalidated", "upgrade-queue", "check"]],
      effects: [...SYNC, "comment"],
      patch: { approvedSha: null, approvedBy: [], mergeClaimSha: null },
    },
    "approved → failed: merge refused (conflict)": {
      state: approvedState({ mergeClaimSha: HEAD }),
      input: { kind: "merge_failed", message: "405: Pull Request is not mergeable", headMoved: false },
      status: "failed",
      events: [["upgrade.failed", "upgrade-queue", "check"]],
      effects: [...SYNC, "comment"],
      patch: { errorMessage: "GitHub refused the merge: 405: Pull Request is not mergeable", mergeClaimSha: null },
    },
  }))("%s", (_name, row) => check(row));

  it("approve, green tests, a repeated tests input: exactly one merge effect", () => {
    const cfg = config();
    let state = upgradeState();
    const merges: string[] = [];
    for (const input of [approve(), tests("passed"), tests("passed")]) {
      const decision = decide(state, input, cfg, context());
      merges.push(...decision.effects.flatMap((e) => (e.kind === "merge" ? [e.sha] : [])));
      state = { ...state, ...decision.patch, approvals: [...state.approvals, ...decision.approvalsToAdd] } as UpgradeState;
    }
    expect(merges).toEqual([HEAD]);
    expect(state.mergeClaimSha).toBe(HEAD);
  });
});

describe("decide: commands", () => {
  const manual: ConfigOverrides = { applyMode: "manual" };
  it.each(table({
    "/apply (manual): approved and green → merge": {
      state: approvedState({ testResults: testResults("passed") }),
      input: command("apply"),
      config: manual,
      status: "approved",
      events: [["upgrade.apply_requested", "alice", "comment"]],
      effects: ["merge"],
      patch: { mergeClaimSha: HEAD },
    },
    "/apply (manual): tests pending → waits": {
      state: approvedState({ testResults: testResults("pending") }),
      input: command("apply"),
      config: manual,
      status: "approved",
      events: [],
      effects: ["comment"],
      comment: /will wait/,
    },
    "/apply (manual): no results for the approved SHA yet → waits": {
      state: approvedState({ testResults: testResults("passed", OLD_HEAD) }),
      input: command("apply"),
      config: manual,
      status: "approved",
      events: [],
      effects: ["comment"],
    },
    "/apply (manual): the merge is already claimed": {
      state: approvedState({ testResults: testResults("passed"), mergeClaimSha: HEAD }),
      input: command("apply"),
      config: manual,
      status: "approved",
      events: [],
      effects: ["comment"],
      comment: /already under way/,
    },
    "/apply refused: not approved": {
      state: upgradeState({ testResults: testResults("passed") }),
      input: command("apply"),
      config: manual,
      status: "proposed",
      events: [["upgrade.command_denied", "alice", "comment"]],
      effects: ["comment"],
      comment: /only an approved upgrade can be applied/,
    },
    "/apply refused: not an approver": {
      state: approvedState({ testResults: testResults("passed") }),
      input: command("apply", reader),
      config: manual,
      status: "approved",
      events: [["upgrade.command_denied", "rita", "comment"]],
      effects: ["comment"],
    },
    "failed → approved → merge: /retry while approvals of the head hold": {
      state: approvedState({ status: "failed", errorMessage: "GitHub refused the merge: 405", testResults: testResults("passed") }),
      input: command("retry"),
      status: "approved",
      events: [["upgrade.retried", "alice", "comment"], ["upgrade.approved", "alice", "comment"]],
      effects: [...SYNC, "comment", "merge"],
      patch: { errorMessage: null, approvedSha: HEAD, mergeClaimSha: HEAD },
    },
    "failed → approved: /retry after failed tests waits for a green re-run": {
      state: approvedState({ status: "failed", testResults: testResults("failed") }),
      input: command("retry"),
      status: "approved",
      events: [["upgrade.retried", "alice", "comment"], ["upgrade.approved", "alice", "comment"]],
      effects: [...SYNC, "comment"],
    },
    "failed → proposed: /retry without enough approvals of the head": {
      state: approvedState({ status: "failed", approvals: [approval("alice", { sha: OLD_HEAD })] }),
      input: command("retry"),
      status: "proposed",
      events: [["upgrade.retried", "alice", "comment"]],
      effects: [...SYNC, "comment"],
      patch: { approvedSha: null, approvedBy: [] },
      comment: /0 of 1/,
    },
    "/retry refused: not failed": {
      state: approvedState(),
      input: command("retry"),
      status: "approved",
      events: [["upgrade.command_denied", "alice", "comment"]],
      effects: ["comment"],
      comment: /only a failed upgrade can be retried/,
    },
    "/retry refused: not an approver": {
      state: approvedState({ status: "failed" }),
      input: command("retry", triager),
      status: "failed",
      events: [["upgrade.command_denied", "tom", "comment"]],
      effects: ["comment"],
    },
    "/rollback by a maintainer: the rollback starts": {
      state: appliedState(),
      input: command("rollback", maya),
      status: "applied",
      events: [["upgrade.rollback_requested", "maya", "comment"]],
      effects: ["rollback"],
    },
    "/rollback by an admin: the rollback starts": {
      state: appliedState(),
      input: command("rollback", adam),
      status: "applied",
      events: [["upgrade.rollback_requested", "adam", "comment"]],
      effects: ["rollback"],
    },
    "/rollback refused: write permission": {
      state: appliedState(),
      input: command("rollback", alice),
      status: "applied",
      events: [["upgrade.command_denied", "alice", "comment"]],
      effects: ["comment"],
      comment: /needs admin or maintain permission/,
    },
    "/rollback refused: a bot with admin permission": {
      state: appliedState(),
      input: command("rollback", bot("deployer", "admin")),
      status: "applied",
      events: [["upgrade.command_denied", "deployer", "comment"]],
      effects: ["comment"],
    },
    "/rollback: already rolled back, nothing more": {
      state: appliedState({ status: "rolled_back", rollbackSha: ROLLBACK_SHA }),
      input: command("rollback", maya),
      status: "rolled_back",
      events: [],
      effects: ["comment"],
      comment: /already rolled back/,
    },
    "/rollback: a revert PR is already open": {
      state: appliedState({ revertPullNumber: 12 }),
      input: command("rollback", maya),
      status: "applied",
      events: [],
      effects: ["comment"],
      comment: /#12/,
    },
    "/rollback refused: not applied": {
      state: approvedState(),
      input: command("rollback", maya),
      status: "approved",
      events: [["upgrade.command_denied", "maya", "comment"]],
      effects: ["comment"],
      comment: /only an applied upgrade can be rolled back/,
    },
    "applied → rolled_back: rollback commit on the base": {
      state: appliedState(),
      input: { kind: "rollback_committed", rollbackSha: ROLLBACK_SHA, actor: "upgrade-queue" },
      status: "rolled_back",
      events: [["upgrade.rolled_back", "upgrade-queue", "comment"]],
      effects: [...SYNC, "comment"],
      patch: { rollbackSha: ROLLBACK_SHA, rolledBackAt: NOW },
    },
    "rollback_committed on an upgrade that is not applied changes nothing": {
      state: appliedState({ status: "rolled_back" }),
      input: { kind: "rollback_committed", rollbackSha: ROLLBACK_SHA, actor: "upgrade-queue" },
      status: "rolled_back",
      events: [],
      effects: [],
    },
    "applied: a revert PR was opened and is linked": {
      state: appliedState(),
      input: { kind: "revert_opened", pullNumber: 12, url: "https://github.test/o/r/pull/12", actor: "upgrade-queue" },
      status: "applied",
      events: [["upgrade.revert_opened", "upgrade-queue", "comment"]],
      effects: ["comment"],
      patch: { revertPullNumber: 12 },
    },
    "applied → rolled_back: the revert PR merged": {
      state: appliedState({ revertPullNumber: 12 }),
      input: { kind: "revert_merged", actor: "maya", via: "close" },
      status: "rolled_back",
      events: [["upgrade.rolled_back", "maya", "close"]],
      effects: SYNC,
    },
    "rolled_back: the revert PR merging again changes nothing": {
      state: appliedState({ status: "rolled_back", revertPullNumber: 12 }),
      input: { kind: "revert_merged", actor: null, via: "reconcile" },
      status: "rolled_back",
      events: [],
      effects: [],
    },
    "applied: the rollback failed, said on the PR": {
      state: appliedState(),
      input: { kind: "rollback_failed", message: "422: not a fast-forward", actor: "upgrade-queue" },
      status: "applied",
      events: [["upgrade.rollback_failed", "upgrade-queue", "comment"]],
      effects: ["comment"],
    },
    "/status: a comment only, from anyone": {
      state: approvedState(),
      input: command("status", reader),
      status: "approved",
      events: [],
      effects: ["comment"],
      comment: /\*\*Status:\*\* `approved`/,
    },
    "/help: a comment only": {
      state: upgradeState(),
      input: command("help", triager),
      status: "proposed",
      events: [],
      effects: ["comment"],
      comment: /`\/rollback`/,
    },
  }))("%s", (_name, row) => check(row));
});

describe("decide: expiry (tick)", () => {
  it.each(table({
    "proposed → expired: after expireAfterHours (0.5)": {
      state: upgradeState(),
      input: tick,
      config: { expireAfterHours: 0.5 },
      ctx: { now: hoursAfterProposal(0.5) },
      status: "expired",
      events: [["upgrade.expired", "expiry", "timer"]],
      effects: [...SYNC, "comment", "close_pr", "delete_branch"],
      patch: { expiredAt: hoursAfterProposal(0.5) },
      comment: /no decision within 0.5 hours/,
    },
    "proposed, its proposal not recorded yet (the proposal pass still reading GitHub): not expired": {
      state: upgradeState(),
      input: tick,
      config: { expireAfterHours: 0.5 },
      ctx: { now: hoursAfterProposal(1), proposalRecorded: false },
      status: "proposed",
      events: [],
      effects: [],
    },
    "proposed: not expired just before expireAfterHours (0.5)": {
      state: upgradeState(),
      input: tick,
      config: { expireAfterHours: 0.5 },
      ctx: { now: hoursAfterProposal(0.49) },
      status: "proposed",
      events: [],
      effects: [],
    },
    "proposed → expired: default 168 hours": {
      state: upgradeState(),
      input: tick,
      ctx: { now: hoursAfterProposal(168) },
      status: "expired",
      events: [["upgrade.expired", "expiry", "timer"]],
      effects: [...SYNC, "comment", "close_pr", "delete_branch"],
    },
    "proposed: not expired at 167 hours": {
      state: upgradeState(),
      input: tick,
      ctx: { now: hoursAfterProposal(167) },
      status: "proposed",
      events: [],
      effects: [],
    },
    "proposed → expired: deleteBranch false keeps the branch": {
      state: upgradeState(),
      input: tick,
      config: { deleteBranch: false },
      ctx: { now: hoursAfterProposal(200) },
      status: "expired",
      events: [["upgrade.expired", "expiry", "timer"]],
      effects: [...SYNC, "comment", "close_pr"],
    },
    "approved is never expired": {
      state: approvedState(),
      input: tick,
      ctx: { now: hoursAfterProposal(1000) },
      status: "approved",
      events: [],
      effects: [],
    },
  }))("%s", (_name, row) => check(row));
});

describe("decide: auto-approve", () => {
  const enabled: ConfigOverrides = { autoApprove: { enabled: true, afterHours: 24, maxDiffLines: 50 } };
  const ready = (overrides: Partial<UpgradeState> = {}) => upgradeState({ testResults: testResults("passed"), ...overrides });
  const later = { now: hoursAfterProposal(25) };
  const stays = (state: UpgradeState, cfg: ConfigOverrides = enabled, ctx: Partial<DecideContext> = later): Row => ({
    state,
    input: tick,
    config: cfg,
    ctx,
    status: "proposed",
    events: [],
    effects: [],
  });
  it.each(table({
    "proposed → approved: low-risk, green, afterHours passed (tick)": {
      state: ready(),
      input: tick,
      config: enabled,
      ctx: later,
      status: "approved",
      events: [["upgrade.approved", "auto-approve", "timer"]],
      effects: [...SYNC, "comment", "merge"],
      patch: { approvedSha: HEAD, approvedBy: [] },
    },
    "proposed → approved: tests turn green after afterHours": {
      state: upgradeState({ testResults: testResults("pending") }),
      input: tests("passed"),
      config: enabled,
      ctx: later,
      status: "approved",
      events: [["upgrade.tests_passed", "upgrade-queue", "check"], ["upgrade.approved", "auto-approve", "check"]],
      effects: ["sync_check_run", ...SYNC, "comment", "merge"],
    },
    "proposed → approved: applyMode manual, no merge": {
      state: ready(),
      input: tick,
      config: { ...enabled, applyMode: "manual" },
      ctx: later,
      status: "approved",
      events: [["upgrade.approved", "auto-approve", "timer"]],
      effects: [...SYNC, "comment"],
    },
    "stays proposed: guarded": stays(ready({ guarded: true })),
    "stays proposed: diff over autoApprove.maxDiffLines": stays(ready({ additions: 40, deletions: 11 })),
    "stays proposed: tests pending": stays(ready({ testResults: testResults("pending") })),
    "stays proposed: tests failed": stays(ready({ testResults: testResults("failed") })),
    "stays proposed: tests passed on an older SHA": stays(ready({ testResults: testResults("passed", OLD_HEAD) })),
    "stays proposed: too early": stays(ready(), enabled, { now: hoursAfterProposal(23.9) }),
    "stays proposed: a rejection or changes-requested review was given": stays(ready(), enabled, { ...later, hasObjection: true }),
    "stays proposed: autoApprove disabled": stays(ready(), {}),
  }))("%s", (_name, row) => check(row));
});

describe("decide: urgent bypass", () => {
  const enabled: ConfigOverrides = { urgent: { enabled: true, maxDiffLines: 200, maxPerDay: 3 } };
  const ready = (overrides: Partial<UpgradeState> = {}) => upgradeState({ urgent: true, testResults: testResults("passed"), ...overrides });
  const stays = (state: UpgradeState, cfg: ConfigOverrides = enabled): Row => ({ state, input: tick, config: cfg, status: "proposed", events: [], effects: [] });
  const bypassPatch = { bypassed: true, approvedBy: [], approvedSha: HEAD, approvedAt: NOW };
  it.each(table({
    "proposed → approved: urgent trailer, tests turn green": {
      state: upgradeState({ urgent: true }),
      input: tests("passed"),
      config: enabled,
      ctx: { urgentBypassesToday: 2 },
      status: "approved",
      events: [
        ["upgrade.tests_passed", "upgrade-queue", "check"],
        ["upgrade.urgent_bypass", "urgent-bypass", "check"],
        ["upgrade.approved", "urgent-bypass", "check"],
      ],
      effects: ["sync_check_run", ...SYNC, "comment", "merge"],
      patch: { ...bypassPatch, mergeClaimSha: HEAD },
      comment: /review it after the fact/,
    },
    "proposed → approved: urgent, green, on the sweep (budget freed up)": {
      state: ready(),
      input: tick,
      config: enabled,
      status: "approved",
      events: [["upgrade.urgent_bypass", "urgent-bypass", "timer"], ["upgrade.approved", "urgent-bypass", "timer"]],
      effects: [...SYNC, "comment", "merge"],
      patch: bypassPatch,
    },
    "urgent bypass wins over auto-approve": {
      state: ready(),
      input: tick,
      config: { ...enabled, autoApprove: { enabled: true, afterHours: 0 } },
      status: "approved",
      events: [["upgrade.urgent_bypass", "urgent-bypass", "timer"], ["upgrade.approved", "urgent-bypass", "timer"]],
      effects: [...SYNC, "comment", "merge"],
    },
    "stays proposed: urgent.enabled false": stays(ready(), {}),
    "stays proposed: no Upgrade-Urgency trailer": stays(ready({ urgent: false })),
    "stays proposed: guarded": stays(ready({ guarded: true })),
    "stays proposed: diff over urgent.maxDiffLines": stays(ready({ additions: 150, deletions: 51 })),
    "stays proposed: tests pending (tests are never bypassed)": stays(ready({ testResults: testResults("pending") })),
    "stays proposed: tests failed (tests are never bypassed)": stays(ready({ testResults: testResults("failed") })),
    "stays proposed: tests passed on an older SHA": stays(ready({ testResults: testResults("passed", OLD_HEAD) })),
    "stays proposed: budget exhausted, the comment says so": {
      state: upgradeState({ urgent: true }),
      input: tests("passed"),
      config: enabled,
      ctx: { urgentBypassesToday: 3 },
      status: "proposed",
      events: [["upgrade.tests_passed", "upgrade-queue", "check"], ["upgrade.urgent_budget_exhausted", "urgent-bypass", "check"]],
      effects: ["sync_check_run", "comment"],
      comment: /3 urgent bypasses already happened .* waits for approval/,
    },
    "stays proposed: budget exhausted on the sweep, said only once": {
      state: ready(),
      input: tick,
      config: enabled,
      ctx: { urgentBypassesToday: 3 },
      status: "proposed",
      events: [],
      effects: [],
    },
    "applied (bypassed): a later approval records upgrade.post_approved": {
      state: appliedState({ bypassed: true, approvedBy: [], approvals: [] }),
      input: approve(alice, "review"),
      status: "applied",
      events: [["upgrade.post_approved", "alice", "review"]],
      effects: ["sync_check_run", "comment"],
      patch: { bypassed: false, approvedBy: ["alice"] },
    },
    "applied (bypassed): post-approval by label": {
      state: appliedState({ bypassed: true, approvedBy: [], approvals: [] }),
      input: approve(maya, "label"),
      status: "applied",
      events: [["upgrade.post_approved", "maya", "label"]],
      effects: ["sync_check_run", "comment", "sync_label"],
      patch: { bypassed: false },
    },
    "approved (bypassed, not merged yet): an approval clears bypassed": {
      state: approvedState({ bypassed: true, approvedBy: [], approvals: [] }),
      input: approve(alice, "comment"),
      config: { applyMode: "manual" },
      status: "approved",
      events: [["upgrade.post_approved", "alice", "comment"]],
      effects: ["sync_check_run", "comment"],
      patch: { bypassed: false, approvedBy: ["alice"] },
      approvalsAdded: ["alice"],
    },
    "applied (bypassed): the agent cannot post-approve": {
      state: appliedState({ bypassed: true, approvedBy: [], approvals: [] }),
      input: approve(person("agent-author", "admin"), "comment"),
      status: "applied",
      events: [["upgrade.command_denied", "agent-author", "comment"]],
      effects: ["comment"],
    },
  }))("%s", (_name, row) => check(row));
});

describe("decide: purity", () => {
  it("never mutates the upgrade it is given", () => {
    const state = upgradeState({ approvals: [approval("bob")], testResults: testResults("passed") });
    const snapshot = structuredClone(state);
    decide(state, approve(), config({ requiredApprovals: 2 }), context());
    decide(state, tick, config({ expireAfterHours: 0.1 }), context());
    expect(state).toEqual(snapshot);
  });
});
