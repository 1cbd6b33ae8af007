/**
 * Rejections, refused approvals, the test gate blocking a merge, invalid config, and deliveries
 * that must cost nothing: signed webhooks in, exact GitHub requests out (nock).
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, checkRun, comment, labeled, pullRequest, push, review, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { readPull, setLabels } from "../rules/github.js";

const repoPath = `/repos/${FULL}`;
const BRANCH = "self-modify/cache";
const CONFIG = /\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/;

useNock();

let app: TestApp;
useTestApp((created) => (app = created), () => {
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
});

function noConfig() {
  nock(API).get(CONFIG).reply(404, { message: "Not Found" });
}

function permission(login: string, level: string) {
  nock(API).get(`${repoPath}/collaborators/${login}/permission`).reply(200, { permission: level === "maintain" ? "write" : level === "triage" ? "read" : level, role_name: level, user: { login } });
}

/** The state label moves to `to` (one PUT: `from` is what the pass read on the PR), and the check run follows. */
function stateChange(from: string, to: string, checkRun: (body: Record<string, any>) => boolean) {
  void from; // the PUT replaces it: named for the reader
  setLabels(12, [`upgrade:${to}`]);
  nock(API).patch(`${repoPath}/check-runs/77`, checkRun).reply(200, { id: 77 });
}

function expectComment(...parts: string[]) {
  nock(API)
    .post(`${repoPath}/issues/12/comments`, (body) => parts.every((part) => body.body.includes(part)))
    .reply(201, { id: 1 });
}

/**
 * A review pass reads the head's test gate too. The seeded upgrade has none recorded yet, so its
 * check run now shows what GitHub has: no checks yet (no event: the gate is still pending).
 */
function gateReadFirstTime() {
  nock(API).patch(`${repoPath}/check-runs/77`, (b) => b.output.summary.includes("no checks reported yet")).reply(200, { id: 77 });
}

const deleteBranch = () => nock(API).delete(/\/repos\/acme\/agent\/git\/refs\/heads(%2F|\/)self-modify(%2F|\/)cache/).reply(204);

describe("rejection", () => {
  it("closing the PR unmerged rejects it", async () => {
    const id = await seedUpgrade(app.db);
    noConfig();
    // The delivery is a reason to look: GitHub says the PR is closed now.
    readPull(12, { head: SEED_HEAD, branch: BRANCH, state: "closed", labels: ["upgrade:proposed"] });
    stateChange("proposed", "rejected", (b) => b.conclusion === "failure" && b.output.title === "Rejected");
    deleteBranch();
    await app.send("pull_request", pullRequest("closed", { number: 12, branch: BRANCH, head: SEED_HEAD, sender: "alice", labels: ["upgrade:proposed"] }));
    expectAllMocksUsed();
    const events = await eventsOf(app.db, id);
    expect(events.at(-1)).toMatchObject({ type: "upgrade.rejected", actor: "alice", via: "close" });
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("rejected");
  });

  it("/reject with a reason from an approver rejects, says why, closes the PR and deletes the branch", async () => {
    const id = await seedUpgrade(app.db);
    noConfig();
    permission("alice", "write");
    // The labels are read from GitHub right before the state label changes.
    readPull(12, { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:proposed"] });
    stateChange("proposed", "rejected", (b) => b.conclusion === "failure");
    expectComment("Rejected by @alice", "caches forever");
    nock(API).patch(`${repoPath}/pulls/12`, { state: "closed" }).reply(200, {});
    deleteBranch();
    await app.send("issue_comment", comment({ number: 12, login: "alice", body: "Thanks, but no.\n/reject caches forever" }));
    expectAllMocksUsed();
    expect(await eventsOf(app.db, id)).toContainEqual(expect.objectContaining({ type: "upgrade.rejected", actor: "alice", via: "comment", details: JSON.stringify({ reason: "caches forever" }) }));
  });

  it("the upgrade:rejected label from an approver rejects", async () => {
    const id = await seedUpgrade(app.db);
    noConfig();
    permission("alice", "admin");
    // GitHub shows both state labels; the one the person added is the new state's: the app's
    // one request leaves only it.
    readPull(12, { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:proposed", "upgrade:rejected"] });
    setLabels(12, ["upgrade:rejected"]);
    nock(API).patch(`${repoPath}/check-runs/77`).reply(200, { id: 77 });
    expectComment("Rejected by @alice");
    nock(API).patch(`${repoPath}/pulls/12`, { state: "closed" }).reply(200, {});
    deleteBranch();
    const payload = labeled({ number: 12, branch: BRANCH, head: SEED_HEAD, login: "alice", label: "upgrade:rejected" });
    await app.send("pull_request", payload);
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.rejected", actor: "alice", via: "label" });
  });
});

describe("approvals that do not count", () => {
  it.each([
    // The agent and the bot can push (GitHub says so), and are refused all the same.
    { who: "the agent that pushed the commits", login: "agent", type: "User", canPush: true, level: null, reason: "authored, committed or pushed" },
    { who: "a bot", login: "helper[bot]", type: "Bot", canPush: true, level: null, reason: "is a bot account" },
    { who: "a read-only user", login: "rita", type: "User", canPush: false, level: "read", reason: "has read permission" },
    { who: "a triage user", login: "tom", type: "User", canPush: false, level: "triage", reason: "has triage permission" },
  ])("a review by $who is refused with a comment and recorded", async ({ login, type, canPush, level, reason }) => {
    const id = await seedUpgrade(app.db);
    noConfig();
    readPull(12, { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:proposed"], reviews: [{ id: 4242, author: login, commit: SEED_HEAD, canPush }] }, { reviews: true });
    // Only someone GitHub says cannot push has their exact permission looked up (for the refusal).
    if (level) permission(login, level);
    gateReadFirstTime();
    expectComment("`approve` was not accepted", reason);
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: login, state: "approved", type, id: 4242 }));
    expectAllMocksUsed();
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade.status).toBe("proposed");
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.command_denied", actor: login, via: "review" });
    expect(await app.db.approval.count({ where: { upgradeId: id } })).toBe(0);
  });

  it("an upgrade:approved label from a read-only user is refused and removed", async () => {
    const id = await seedUpgrade(app.db);
    noConfig();
    permission("rita", "read");
    nock(API).delete(`${repoPath}/issues/12/labels/upgrade%3Aapproved`).reply(200, []);
    expectComment("`approve` was not accepted", "@rita has read permission");
    await app.send("pull_request", labeled({ number: 12, branch: BRANCH, head: SEED_HEAD, login: "rita", label: "upgrade:approved" }));
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.command_denied", via: "label" });
  });

  it("an approval of an older commit does not count, and the app says so", async () => {
    const id = await seedUpgrade(app.db);
    noConfig();
    // GitHub says alice can push (no permission lookup), and that her review is of an older commit.
    readPull(12, { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:proposed"], reviews: [{ id: 4242, author: "alice", commit: sha("0"), canPush: true }] }, { reviews: true });
    gateReadFirstTime();
    expectComment("does not count");
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "alice", state: "approved", commitId: sha("0"), id: 4242 }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
  });
});

describe("the test gate", () => {
  it("failing checks on the approved commit block the merge: failed, explained, nothing merged", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "pending" } });
    noConfig();
    // The check event is a reason to look: the PR's head and its checks as GitHub has them now.
    readPull(12, { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:approved"], checks: [{ name: "test", conclusion: "failure" }] });
    stateChange("approved", "failed", (b) => b.conclusion === "failure" && b.output.title === "Failed");
    expectComment("Failed", "tests failed");
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "test", conclusion: "failure" }));
    expectAllMocksUsed(); // in particular: no PUT .../merge
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade).toMatchObject({ status: "failed", mergeCommitSha: null });
    expect(upgrade.errorMessage).toContain("tests failed");
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.tests_failed", "upgrade.failed"]);
  });
});

