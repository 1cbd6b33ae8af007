/**
 * Frozen repositories in decide() (CONTRACT §2 "Frozen repositories"): one named row per
 * command outcome and per thing a freeze holds back (merge, auto-approval, urgent bypass), and
 * what goes on while frozen (approvals, rejections, expiry).
 */
import { describe, expect, it } from "vitest";
import { decide } from "../../src/domain/decide.js";
import { canFreeze, freezeReason, frozenLine } from "../../src/domain/freeze.js";
import { checkRunView } from "../../src/domain/messages.js";
import type { Effect, Freeze, UpgradeInput, UpgradeState, UpgradeStatus, Via } from "../../src/domain/types.js";
import { type ConfigOverrides, HEAD, approvedState, config, context, hoursAfterProposal, person, testResults, upgradeState } from "../support/upgrade-state.js";

const FROZEN: Freeze = { by: "maya", reason: "incident 42", at: hoursAfterProposal(0.5) };
const maya = person("maya", "maintain");
const adam = person("adam", "admin");
const wendy = person("wendy", "write");
const alice = person("alice", "write");

interface Row {
  state: UpgradeState;
  input: UpgradeInput;
  frozen: Freeze | null;
  config?: ConfigOverrides;
  status: UpgradeStatus;
  events: Array<[string, string, Via]>;
  effects: Effect["kind"][];
  comment?: RegExp;
  setFreeze?: { frozen: boolean; actor: string; reason: string | null };
}

const command = (name: "freeze" | "unfreeze", actor = maya, argument: string | null = null): UpgradeInput => ({ kind: "command", command: name, actor, via: "comment", argument });
const green = (state: UpgradeState) => ({ ...state, testResults: testResults("passed") });

