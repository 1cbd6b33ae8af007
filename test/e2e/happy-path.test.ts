/**
 * The whole happy path, from signed webhooks in to GitHub requests out: branch pushed -> PR
 * opened -> CI green -> approving review by a writer -> merged with sha = the approved SHA.
 * Every GitHub request is a nock mock with its exact method, path and body.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TestApp, createTestApp } from "../support/app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, checkRun, push, review, sha } from "../support/payloads.js";
import { readPull } from "../support/read-pull-mock.js";
import { mergeMutation } from "../rules/github.js";

const repoPath = `/repos/${FULL}`;
const BRANCH = "self-modify/fix-typo";
const HEAD = sha("a");
const BASE_HEAD = sha("b");
const MERGE = sha("c");

useNock();

function tokenMock() {
  return nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
}

describe("happy path", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  it("proposes, tests, approves and merges the approved SHA, recording every step", async () => {
    // 1. The agent pushes its branch: the app opens the pull request.
    tokenMock();
    const github = nock(API);
    github.get(/\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/).reply(404, { message: "Not Found" });
    github.get(`${repoPath}/compare/main...${HEAD}`).query(true).reply(200, {
      files: [{ filename: "src/greeting.ts", status: "modified", additions: 1, deletions: 1, patch: "@@ -1 +1 @@\n-helo\n+hello" }],
      commits: [{ sha: HEAD, commit: { message: "Fix typo in greeting\n\nThe greeting said helo." }, author: { login: "agent" }, committer: { login: "agent" } }],
    });
    github
      .post(`${repoPath}/pulls`, (body) => {
        expect(body).toMatchObject({ head: BRANCH, base: "main", title: "Fix typo in greeting" });
        expect(body.body).toContain("The greeting said helo.");
        expect(body.body).toContain("**1 file changed**, +1 −1");
        expect(body.body).toContain("/approve");
        return true;
      })
      .reply(201, {
        number: 7,
        node_id: "PR_7",
        title: "Fix typo in greeting",
        body: "",
        state: "open",
        user: { login: "upgrade-queue[bot]", type: "Bot" },
        head: { ref: BRANCH, sha: HEAD, repo: { full_name: FULL } },
        base: { ref: "main", sha: BASE_HEAD, repo: { full_name: FULL } },
        labels: [],
        html_url: `https://github.com/${FULL}/pull/7`,
      });
    // The PR as GitHub has it now: no checks on the head yet, no labels.
    readPull(7, { head: HEAD, branch: BRANCH, title: "Fix typo in greeting" });
    github.put(`${repoPath}/issues/7/labels`, { labels: ["upgrade:proposed"] }).reply(200, []);
    github
      .post(`${repoPath}/check-runs`, (body) => body.name === "Upgrade Queue" && body.head_sha === HEAD && body.status === "in_progress" && body.details_url === "https://queue.example.com/self-modify/queue/1")
      .reply(201, { id: 55 });

    await app.send("push", push({ branch: BRANCH, after: HEAD, message: "Fix typo in greeting\n\nThe greeting said helo.", pusher: "agent" }));
    expectAllMocksUsed();

    /** The PR as GitHub has it: CI's `test` passed on the head (and the app's own run is there). */
    const green = { head: HEAD, branch: BRANCH, title: "Fix typo in greeting", labels: ["upgrade:proposed"], checks: [{ name: "test", conclusion: "success" }], ownCheckRun: 55 };

    // 2. CI goes green on the head commit: the app reads every check on the PR's head.
    readPull(7, green);
    github.patch(`${repoPath}/check-runs/55`, (body) => body.status === "in_progress" && body.output.summary.includes("passed")).reply(200, { id: 55 });

    await app.send("check_run", checkRun({ head: HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();

    // 3. A person who can push approves: the app reads the PR with its reviews (GitHub says the
    // reviewer can push; the test gate is read again, it may have changed since CI reported) and
    // merges exactly the approved SHA.
    readPull(7, { ...green, reviews: [{ id: 4242, author: "alice", commit: HEAD, canPush: true }] }, { reviews: true });
    // The merge answers with the merge commit's first parent: the base head it really went onto.
    mergeMutation(7, { expectedHeadOid: HEAD, mergeMethod: "SQUASH", commitHeadline: "Fix typo in greeting (#7)" }, { merged: MERGE, parent: BASE_HEAD });
    github.put(`${repoPath}/issues/7/labels`, { labels: ["upgrade:applied"] }).reply(200, []);
    github.patch(`${repoPath}/check-runs/55`, (body) => body.status === "completed" && body.conclusion === "success" && body.output.title === "Applied").reply(200, { id: 55 });
    github
      .post(`${repoPath}/issues/7/comments`, (body) => {
        expect(body.body).toContain("Approved by @alice");
        expect(body.body).toContain(`Applied: merged \`${HEAD.slice(0, 7)}\``);
        return true;
      })
      .reply(201, { id: 1 });
    github.delete(/\/repos\/acme\/agent\/git\/refs\/heads(%2F|\/)self-modify(%2F|\/)fix-typo/).reply(204);

    await app.send("pull_request_review", review({ number: 7, branch: BRANCH, head: HEAD, reviewer: "alice", state: "approved", id: 4242 }));
    expectAllMocksUsed();

    const upgrade = await app.db.upgrade.findFirstOrThrow({ where: { repository: FULL, pullNumber: 7 } });
    expect(upgrade).toMatchObject({
      status: "applied",
      headSha: HEAD,
      approvedSha: HEAD,
      previousSha: BASE_HEAD,
      mergeCommitSha: MERGE,
      title: "Fix typo in greeting",
      description: "The greeting said helo.",
      branchName: BRANCH,
      baseBranch: "main",
      additions: 1,
      deletions: 1,
    });
    expect(JSON.parse(upgrade.approvedBy)).toEqual(["alice"]);
    expect(JSON.parse(upgrade.nonApprovers)).toContain("agent");
    const events = await app.db.upgradeEvent.findMany({ where: { upgradeId: upgrade.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.tests_passed", "upgrade.approved", "upgrade.applied"]);
    expect(events.every((e) => e.deliveryId !== null)).toBe(true);
    expect(events.find((e) => e.type === "upgrade.approved")).toMatchObject({ actor: "alice", via: "review" });
  });
});