describe("invalid configuration", () => {
  it("a pushed upgrade branch gets a check run naming the bad key, and no PR", async () => {
    nock(API).get(CONFIG).reply(200, "requiredApprovals: 0\nmergeMethod: fast-forward\n");
    // The app asks whether it already reported on this head (one check run per head): not yet.
    nock(API)
      .get(`${repoPath}/commits/${sha("e")}/check-runs`)
      .query({ check_name: "Upgrade Queue", app_id: "1", per_page: "1" })
      .reply(200, { total_count: 0, check_runs: [] });
    nock(API)
      .post(`${repoPath}/check-runs`, (b) => b.head_sha === sha("e") && b.conclusion === "action_required" && b.output.summary.includes("`requiredApprovals`") && b.output.summary.includes("`mergeMethod`"))
      .reply(201, { id: 5 });
    await app.send("push", push({ branch: "self-modify/new", after: sha("e"), message: "New thing", pusher: "agent" }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.count()).toBe(0);
  });

  it("an existing upgrade is reported on its check run and PR once, and nothing else happens", async () => {
    const id = await seedUpgrade(app.db);
    nock(API).get(CONFIG).reply(200, "autoApprove:\n  afterHours: soon\n");
    nock(API).patch(`${repoPath}/check-runs/77`, (b) => b.conclusion === "action_required" && b.output.summary.includes("`autoApprove.afterHours`")).reply(200, { id: 77 });
    expectComment("takes no action", "`autoApprove.afterHours`");
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "alice", state: "approved" }));
    expectAllMocksUsed();
    // The same problem again: the check run is refreshed, but no second comment.
    nock(API).patch(`${repoPath}/check-runs/77`).reply(200, { id: 77 });
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "bob", state: "approved" }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
    expect(await app.db.approval.count()).toBe(0);
  });
});

describe("deliveries that are not about upgrades", () => {
  it("a fork's PR from a self-modify branch makes no GitHub request and no write", async () => {
    nock.cleanAll(); // not even an installation token
    await app.send("pull_request", pullRequest("opened", { number: 3, branch: "self-modify/evil", head: sha("f"), sender: "mallory", fork: true }));
    expectAllMocksUsed();
    expect(await app.db.delivery.count()).toBe(0);
    expect(await app.db.upgrade.count()).toBe(0);
  });

  it("a PR from another branch makes no GitHub request once the repository's config is known", async () => {
    noConfig();
    await app.send("pull_request", pullRequest("opened", { number: 4, branch: "feature/login", head: sha("1"), sender: "alice" }));
    expectAllMocksUsed(); // the first delivery of a repository reads its config once
    await app.send("pull_request", pullRequest("opened", { number: 5, branch: "feature/logout", head: sha("2"), sender: "alice" }));
    await app.send("check_run", checkRun({ head: sha("3"), name: "test", conclusion: "success" }));
    await app.send("issue_comment", comment({ number: 5, login: "alice", body: "/approve" }));
    expectAllMocksUsed();
    expect(await app.db.delivery.count()).toBe(0);
    expect(await app.db.upgrade.count()).toBe(0);
  });
});