const rows: Record<string, Row> = {
  "/freeze by a maintainer: the freeze is set, with the reason, and said on the PR": {
    state: upgradeState(),
    input: command("freeze", maya, "incident 42"),
    frozen: null,
    status: "proposed",
    events: [],
    effects: ["set_freeze", "comment"],
    comment: /Frozen by @maya: incident 42\. Nothing in this repository is merged, auto-approved or urgent-bypassed until/,
    setFreeze: { frozen: true, actor: "maya", reason: "incident 42" },
  },
  "/freeze by an admin without a reason": {
    state: appliedLike(),
    input: command("freeze", adam),
    frozen: null,
    status: "applied",
    events: [],
    effects: ["set_freeze", "comment"],
    comment: /^Frozen by @adam\. Nothing/,
    setFreeze: { frozen: true, actor: "adam", reason: null },
  },
  "/freeze by a write user is refused with a comment and upgrade.command_denied": {
    state: upgradeState(),
    input: command("freeze", wendy, "no"),
    frozen: null,
    status: "proposed",
    events: [["upgrade.command_denied", "wendy", "comment"]],
    effects: ["comment"],
    comment: /`\/freeze` was not accepted: `\/freeze` needs admin or maintain permission; @wendy has write permission\./,
  },
  "/unfreeze by a write user is refused too": {
    state: upgradeState(),
    input: command("unfreeze", wendy),
    frozen: FROZEN,
    status: "proposed",
    events: [["upgrade.command_denied", "wendy", "comment"]],
    effects: ["comment"],
  },
  "/freeze when already frozen changes nothing and says by whom": {
    state: upgradeState(),
    input: command("freeze", adam, "again"),
    frozen: FROZEN,
    status: "proposed",
    events: [],
    effects: ["comment"],
    comment: /Already frozen: Frozen by @maya: incident 42\. Nothing changes\./,
  },
  "/unfreeze lifts the freeze": {
    state: upgradeState(),
    input: command("unfreeze", adam),
    frozen: FROZEN,
    status: "proposed",
    events: [],
    effects: ["set_freeze", "comment"],
    comment: /Unfrozen by @adam\. Approved upgrades whose tests passed merge one at a time, in the order they were proposed\./,
    setFreeze: { frozen: false, actor: "adam", reason: null },
  },
  "/unfreeze when not frozen: nothing to do": {
    state: upgradeState(),
    input: command("unfreeze", adam),
    frozen: null,
    status: "proposed",
    events: [],
    effects: ["comment"],
    comment: /not frozen; nothing to unfreeze/,
  },
  "frozen: an approval is recorded and approves, but the merge is held": {
    state: green(upgradeState()),
    input: { kind: "approve", actor: alice, sha: upgradeState().headSha, via: "review" },
    frozen: FROZEN,
    status: "approved",
    events: [["upgrade.approved", "alice", "review"], ["upgrade.merge_held", "upgrade-queue", "check"]],
    effects: ["sync_label", "sync_check_run", "comment", "comment"],
    comment: /Not merged yet: Frozen by @maya: incident 42\. It merges after `\/unfreeze`\./,
  },
  "frozen: tests passing on an approved upgrade do not merge it": {
    state: approvedState(),
    input: { kind: "tests", results: testResults("passed"), via: "check" },
    frozen: FROZEN,
    status: "approved",
    events: [["upgrade.tests_passed", "upgrade-queue", "check"], ["upgrade.merge_held", "upgrade-queue", "check"]],
    effects: ["sync_check_run", "comment"],
  },
  "frozen: no auto-approval, however long it waited": {
    state: green(upgradeState()),
    input: { kind: "tick", via: "timer" },
    config: { autoApprove: { enabled: true, afterHours: 0 } },
    frozen: FROZEN,
    status: "proposed",
    events: [],
    effects: [],
  },
  "frozen: no urgent bypass when the tests pass": {
    state: upgradeState({ urgent: true }),
    input: { kind: "tests", results: testResults("passed"), via: "check" },
    config: { urgent: { enabled: true } },
    frozen: FROZEN,
    status: "proposed",
    events: [["upgrade.tests_passed", "upgrade-queue", "check"]],
    effects: ["sync_check_run"],
  },
  "frozen: a rejection goes on as usual": {
    state: upgradeState(),
    input: { kind: "reject", actor: alice, reason: "no", via: "comment" },
    frozen: FROZEN,
    status: "rejected",
    events: [["upgrade.rejected", "alice", "comment"]],
    effects: ["sync_label", "sync_check_run", "comment", "close_pr", "delete_branch"],
  },
  "frozen: expiry goes on as usual": {
    state: upgradeState({ proposedAt: hoursAfterProposal(-200) }),
    input: { kind: "tick", via: "timer" },
    frozen: FROZEN,
    status: "expired",
    events: [["upgrade.expired", "expiry", "timer"]],
    effects: ["sync_label", "sync_check_run", "comment", "close_pr", "delete_branch"],
  },
  "frozen: /apply in manual mode is held too": {
    state: green(approvedState()),
    input: { kind: "command", command: "apply", actor: alice, via: "comment" },
    config: { applyMode: "manual" },
    frozen: FROZEN,
    status: "approved",
    events: [["upgrade.apply_requested", "alice", "comment"], ["upgrade.merge_held", "upgrade-queue", "check"]],
    effects: ["comment"],
  },
  "freeze found right before the merge call: the claim is released and the merge held": {
    state: green(approvedState({ mergeClaimSha: upgradeState().headSha })),
    input: { kind: "merge_held", freeze: FROZEN },
    frozen: FROZEN,
    status: "approved",
    events: [["upgrade.merge_held", "upgrade-queue", "check"]],
    effects: ["sync_check_run", "comment"],
  },
  "freeze changed while frozen: the check run is refreshed, nothing merges": {
    state: green(approvedState()),
    input: { kind: "freeze_changed", via: "comment" },
    frozen: FROZEN,
    status: "approved",
    events: [],
    effects: ["sync_check_run"],
  },
  "unfrozen: an approved green upgrade is merged now": {
    state: green(approvedState()),
    input: { kind: "freeze_changed", via: "comment" },
    frozen: null,
    status: "approved",
    events: [],
    effects: ["sync_check_run", "merge"],
  },
  "unfrozen: a low-risk upgrade that waited long enough is auto-approved now": {
    state: green(upgradeState()),
    input: { kind: "freeze_changed", via: "dashboard" },
    config: { autoApprove: { enabled: true, afterHours: 0 } },
    frozen: null,
    status: "approved",
    events: [["upgrade.approved", "auto-approve", "dashboard"]],
    effects: ["sync_check_run", "sync_label", "sync_check_run", "comment", "merge"],
  },
  "reconciliation finds an approved green upgrade no pass is merging, unfrozen (the unfreezing replica died): merged now": {
    state: green(approvedState()),
    input: { kind: "resume_apply", via: "reconcile" },
    frozen: null,
    status: "approved",
    events: [],
    effects: ["merge"],
  },
  "reconciliation finds an approved green upgrade while frozen: nothing happens": {
    state: green(approvedState()),
    input: { kind: "resume_apply", via: "reconcile" },
    frozen: FROZEN,
    status: "approved",
    events: [],
    effects: [],
  },
  "reconciliation finds an approved upgrade whose merge a pass holds: nothing happens": {
    state: green(approvedState({ mergeClaimSha: HEAD })),
    input: { kind: "resume_apply", via: "reconcile" },
    frozen: null,
    status: "approved",
    events: [],
    effects: [],
  },
  "freeze changed: a terminal upgrade is left alone": {
    state: appliedLike(),
    input: { kind: "freeze_changed", via: "comment" },
    frozen: null,
    status: "applied",
    events: [],
    effects: [],
  },
};

