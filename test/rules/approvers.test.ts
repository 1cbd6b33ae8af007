/**
 * Who may approve, end to end (CONTRACT §2 "Who may do what"): guarded upgrades need
 * `guardedApprovals` admin/maintain approvers, the `approvers` list grants a read-only user, and
 * the agent's own accounts (pusher, commit author or committer, PR author) never count, even
 * with write access. Signed webhooks in, exact GitHub requests out.
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { expectAllMocksUsed, useNock } from "../support/nock.js";
import { FULL, comment, labeled, pullRequest, push, review, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { config, createCheckRun, expectComment, permission, pullContents, readPull, setLabels, stateChange, token, updateCheckRun } from "./github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created), token);

const HEAD = sha("a");

/** An agent opens PR `number` from `branch` changing `files`: the app adopts it. */
async function adopt(number: number, branch: string, files: string[], options: { author?: string; commitAuthor?: string } = {}) {
  const author = options.author ?? "agent";
  // The PR as GitHub has it now (its author among the non-approvers): open, no checks, no labels.
  // Read once: the adoption decides from the read the delivery made.
  readPull(number, { head: HEAD, branch, author });
  pullContents(
    number,
    files.map((filename) => ({ filename, additions: 3 })),
    [{ sha: HEAD, message: "Change things", author: options.commitAuthor ?? "agent", committer: options.commitAuthor ?? "agent" }],
  );
  setLabels(number, ["upgrade:proposed"]);
  createCheckRun(HEAD, 70 + number);
  await app.send("pull_request", pullRequest("opened", { number, branch, head: HEAD, sender: author }));
  expectAllMocksUsed();
  return app.db.upgrade.findFirstOrThrow({ where: { repository: FULL, pullNumber: number } });
}

/**
 * The PR read a review delivery makes (with its reviews): `login`'s review `id` of `head`, and
 * whether GitHub says they can push. A guarded upgrade still looks their permission up.
 */
function reviewRead(number: number, branch: string, head: string, login: string, id: number, canPush: boolean) {
  readPull(number, { head, branch, labels: ["upgrade:proposed"], reviews: [{ id, author: login, commit: head, canPush }] }, { reviews: true });
}

