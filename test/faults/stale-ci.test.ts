/**
 * CI results are about one commit. Approved at A, then B is pushed (the approval of A no longer
 * counts), then A's green check run arrives late: nothing is merged, nothing changes, and not
 * even after B is approved in turn. And a recorded green gate is not taken on trust: a check
 * created or re-run since (its webhook late or lost) stops the merge, whether the approval's own
 * read of the PR shows it (a review) or the read right before the merge does (a command).
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, checkRun, comment, push, review, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { type RunSpec, deleteBranch, expectComment, merge, permission, readPull, setLabels, stateChange } from "../rules/github.js";

const repoPath = `/repos/${FULL}`;
const BRANCH = "self-modify/cache";
const A = sha("a");
const B = sha("e");

useNock();

let app: TestApp;
useTestApp((created) => (app = created), () => {
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
  nock(API).get(/\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/).reply(404, { message: "Not Found" });
});

function mockPushOfB() {
  // The push makes the app read the PR as GitHub has it now: head B, no checks on it yet.
  readPull(12, { head: B, branch: BRANCH, body: "Adds a cache.", labels: ["upgrade:approved"] });
  nock(API).get(`${repoPath}/pulls/12/files`).query(true).reply(200, [{ filename: "src/cache.ts", status: "added", additions: 12, deletions: 0, patch: "+x" }]);
  nock(API).get(`${repoPath}/pulls/12/commits`).query(true).reply(200, [
    { sha: A, commit: { message: "Add a cache" }, author: { login: "agent" }, committer: { login: "agent" } },
    { sha: B, commit: { message: "Tune the cache" }, author: { login: "agent" }, committer: { login: "agent" } },
  ]);
  setLabels(12, ["upgrade:proposed"]);
  // A new head gets a new check run.
  nock(API).post(`${repoPath}/check-runs`, (b) => b.head_sha === B && b.status === "in_progress").reply(201, { id: 78 });
  nock(API).post(`${repoPath}/issues/12/comments`, (b) => b.body.includes("no longer count")).reply(201, { id: 1 });
}

describe("an old commit's green CI after a new push", () => {
  it("approved at A, B pushed, A's success arrives: no merge, no change", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", headSha: A, approvedSha: A, approvals: [{ login: "alice", sha: A }], testResults: { state: "pending", sha: A }, checkRunId: `77@${A}` });
    mockPushOfB();
    await app.send("push", push({ branch: BRANCH, before: A, after: B, message: "Tune the cache", pusher: "agent" }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "proposed", headSha: B, approvedSha: null });

    // A's green result, late. Nothing about it is relevant any more: no GitHub request at all
    // (in particular no merge), no transition, not even an inbox row.
    const deliveriesBefore = await app.db.delivery.count();
    await app.send("check_run", checkRun({ head: A, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    expect(await app.db.delivery.count()).toBe(deliveriesBefore);

    // Alice approves B; A's green result arrives once more: still no merge (the tests of B
    // have not passed). GitHub's read of the PR lists her review and says she can push.
    readPull(12, { head: B, branch: BRANCH, labels: ["upgrade:proposed"], ownCheckRun: 78, reviews: [{ id: 501, author: "alice", commit: B, canPush: true }] }, { reviews: true });
    setLabels(12, ["upgrade:approved"]);
    nock(API).patch(`${repoPath}/check-runs/78`).reply(200, { id: 78 });
    nock(API).post(`${repoPath}/issues/12/comments`, (b) => b.body.includes("Approved by @alice")).reply(201, { id: 2 });
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: B, reviewer: "alice", state: "approved", id: 501 }));
    await app.send("check_run", checkRun({ head: A, name: "test", conclusion: "success" }));
    expectAllMocksUsed();

    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade).toMatchObject({ status: "approved", headSha: B, approvedSha: B, mergeClaimSha: null, mergeCommitSha: null });
    const events = await eventsOf(app.db, id);
    expect(events.map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approval_invalidated", "upgrade.approved"]);
    expect(events.some((e) => e.type === "upgrade.tests_passed" || e.type === "upgrade.applied")).toBe(false);
  });
});

describe("a green gate that is no longer green when the approval comes", () => {
  const approve = () => app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "alice", state: "approved", id: 501 }));
  /** The review's read of the PR: alice's review (she can push) and the head's checks now. */
  const readWithReview = (runs: RunSpec[]) =>
    readPull(12, { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:proposed"], checks: runs, ownCheckRun: 77, reviews: [{ id: 501, author: "alice", commit: SEED_HEAD, canPush: true }] }, { reviews: true });

  it("a check queued since (its webhook not here yet): not merged, no claim held; merged when it passes", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    // The review's read of the PR shows the gate as it is now (pending) before the approval is
    // decided: no merge is even attempted.
    readWithReview([{ name: "test", conclusion: "success" }, { name: "e2e", status: "queued" }]);
    stateChange(12, "proposed", "approved", (b) => b.status === "in_progress" && b.output.summary.includes("1 of 2 checks passed; 1 pending"));
    const approval = expectComment(12, "Approved by @alice");
    await approve();
    expectAllMocksUsed(); // no merge mutation
    expect(approval).toEqual(["Approved by @alice at `ddddddd`."]);
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved", approvedSha: SEED_HEAD, mergeClaimSha: null, mergeCommitSha: null });
    expect(JSON.parse((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).testResults ?? "null")).toMatchObject({ state: "pending", sha: SEED_HEAD });
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved"]);

    // e2e passes: its webhook brings fresh results, and the merge needs no second read.
    readPull(12, { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:approved"], checks: [{ name: "test", conclusion: "success" }, { name: "e2e", conclusion: "success" }], ownCheckRun: 77 });
    merge(12, { sha: SEED_HEAD }, sha("c"), { parent: sha("b"), gate: "fresh" });
    stateChange(12, "approved", "applied", (b) => b.conclusion === "success");
    expectComment(12, "Applied: merged `ddddddd`");
    deleteBranch("self-modify/cache");
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "e2e", conclusion: "success" }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", mergeCommitSha: sha("c") });
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.tests_passed", "upgrade.applied"]);
  });

  it("approved by command (no read until the merge): the read before the merge defers it, no claim held", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    permission("alice", "write");
    // The merge's read of the PR: e2e queued since the gate was recorded green.
    readPull(12, { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:proposed"], checks: [{ name: "test", conclusion: "success" }, { name: "e2e", status: "queued" }], ownCheckRun: 77 });
    stateChange(12, "proposed", "approved", (b) => b.status === "in_progress");
    expectComment(12, "Approved by @alice", "Not merged yet: the test gate on `ddddddd` is pending again");
    await app.send("issue_comment", comment({ number: 12, login: "alice", body: "/approve" }));
    expectAllMocksUsed(); // no merge mutation
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved", approvedSha: SEED_HEAD, mergeClaimSha: null, mergeCommitSha: null });
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.merge_deferred"]);
  });

  it("a re-run that failed (its webhook lost): not merged, failed with the reason", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    readWithReview([{ name: "test", conclusion: "failure" }]);
    stateChange(12, "proposed", "failed", (b) => b.conclusion === "failure");
    expectComment(12, "Approved by @alice", "Failed: `tests failed on ddddddd");
    await approve();
    expectAllMocksUsed(); // no merge mutation
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "failed", mergeClaimSha: null });
    // The review's read records the red re-run first; the approval of a failed head fails at once.
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.tests_failed", "upgrade.approved", "upgrade.failed"]);
  });
});