function appliedLike(): UpgradeState {
  return approvedState({ status: "applied", previousSha: "d".repeat(40), mergeCommitSha: "e".repeat(40) });
}

describe("decide: frozen repositories", () => {
  it.each(Object.entries(rows))("%s", (_name, row) => {
    const decision = decide(row.state, row.input, config(row.config), context({ now: hoursAfterProposal(1), frozen: row.frozen }));
    expect(decision.patch.status ?? row.state.status).toBe(row.status);
    expect(decision.events.map((e) => [e.type, e.actor, e.via])).toEqual(row.events);
    expect(decision.effects.map((e) => e.kind).sort()).toEqual([...row.effects].sort());
    if (row.comment) expect(decision.effects.flatMap((e) => (e.kind === "comment" ? [e.body] : [])).join("\n---\n")).toMatch(row.comment);
    const set = decision.effects.find((e) => e.kind === "set_freeze");
    if (row.setFreeze) expect(set).toMatchObject(row.setFreeze);
    // A merge is claimed exactly when one is started.
    expect(decision.patch.mergeClaimSha ?? null).toBe(row.effects.includes("merge") ? row.state.headSha : row.input.kind === "merge_held" ? null : (decision.patch.mergeClaimSha ?? null));
  });
});

describe("who may freeze", () => {
  it.each([
    ["admin", false, true],
    ["maintain", false, true],
    ["write", false, false],
    ["read", false, false],
    ["admin", true, false],
  ] as const)("%s (bot: %s) → %s", (permission, isBot, ok) => {
    expect(canFreeze({ login: "x", isBot, permission }, "freeze").ok).toBe(ok);
  });
});

describe("the reason and how it is shown", () => {
  it.each([
    [null, null],
    ["   ", null],
    ["deploy\nwindow ", "deploy window"],
    ["x".repeat(600), "x".repeat(500)],
  ])("freezeReason(%j) = %j", (raw, kept) => {
    expect(freezeReason(raw)).toBe(kept);
  });

  it("every open upgrade's check run says who froze it and why; a closed one's does not", () => {
    const view = checkRunView(upgradeState(), config(), FROZEN);
    expect(view).toMatchObject({ title: "Frozen by @maya: incident 42", conclusion: null });
    expect(view.summary).toContain("**Frozen by @maya: incident 42**");
    expect(checkRunView(approvedState(), config(), FROZEN).title).toBe(frozenLine(FROZEN));
    expect(checkRunView(appliedLike(), config(), FROZEN).title).toBe("Applied");
  });
});
