/**
 * GitHub's merge queue in decide() (issue 11): one named row per transition and per input that
 * changes nothing: the claimed SHA enqueued (once), merged by the queue (the app's own merge),
 * removed by the queue (failed with GitHub's reason, once), and what releases the queue's hold
 * with the claim (a moved head, a close). docs/state-machine.md mirrors these rows.
 */
import { describe, expect, it } from "vitest";
import { decide } from "../../src/domain/decide.js";
import { checkRunView } from "../../src/domain/messages.js";
import type { Decision, Effect, UpgradeInput, UpgradePatch, UpgradeState, UpgradeStatus, Via } from "../../src/domain/types.js";
import { BASE_HEAD, HEAD, MERGE_SHA, NEW_HEAD, approvedState, config, context, headFacts, hoursAfterProposal, testResults, upgradeState } from "../support/upgrade-state.js";

interface Row {
  state: UpgradeState;
  input: UpgradeInput;
  status: UpgradeStatus;
  events: Array<[string, string, Via]>;
  effects: Effect["kind"][];
  patch?: UpgradePatch;
  comment?: RegExp;
}

const NOW = hoursAfterProposal(2);
const REASON = 'Required status check "test" failed on the merge group';
/** Approved, green, and the merge claimed at HEAD (the app is about to enqueue it). */
const claimed = (overrides: Partial<UpgradeState> = {}) => approvedState({ testResults: testResults("passed"), mergeClaimSha: HEAD, ...overrides });
/** ...and GitHub's merge queue holds HEAD. */
const queued = (overrides: Partial<UpgradeState> = {}) => claimed({ queuedSha: HEAD, ...overrides });
const enqueued = (via: Via = "check", sha = HEAD): UpgradeInput => ({ kind: "merge_enqueued", sha, position: 2, via });
const dequeued = (via: Via = "pull_request", sha = HEAD, actor: string | null = "github-merge-queue[bot]"): UpgradeInput => ({ kind: "merge_dequeued", sha, reason: REASON, actor, via });

