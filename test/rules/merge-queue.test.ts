/**
 * GitHub's merge queue, request by request (nock: any request without a mock fails the test):
 * on a base that requires the queue, the approval that completes the gate enqueues with
 * `expectedHeadOid` = the approved SHA and nothing else merges; a `dequeued` delivery fails the
 * upgrade with the reason GitHub's timeline gives; the queue's merge is the app's own merge; an
 * enqueue GitHub refuses because the head moved sends the upgrade back to `proposed`.
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { pullRequest, review, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { useTestApp } from "../support/use-test-app.js";
import { config, deleteBranch, enqueueMutation, expectComment, readPull, stateChange, token, updateCheckRun } from "./github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created), token);

const BRANCH = "self-modify/cache";
const GREEN = [{ name: "test", conclusion: "success" }];
const MERGE = sha("c");
const BASE_HEAD = sha("b");

/** Seeds an approved upgrade whose approved SHA GitHub's merge queue holds (the app enqueued it). */
async function seedQueued(): Promise<number> {
  const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "passed" } });
  await app.db.upgrade.update({ where: { id }, data: { mergeClaimSha: SEED_HEAD, mergeClaimedAt: new Date("2026-11-20T09:40:00Z"), queuedSha: SEED_HEAD } });
  return id;
}

