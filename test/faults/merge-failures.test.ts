/**
 * What GitHub's merge (GraphQL `mergePullRequest`) answers, and what the app makes of it: a 5xx
 * is not an answer (the merge may have happened: read the PR before trying again), a refusal
 * because the head moved (recorded as 409) means the approval no longer holds, any other refusal
 * (recorded as 405) means GitHub refuses (failed, explained).
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, comment, review, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { type PullSpec, mergeMutation, readPull, setLabels } from "../rules/github.js";

const repoPath = `/repos/${FULL}`;
const BRANCH = "self-modify/cache";
const BASE_HEAD = sha("b");
const MERGE = sha("c");
const MERGE_INPUT = { expectedHeadOid: SEED_HEAD, mergeMethod: "SQUASH", commitHeadline: "Teach the agent to cache embeddings (#12)" };
/** The PR as GitHub has it: open, green on the approved head, the app's own check run 77. */
const OPEN: PullSpec = { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:proposed"], checks: [{ name: "test", conclusion: "success" }], ownCheckRun: 77 };

useNock();

let app: TestApp;
useTestApp((created) => (app = created), () => {
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
  nock(API).get(/\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/).reply(404, { message: "Not Found" });
  // The review's read of the PR: green, and GitHub says alice can push (no permission read).
  // The merge decides from this read.
  readPull(12, { ...OPEN, reviews: [{ id: 501, author: "alice", commit: SEED_HEAD, canPush: true }] }, { reviews: true });
});

/** The PR read after a merge answered 5xx: did GitHub merge it anyway? */
function readAfterFailure(merged: boolean) {
  readPull(12, merged ? { ...OPEN, state: "closed", merged: true, mergedBy: "upgrade-queue[bot]", mergeCommit: MERGE, labels: ["upgrade:approved"] } : OPEN);
}

/** The label set from the review's read (`upgrade:proposed` replaced) in one PUT, check run, comment. */
function expectPresented(to: string, checkRun: (b: Record<string, any>) => boolean, ...comment: string[]) {
  setLabels(12, [`upgrade:${to}`]);
  nock(API).patch(`${repoPath}/check-runs/77`, checkRun).reply(200, { id: 77 });
  nock(API).post(`${repoPath}/issues/12/comments`, (b) => comment.every((part) => b.body.includes(part))).reply(201, { id: 1 });
}

/** After a lost merge answer, previousSha is read from the merge commit's first parent. */
function mergeCommitRead() {
  nock(API).get(`${repoPath}/git/commits/${MERGE}`).reply(200, { sha: MERGE, tree: { sha: sha("t") }, parents: [{ sha: BASE_HEAD }] });
}

function expectApplied() {
  expectPresented("applied", (b) => b.conclusion === "success" && b.output.title === "Applied", "Approved by @alice", "Applied: merged");
  nock(API).delete(/\/repos\/acme\/agent\/git\/refs\/heads(%2F|\/)self-modify(%2F|\/)cache/).reply(204);
}

const approve = () => app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "alice", state: "approved", id: 501 }));

describe("a merge answered 5xx", () => {
  it("500, 500, then 200: the PR is read between attempts, merged once, recorded applied", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    // Interleaved: each 500 is followed by a read of the PR (not merged), then a new attempt.
    mergeMutation(12, MERGE_INPUT, { status: 500 });
    readAfterFailure(false);
    mergeMutation(12, MERGE_INPUT, { status: 500 });
    readAfterFailure(false);
    // The answer names the merge commit's first parent: previousSha needs no further read.
    mergeMutation(12, MERGE_INPUT, { merged: MERGE, parent: BASE_HEAD });
    expectApplied();
    await approve();
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", mergeCommitSha: MERGE, previousSha: BASE_HEAD, mergeClaimSha: null });
    const events = await eventsOf(app.db, id);
    expect(events.map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.applied"]);
  });

  it("500 although GitHub did merge: recorded applied from the PR, no second merge", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    mergeMutation(12, MERGE_INPUT, { status: 500 });
    readAfterFailure(true);
    mergeCommitRead();
    expectApplied();
    await approve();
    expectAllMocksUsed(); // a second merge mutation would match no mock
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", mergeCommitSha: MERGE, previousSha: BASE_HEAD });
    expect((await eventsOf(app.db, id)).filter((e) => e.type === "upgrade.applied")).toHaveLength(1);
  });
});

describe("a merge GitHub refuses", () => {
  it("409 (head branch was modified): not merged, back to proposed, approval invalidated, explained", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    mergeMutation(12, MERGE_INPUT, { error: "Head branch was modified. Review and try the merge again." });
    // GitHub says the head moved; the PR read again says so too (its new head is not the approved one).
    readPull(12, { ...OPEN, head: sha("e") });
    // Approved and back to proposed in one pass: the label stays `upgrade:proposed`; the
    // check run and one comment tell the story.
    nock(API).patch(`${repoPath}/check-runs/77`, (b) => b.status === "in_progress").reply(200, { id: 77 });
    nock(API)
      .post(`${repoPath}/issues/12/comments`, (b) => b.body.includes("Not merged") && b.body.includes("Head branch was modified") && b.body.includes("no longer count"))
      .reply(201, { id: 1 });
    await approve();
    expectAllMocksUsed(); // no retry of the merge
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade).toMatchObject({ status: "proposed", approvedSha: null, mergeCommitSha: null, mergeClaimSha: null });
    expect(JSON.parse(upgrade.approvedBy)).toEqual([]);
    const events = await eventsOf(app.db, id);
    expect(events.map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.approval_invalidated"]);
    expect(JSON.parse(events[2]!.details)).toMatchObject({ approvedSha: SEED_HEAD });
  });

  it("409 while the PR's head is still the approved SHA (GitHub refused twice all the same): failed, approvals kept, /retry offered", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    mergeMutation(12, MERGE_INPUT, { error: "Head branch was modified. Review and try the merge again." });
    readPull(12, OPEN);
    expectPresented("failed", (b) => b.conclusion === "failure" && b.output.title === "Failed", "Failed", "Head branch was modified", "/retry");
    await approve();
    expectAllMocksUsed(); // no retry of the merge within the pass
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade).toMatchObject({ status: "failed", approvedSha: SEED_HEAD, mergeClaimSha: null });
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.failed"]);
  });

  it("405 (not mergeable): failed with the error message, explained", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    mergeMutation(12, MERGE_INPUT, { error: "Pull Request is not mergeable" });
    expectPresented("failed", (b) => b.conclusion === "failure" && b.output.title === "Failed", "Failed", "Pull Request is not mergeable", "/retry");
    await approve();
    expectAllMocksUsed();
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade).toMatchObject({ status: "failed", mergeCommitSha: null, mergeClaimSha: null });
    expect(upgrade.errorMessage).toContain("405");
    expect(upgrade.errorMessage).toContain("Pull Request is not mergeable");
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.failed"]);
  });

  it("405 from branch protection (it wants approving reviews, counting no comment or label): failed, and the PR comment names the rule and what would satisfy it", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    const refusal = "At least 2 approving reviews are required by reviewers with write access.";
    mergeMutation(12, MERGE_INPUT, { error: refusal });
    expectPresented(
      "failed",
      (b) => b.conclusion === "failure",
      `Failed: \`GitHub refused the merge: 405: ${refusal}\``,
      "Branch protection on `main` refused the merge: it requires approving pull request reviews. To satisfy it:",
      "GitHub counts only APPROVED reviews",
    );
    await approve();
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "failed", errorMessage: `GitHub refused the merge: 405: ${refusal}` });
  });
});