const rows: Record<string, Row> = {
  "approved (merge claimed) → approved, in the merge queue: the enqueue is recorded with the SHA, and said on the PR": {
    state: claimed(),
    input: enqueued(),
    status: "approved",
    events: [["upgrade.enqueued", "upgrade-queue", "check"]],
    effects: ["sync_check_run", "comment"],
    patch: { queuedSha: HEAD },
    comment: /Added to GitHub's merge queue for `main` at `aaaaaaa` \(position 2\)\. GitHub merges it once the queue's checks pass/,
  },
  "in the merge queue again (a repeated read, a duplicate delivery, another replica): nothing": {
    state: queued(),
    input: enqueued("reconcile"),
    status: "approved",
    events: [],
    effects: [],
  },
  "in the merge queue without the app's claim of that SHA (no merge under way): nothing": {
    state: approvedState({ testResults: testResults("passed") }),
    input: enqueued(),
    status: "approved",
    events: [],
    effects: [],
  },
  "in the merge queue after the upgrade moved on (rejected meanwhile): nothing": {
    state: upgradeState({ status: "rejected" }),
    input: enqueued(),
    status: "rejected",
    events: [],
    effects: [],
  },
  "approved (queued) → applied: the queue merged it; recorded as the app's own merge, previousSha = the merge commit's first parent": {
    state: queued(),
    input: { kind: "closed", merged: true, actor: "github-merge-queue[bot]", via: "close", mergeCommitSha: MERGE_SHA, previousSha: BASE_HEAD },
    status: "applied",
    events: [["upgrade.applied", "upgrade-queue", "check"]],
    effects: ["sync_label", "sync_check_run", "comment", "delete_branch"],
    patch: { previousSha: BASE_HEAD, mergeCommitSha: MERGE_SHA, mergeClaimSha: null, queuedSha: null },
    comment: /Applied: merged `aaaaaaa` into `main` as `eeeeeee` \(previous head `ddddddd`\)/,
  },
  "approved (queued) → failed: the queue removed it; GitHub's reason in errorMessage and on the PR": {
    state: queued(),
    input: dequeued(),
    status: "failed",
    events: [
      ["upgrade.dequeued", "github-merge-queue[bot]", "pull_request"],
      ["upgrade.failed", "upgrade-queue", "pull_request"],
    ],
    effects: ["sync_label", "sync_check_run", "comment"],
    patch: { errorMessage: `GitHub's merge queue removed aaaaaaa: ${REASON}`, mergeClaimSha: null, queuedSha: null, failedAt: NOW },
    comment: /Failed: GitHub's merge queue removed `aaaaaaa` from the queue for `main`: `Required status check "test" failed on the merge group`\n\nPush new commits, or an approver can comment `\/retry`/,
  },
  "approved (queued) → failed: a removal found by reconciliation (its delivery lost), GitHub naming nobody": {
    state: queued(),
    input: dequeued("reconcile", HEAD, null),
    status: "failed",
    events: [
      ["upgrade.dequeued", "upgrade-queue", "reconcile"],
      ["upgrade.failed", "upgrade-queue", "reconcile"],
    ],
    effects: ["sync_label", "sync_check_run", "comment"],
  },
  "removed again (a duplicate delivery after the failure): nothing": {
    state: upgradeState({ status: "failed", approvedSha: HEAD, errorMessage: `GitHub's merge queue removed aaaaaaa: ${REASON}` }),
    input: dequeued(),
    status: "failed",
    events: [],
    effects: [],
  },
  "removed while the claim is not (yet) in the queue (another replica is enqueueing it): nothing": {
    state: claimed(),
    input: dequeued(),
    status: "approved",
    events: [],
    effects: [],
  },
  "removal of an older SHA than the one queued: nothing": {
    state: queued({ headSha: NEW_HEAD, approvedSha: NEW_HEAD, mergeClaimSha: NEW_HEAD, queuedSha: NEW_HEAD }),
    input: dequeued("pull_request", HEAD),
    status: "approved",
    events: [],
    effects: [],
  },
  "approved (queued) → proposed: new commits (GitHub drops it from the queue); approvals no longer count, the claim and the queue's hold released": {
    state: queued(),
    input: { kind: "head_updated", facts: headFacts({ headSha: NEW_HEAD }), actor: "agent-bot[bot]", via: "push" },
    status: "proposed",
    events: [["upgrade.approval_invalidated", "agent-bot[bot]", "push"]],
    effects: ["sync_label", "sync_check_run", "sync_check_run", "comment"],
    patch: { mergeClaimSha: null, queuedSha: null, approvedSha: null },
  },
  "approved (queued) → rejected: the PR closed unmerged; the queue's hold released with the claim": {
    state: queued(),
    input: { kind: "closed", merged: false, actor: "carol", via: "close" },
    status: "rejected",
    events: [["upgrade.rejected", "carol", "close"]],
    effects: ["sync_label", "sync_check_run", "delete_branch"],
    patch: { mergeClaimSha: null, queuedSha: null },
  },
  "a lapsed claim the queue holds is not claimed again (GitHub merges it in its own time)": {
    state: queued(),
    input: { kind: "merge_claim_lapsed", via: "timer" },
    status: "approved",
    events: [],
    effects: [],
  },
  "green tests again while queued: recorded, never a second enqueue": {
    state: queued({ testResults: testResults("pending") }),
    input: { kind: "tests", results: testResults("passed"), via: "check" },
    status: "approved",
    events: [["upgrade.tests_passed", "upgrade-queue", "check"]],
    effects: ["sync_check_run"],
  },
};

function run(row: Row): Decision {
  return decide(row.state, row.input, config(), context({ now: NOW }));
}

describe("decide: GitHub's merge queue", () => {
  it.each(Object.entries(rows))("%s", (_name, row) => {
    const decision = run(row);
    expect(decision.patch.status ?? row.state.status).toBe(row.status);
    expect(decision.events.map((e) => [e.type, e.actor, e.via])).toEqual(row.events);
    expect(decision.effects.map((e) => e.kind).sort()).toEqual([...row.effects].sort());
    if (row.patch) expect(decision.patch).toMatchObject(row.patch);
    if (row.comment) expect(decision.effects.flatMap((e) => (e.kind === "comment" ? [e.body] : [])).join("\n---\n")).toMatch(row.comment);
  });

  it("a decision that releases the claim releases the queue's hold too, and only then", () => {
    const released = run({ ...rows["approved (queued) → rejected: the PR closed unmerged; the queue's hold released with the claim"]! });
    expect(released.patch).toMatchObject({ mergeClaimSha: null, queuedSha: null });
    const unqueued = decide(claimed(), { kind: "closed", merged: false, actor: "carol", via: "close" }, config(), context({ now: NOW }));
    expect("queuedSha" in unqueued.patch).toBe(false);
  });

  it("the check run and /status say an upgrade is in the merge queue", () => {
    const view = checkRunView(queued(), config());
    expect(view).toMatchObject({ title: "Approved; in GitHub's merge queue", conclusion: null });
    expect(view.summary).toContain("**In GitHub's merge queue** for `main`");
    expect(checkRunView(claimed(), config()).title).toBe("Approved; waiting for tests and merge");
  });
});