describe("a base branch that requires GitHub's merge queue", () => {
  it("the approval that completes the gate enqueues the approved SHA (expectedHeadOid) and merges nothing", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    config(null);
    // The review's pass reads the PR once (reviews included): green, and the base requires the queue.
    readPull(12, { head: SEED_HEAD, branch: BRANCH, checks: GREEN, labels: ["upgrade:proposed"], reviews: [{ id: 5, author: "alice", commit: SEED_HEAD, canPush: true }], mergeQueue: { enabled: true } }, { reviews: true });
    enqueueMutation(12, SEED_HEAD, { position: 2 });
    stateChange(12, "proposed", "approved", (b) => b.output.title === "Approved; in GitHub's merge queue");
    const posted = expectComment(12, "Approved by @alice at `ddddddd`.", "Added to GitHub's merge queue for `main` at `ddddddd` (position 2).");
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "alice", state: "approved", id: 5 }));
    expectAllMocksUsed();
    expect(posted).toHaveLength(1);
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved", mergeClaimSha: SEED_HEAD, queuedSha: SEED_HEAD, mergeCommitSha: null });
    expect((await eventsOf(app.db, id)).slice(-2).map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.approved", "alice", "review"],
      ["upgrade.enqueued", "upgrade-queue", "check"],
    ]);
  });

  it("already in the queue when the merge comes to pass (another replica enqueued it): recorded, nothing enqueued again", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    config(null);
    readPull(12, { head: SEED_HEAD, branch: BRANCH, checks: GREEN, labels: ["upgrade:proposed"], reviews: [{ id: 5, author: "alice", commit: SEED_HEAD, canPush: true }], mergeQueue: { enabled: true, position: 1 } }, { reviews: true });
    stateChange(12, "proposed", "approved");
    expectComment(12, "Added to GitHub's merge queue");
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "alice", state: "approved", id: 5 }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved", queuedSha: SEED_HEAD });
  });

  it("an enqueue answered 502 that GitHub took anyway: the read after it finds the PR queued; recorded once, never enqueued again", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    config(null);
    readPull(12, { head: SEED_HEAD, branch: BRANCH, checks: GREEN, labels: ["upgrade:proposed"], reviews: [{ id: 5, author: "alice", commit: SEED_HEAD, canPush: true }], mergeQueue: { enabled: true } }, { reviews: true });
    nock(API).post("/graphql", (body) => String(body.query).includes("mutation UpgradeQueueEnqueue")).reply(502, { message: "Server Error" });
    readPull(12, { head: SEED_HEAD, branch: BRANCH, checks: GREEN, labels: ["upgrade:proposed"], mergeQueue: { enabled: true, position: 1 } });
    stateChange(12, "proposed", "approved");
    expectComment(12, "Added to GitHub's merge queue for `main` at `ddddddd` (position 1).");
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "alice", state: "approved", id: 5 }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved", queuedSha: SEED_HEAD });
    expect((await eventsOf(app.db, id)).filter((e) => e.type === "upgrade.enqueued")).toHaveLength(1);
  });

  it("`dequeued`: failed with the reason GitHub's timeline gives (the payload's is not read), said on the PR", async () => {
    const id = await seedQueued();
    config(null);
    readPull(12, { head: SEED_HEAD, branch: BRANCH, checks: GREEN, labels: ["upgrade:approved"], mergeQueue: { enabled: true, removal: { reason: "Merge conflict with main" } } });
    stateChange(12, "approved", "failed", (b) => b.conclusion === "failure");
    expectComment(12, "Failed: GitHub's merge queue removed `ddddddd` from the queue for `main`: `Merge conflict with main`", "`/retry`");
    const payload = pullRequest("dequeued", { number: 12, branch: BRANCH, head: SEED_HEAD, sender: "github-merge-queue[bot]" });
    payload.reason = "not what GitHub's timeline says";
    await app.send("pull_request", payload);
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "failed", mergeClaimSha: null, queuedSha: null, errorMessage: "GitHub's merge queue removed ddddddd: Merge conflict with main" });
    expect((await eventsOf(app.db, id)).slice(-2).map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.dequeued", "github-merge-queue[bot]", "pull_request"],
      ["upgrade.failed", "upgrade-queue", "pull_request"],
    ]);
  });

  it("a `dequeued` delivery while the PR is still queued (an old removal, re-queued since) changes nothing", async () => {
    const id = await seedQueued();
    config(null);
    readPull(12, { head: SEED_HEAD, branch: BRANCH, checks: GREEN, labels: ["upgrade:approved"], mergeQueue: { enabled: true, position: 1, removal: { reason: "an earlier removal" } } });
    updateCheckRun(); // the test gate as read now (its summary), nothing else
    await app.send("pull_request", pullRequest("dequeued", { number: 12, branch: BRANCH, head: SEED_HEAD, sender: "github-merge-queue[bot]" }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved", queuedSha: SEED_HEAD });
  });

  it("the queue merges it: `closed` (merged by github-merge-queue[bot]) is the app's own merge, previousSha = the merge commit's first parent", async () => {
    const id = await seedQueued();
    config(null);
    readPull(12, { head: SEED_HEAD, branch: BRANCH, state: "closed", merged: true, mergedBy: "github-merge-queue[bot]", mergeCommit: MERGE, labels: ["upgrade:approved"], mergeQueue: { enabled: true } });
    nockFirstParent(MERGE, BASE_HEAD);
    stateChange(12, "approved", "applied", (b) => b.conclusion === "success");
    expectComment(12, "Applied: merged `ddddddd` into `main` as `ccccccc` (previous head `bbbbbbb`).");
    deleteBranch(BRANCH);
    await app.send("pull_request", pullRequest("closed", { number: 12, branch: BRANCH, head: SEED_HEAD, sender: "github-merge-queue[bot]", merged: true }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", previousSha: BASE_HEAD, mergeCommitSha: MERGE, mergeClaimSha: null, queuedSha: null });
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.applied", actor: "upgrade-queue", via: "check" });
  });

  it("GitHub refuses the enqueue because the head moved: approvals of the old head no longer count", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    config(null);
    readPull(12, { head: SEED_HEAD, branch: BRANCH, checks: GREEN, labels: ["upgrade:proposed"], reviews: [{ id: 5, author: "alice", commit: SEED_HEAD, canPush: true }], mergeQueue: { enabled: true } }, { reviews: true });
    enqueueMutation(12, SEED_HEAD, { error: "Head branch was modified. Review and try the merge again." });
    updateCheckRun(); // proposed → approved → proposed within the pass: the label never changes
    expectComment(12, "Not merged: the branch head moved away from the approved commit `ddddddd`");
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "alice", state: "approved", id: 5 }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "proposed", mergeClaimSha: null, queuedSha: null });
  });
});

/** `GET /git/commits/:sha`: the merge commit and its first parent. */
function nockFirstParent(commit: string, parent: string): void {
  nock(API).get(`/repos/acme/agent/git/commits/${commit}`).reply(200, { sha: commit, parents: [{ sha: parent }] });
}