describe("guarded upgrades", () => {
  it("a change under .github/** needs two admin/maintain approvals; a write approval is recorded but does not count", async () => {
    config(null);
    const upgrade = await adopt(12, "self-modify/ci", [".github/workflows/ci.yml", "src/agent.ts"]);
    expect(upgrade.guarded).toBe(true);

    // GitHub says wendy can push, but a guarded upgrade needs her exact permission.
    reviewRead(12, "self-modify/ci", HEAD, "wendy", 501, true);
    permission("wendy", "write");
    expectComment(12, "Approval by @wendy recorded: 0 of 2 (this upgrade is guarded: only admin or maintain approvals count).");
    updateCheckRun((b) => b.status === "in_progress" && b.output.summary.includes("0 of 2"), 82);
    await app.send("pull_request_review", review({ number: 12, branch: "self-modify/ci", head: HEAD, reviewer: "wendy", state: "approved", id: 501 }));
    expectAllMocksUsed();

    permission("alice", "admin");
    expectComment(12, "Approval by @alice recorded: 1 of 2.");
    updateCheckRun((b) => b.output.summary.includes("1 of 2 (@alice)"), 82);
    await app.send("issue_comment", comment({ number: 12, login: "alice", body: "/approve" }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: upgrade.id } })).status).toBe("proposed");

    // The second admin/maintain approval (a label from a maintainer) approves it. GitHub shows
    // both state labels; the accepted one is the new state's, and one request leaves only it.
    permission("mona", "maintain");
    readPull(12, { head: HEAD, branch: "self-modify/ci", labels: ["upgrade:proposed", "upgrade:approved"] });
    setLabels(12, ["upgrade:approved"]);
    updateCheckRun((b) => b.output.title === "Approved; waiting for tests and merge", 82);
    expectComment(12, "Approved by @alice, @mona at `aaaaaaa`.");
    await app.send("pull_request", labeled({ number: 12, branch: "self-modify/ci", head: HEAD, login: "mona", label: "upgrade:approved" }));
    expectAllMocksUsed(); // no merge: no test results yet

    const approved = await app.db.upgrade.findUniqueOrThrow({ where: { id: upgrade.id } });
    expect(approved).toMatchObject({ status: "approved", approvedSha: HEAD });
    expect(JSON.parse(approved.approvedBy)).toEqual(["alice", "mona"]);
    const events = await eventsOf(app.db, upgrade.id);
    expect(events.map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.proposed", "agent", "pull_request"],
      ["upgrade.approval_added", "wendy", "review"],
      ["upgrade.approval_added", "alice", "comment"],
      ["upgrade.approved", "mona", "label"],
    ]);
  });

  it("two write approvals never approve a guarded upgrade", async () => {
    config(null);
    const upgrade = await adopt(12, "self-modify/ci", [".github/dependabot.yml"]);
    for (const [i, login] of ["wendy", "walt"].entries()) {
      reviewRead(12, "self-modify/ci", HEAD, login, 501 + i, true);
      permission(login, "write");
      expectComment(12, `Approval by @${login} recorded: 0 of 2 (this upgrade is guarded`);
      updateCheckRun(() => true, 82);
      await app.send("pull_request_review", review({ number: 12, branch: "self-modify/ci", head: HEAD, reviewer: login, state: "approved", id: 501 + i }));
      expectAllMocksUsed();
    }
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: upgrade.id } })).status).toBe("proposed");
    expect(await app.db.approval.count({ where: { upgradeId: upgrade.id } })).toBe(2);
  });

  it("a custom guardedPaths replaces the default: src/core/** is guarded, .github/** no longer is", async () => {
    config('guardedPaths:\n  - "src/core/**"\nguardedApprovals: 1\n');
    const core = await adopt(12, "self-modify/brain", ["src/core/brain.ts"]);
    const ci = await adopt(13, "self-modify/ci", [".github/workflows/ci.yml"]);
    expect([core.guarded, ci.guarded]).toEqual([true, false]);

    reviewRead(12, "self-modify/brain", HEAD, "wendy", 501, true);
    permission("wendy", "write");
    expectComment(12, "Approval by @wendy recorded: 0 of 1 (this upgrade is guarded");
    updateCheckRun(() => true, 82);
    await app.send("pull_request_review", review({ number: 12, branch: "self-modify/brain", head: HEAD, reviewer: "wendy", state: "approved", id: 501 }));
    expectAllMocksUsed();

    // Not guarded: GitHub saying she can push is enough, her permission is not looked up.
    reviewRead(13, "self-modify/ci", HEAD, "wendy", 502, true);
    stateChange(13, "proposed", "approved", (b) => b.output.title.startsWith("Approved"), 83);
    expectComment(13, "Approved by @wendy");
    await app.send("pull_request_review", review({ number: 13, branch: "self-modify/ci", head: HEAD, reviewer: "wendy", state: "approved", id: 502 }));
    expectAllMocksUsed();

    reviewRead(12, "self-modify/brain", HEAD, "alice", 503, true);
    permission("alice", "maintain");
    stateChange(12, "proposed", "approved", () => true, 82);
    expectComment(12, "Approved by @alice");
    await app.send("pull_request_review", review({ number: 12, branch: "self-modify/brain", head: HEAD, reviewer: "alice", state: "approved", id: 503 }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.count({ where: { status: "approved" } })).toBe(2);
  });
});

