/**
 * What GitHub's merge API answers, and what the app makes of it: a 5xx is not an answer (the
 * merge may have happened: read the PR before trying again), a 409 means the head moved (the
 * approval no longer holds), a 405 means GitHub refuses (failed, explained).
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, comment, review, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { checks } from "../rules/github.js";

const repoPath = `/repos/${FULL}`;
const BRANCH = "self-modify/cache";
const BASE_HEAD = sha("b");
const MERGE = sha("c");
const MERGE_BODY = { sha: SEED_HEAD, merge_method: "squash", commit_title: "Teach the agent to cache embeddings (#12)" };

useNock();

let app: TestApp;
useTestApp((created) => (app = created), () => {
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
  nock(API).get(/\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/).reply(404, { message: "Not Found" });
  nock(API).get(`${repoPath}/collaborators/alice/permission`).reply(200, { permission: "write", role_name: "write", user: { login: "alice" } });
  // The gate, read again just before merging (the approval, not test results, starts the merge).
  checks(SEED_HEAD, [{ name: "test", conclusion: "success" }]);
});

function pull(merged: boolean) {
  return {
    number: 12,
    state: merged ? "closed" : "open",
    merged,
    merged_at: merged ? "2026-11-20T10:00:00Z" : null,
    merged_by: merged ? { login: "upgrade-queue[bot]", type: "Bot" } : null,
    merge_commit_sha: merged ? MERGE : null,
    head: { ref: BRANCH, sha: SEED_HEAD, repo: { full_name: FULL } },
    base: { ref: "main", sha: BASE_HEAD, repo: { full_name: FULL } },
    labels: [{ name: "upgrade:approved" }],
  };
}

function expectPresented(from: string, to: string, checkRun: (b: Record<string, any>) => boolean, ...comment: string[]) {
  nock(API).post(`${repoPath}/issues/12/labels`, { labels: [`upgrade:${to}`] }).reply(200, []);
  nock(API).delete(`${repoPath}/issues/12/labels/upgrade%3A${from}`).reply(200, []);
  nock(API).patch(`${repoPath}/check-runs/77`, checkRun).reply(200, { id: 77 });
  nock(API).post(`${repoPath}/issues/12/comments`, (b) => comment.every((part) => b.body.includes(part))).reply(201, { id: 1 });
}

function expectApplied() {
  // previousSha is read from the merge commit's first parent, not from a head read before merging.
  nock(API).get(`${repoPath}/git/commits/${MERGE}`).reply(200, { sha: MERGE, tree: { sha: sha("t") }, parents: [{ sha: BASE_HEAD }] });
  expectPresented("proposed", "applied", (b) => b.conclusion === "success" && b.output.title === "Applied", "Approved by @alice", "Applied: merged");
  nock(API).delete(/\/repos\/acme\/agent\/git\/refs\/heads(%2F|\/)self-modify(%2F|\/)cache/).reply(204);
}

const approve = () => app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "alice", state: "approved" }));

describe("a merge answered 5xx", () => {
  it("500, 500, then 200: the PR is read between attempts, merged once, recorded applied", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    // Interleaved: each 500 is followed by a read of the PR (not merged), then a new attempt.
    nock(API).put(`${repoPath}/pulls/12/merge`, MERGE_BODY).reply(500, { message: "Server Error" });
    nock(API).get(`${repoPath}/pulls/12`).reply(200, pull(false));
    nock(API).put(`${repoPath}/pulls/12/merge`, MERGE_BODY).reply(500, { message: "Server Error" });
    nock(API).get(`${repoPath}/pulls/12`).reply(200, pull(false));
    nock(API).put(`${repoPath}/pulls/12/merge`, MERGE_BODY).reply(200, { sha: MERGE, merged: true });
    expectApplied();
    await approve();
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", mergeCommitSha: MERGE, previousSha: BASE_HEAD, mergeClaimSha: null });
    const events = await eventsOf(app.db, id);
    expect(events.map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.applied"]);
  });

  it("500 although GitHub did merge: recorded applied from the PR, no second PUT", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    nock(API).put(`${repoPath}/pulls/12/merge`, MERGE_BODY).reply(500, { message: "Server Error" });
    nock(API).get(`${repoPath}/pulls/12`).reply(200, pull(true));
    expectApplied();
    await approve();
    expectAllMocksUsed(); // a second PUT would match no mock
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", mergeCommitSha: MERGE, previousSha: BASE_HEAD });
    expect((await eventsOf(app.db, id)).filter((e) => e.type === "upgrade.applied")).toHaveLength(1);
  });
});

describe("a merge GitHub refuses", () => {
  it("409 (head branch was modified): not merged, back to proposed, approval invalidated, explained", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    nock(API).put(`${repoPath}/pulls/12/merge`, MERGE_BODY).reply(409, { message: "Head branch was modified. Review and try the merge again." });
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

  it("405 (not mergeable): failed with the error message, explained", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    nock(API).put(`${repoPath}/pulls/12/merge`, MERGE_BODY).reply(405, { message: "Pull Request is not mergeable" });
    expectPresented("proposed", "failed", (b) => b.conclusion === "failure" && b.output.title === "Failed", "Failed", "Pull Request is not mergeable", "/retry");
    await approve();
    expectAllMocksUsed();
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade).toMatchObject({ status: "failed", mergeCommitSha: null, mergeClaimSha: null });
    expect(upgrade.errorMessage).toContain("405");
    expect(upgrade.errorMessage).toContain("Pull Request is not mergeable");
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.failed"]);
  });

  it("405 from branch protection (it wants an approving review; the approval was a comment): failed, and the PR comment names the rule and what would satisfy it", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    const refusal = "At least 1 approving review is required by reviewers with write access.";
    nock(API).put(`${repoPath}/pulls/12/merge`, MERGE_BODY).reply(405, { message: refusal, documentation_url: "https://docs.github.com/articles/about-protected-branches" });
    expectPresented(
      "proposed",
      "failed",
      (b) => b.conclusion === "failure",
      `Failed: \`GitHub refused the merge: 405: ${refusal}\``,
      "Branch protection on `main` refused the merge: it requires approving pull request reviews. To satisfy it:",
      "GitHub counts only APPROVED reviews",
    );
    await app.send("issue_comment", comment({ number: 12, login: "alice", body: "/approve" }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "failed", errorMessage: `GitHub refused the merge: 405: ${refusal}` });
  });
});