describe("the approvers list", () => {
  it("lets a listed read-only user approve; an unlisted read-only user is refused", async () => {
    const id = await seedUpgrade(app.db);
    config("approvers:\n  - Rita\n");
    permission("ron", "read");
    expectComment(12, "`approve` was not accepted: @ron has read permission");
    await app.send("issue_comment", comment({ number: 12, login: "ron", body: "/approve" }));
    expectAllMocksUsed();

    permission("rita", "read");
    // The labels are read from GitHub right before the state label changes.
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels: ["upgrade:proposed"] });
    stateChange(12, "proposed", "approved");
    expectComment(12, "Approved by @rita at `ddddddd`.");
    await app.send("issue_comment", comment({ number: 12, login: "rita", body: "/approve" }));
    expectAllMocksUsed();
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade).toMatchObject({ status: "approved", approvedSha: SEED_HEAD });
    expect(JSON.parse(upgrade.approvedBy)).toEqual(["rita"]);
    expect((await eventsOf(app.db, id)).map((e) => [e.type, e.actor])).toEqual([
      ["upgrade.proposed", "agent"],
      ["upgrade.command_denied", "ron"],
      ["upgrade.approved", "rita"],
    ]);
  });
});

describe("the agent's own accounts never approve, even with write access or in `approvers`", () => {
  const NEW_HEAD = sha("e");

  async function refused(id: number, login: string, head: string) {
    // GitHub says they can push, which would be enough: their permission is not even looked up.
    reviewRead(12, "self-modify/cache", head, login, 4242, true);
    expectComment(12, `\`approve\` was not accepted: @${login} authored, committed or pushed changes in this upgrade and cannot decide on it.`);
    await app.send("pull_request_review", review({ number: 12, branch: "self-modify/cache", head, reviewer: login, state: "approved", id: 4242 }));
    expectAllMocksUsed();
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade.status).toBe("proposed");
    expect(await app.db.approval.count({ where: { upgradeId: id } })).toBe(0);
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.command_denied", actor: login, via: "review" });
  }

  it("the pusher of a push to the branch (not an author or committer of any commit)", async () => {
    const id = await seedUpgrade(app.db);
    config("approvers:\n  - pat\n");
    const payload = push({ branch: "self-modify/cache", after: SEED_HEAD, before: sha("0"), message: "Cache", pusher: "pat", author: "agent" });
    payload.head_commit.committer.username = "agent";
    payload.commits[0].committer.username = "agent";
    // The push is a reason to look: the PR's head is the same, so only the pusher is remembered.
    // The seeded upgrade has no test gate recorded yet: its check run shows the one read now.
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels: ["upgrade:proposed"] });
    updateCheckRun((b) => b.output.summary.includes("no checks reported yet"));
    await app.send("push", payload);
    expectAllMocksUsed();
    await refused(id, "pat", SEED_HEAD);
  });

  it.each([
    { who: "a commit author", author: "cora", committer: "agent" },
    { who: "a commit committer", author: "agent", committer: "carl" },
  ])("$who of a commit pushed later", async ({ author, committer }) => {
    const id = await seedUpgrade(app.db);
    config(null);
    pullContents(12, [{ filename: "src/cache.ts", additions: 12 }], [
      { sha: SEED_HEAD, author: "agent", committer: "agent" },
      { sha: NEW_HEAD, author, committer },
    ]);
    readPull(12, { head: NEW_HEAD, branch: "self-modify/cache", labels: ["upgrade:proposed"] });
    createCheckRun(NEW_HEAD, 78);
    await app.send("pull_request", pullRequest("synchronize", { number: 12, branch: "self-modify/cache", head: NEW_HEAD, sender: "agent", labels: ["upgrade:proposed"] }));
    expectAllMocksUsed();
    await refused(id, author === "agent" ? committer : author, NEW_HEAD);
  });

  it("the PR's author", async () => {
    config(null);
    const upgrade = await adopt(12, "self-modify/cache", ["src/cache.ts"], { author: "opener", commitAuthor: "agent" });
    expect(JSON.parse(upgrade.nonApprovers)).toEqual(expect.arrayContaining(["opener", "agent"]));
    await refused(upgrade.id, "opener", HEAD);
  });
});
