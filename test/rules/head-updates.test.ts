/**
 * Approvals are of one commit (CONTRACT §2): a new push (pull_request synchronize, push, in
 * either order) invalidates them once with `upgrade.approval_invalidated`, an approval of the old
 * head no longer counts, and approving the new head works. And `maxDiffLines`: a proposal (or a
 * new head) over the limit is rejected with the reason, the PR closed, actor `max-diff-lines`.
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { expectAllMocksUsed, useNock } from "../support/nock.js";
import { FULL, comment, pullRequest, push, review, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import {
  closePull,
  compare,
  config,
  createCheckRun,
  createPull,
  deleteBranch,
  expectComment,
  permission,
  pullContents,
  readPull,
  setLabels,
  stateChange,
  token,
  updateCheckRun,
} from "./github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created), token);

const BRANCH = "self-modify/cache";
const NEW_HEAD = sha("e");

function newHeadContents(additions = 12) {
  pullContents(12, [{ filename: "src/cache.ts", additions }], [
    { sha: SEED_HEAD, author: "agent", committer: "agent" },
    { sha: NEW_HEAD, author: "agent", committer: "agent" },
  ]);
}

/** The PR as GitHub has it now: its head is `head`, no checks on it yet. */
function pullNow(head: string, labels: string[]) {
  readPull(12, { head, branch: BRANCH, labels });
}

/** The PR read of a review delivery: `login`'s review of `commit`; GitHub says they can push. */
function reviewRead(login: string, id: number, commit: string) {
  readPull(12, { head: NEW_HEAD, branch: BRANCH, labels: ["upgrade:proposed"], reviews: [{ id, author: login, commit, canPush: true }] }, { reviews: true });
}

function invalidationRequests() {
  setLabels(12, ["upgrade:proposed"]);
  createCheckRun(NEW_HEAD, 78, (b) => b.status === "in_progress" && b.output.summary.includes("0 of 1"));
  expectComment(12, "New commits were pushed (`eeeeeee`): approvals of `ddddddd` no longer count.");
}

const sync = () => pullRequest("synchronize", { number: 12, branch: BRANCH, head: NEW_HEAD, sender: "agent", labels: ["upgrade:approved"] });
const pushNew = () => push({ branch: BRANCH, after: NEW_HEAD, before: SEED_HEAD, message: "Cache more", pusher: "agent" });

describe("approvals are bound to the head SHA", () => {
  it.each([
    { order: "synchronize, then push", first: "pull_request", second: "push" },
    { order: "push, then synchronize", first: "push", second: "pull_request" },
  ])("a new head sends an approved upgrade back to proposed once ($order); the new head can then be approved", async ({ first, second }) => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "pending" } });
    config(null);
    // Either delivery is a reason to look: GitHub has the new head.
    pullNow(NEW_HEAD, ["upgrade:approved"]);
    newHeadContents();
    invalidationRequests();
    await app.send(first, first === "push" ? pushNew() : sync());
    expectAllMocksUsed();
    // The other delivery for the same push looks again, finds the head it already took, and
    // changes nothing: no second head read, no write.
    pullNow(NEW_HEAD, ["upgrade:proposed"]);
    await app.send(second, second === "push" ? pushNew() : sync());
    expectAllMocksUsed();

    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade).toMatchObject({ status: "proposed", headSha: NEW_HEAD, approvedSha: null, approvedBy: "[]" });
    const invalidations = (await eventsOf(app.db, id)).filter((e) => e.type === "upgrade.approval_invalidated");
    expect(invalidations).toHaveLength(1);
    expect(invalidations[0]).toMatchObject({ actor: "agent", via: "push" });
    expect(JSON.parse(invalidations[0]!.details)).toMatchObject({ previousHeadSha: SEED_HEAD, headSha: NEW_HEAD, from: "approved" });

    // An approval of the old head does not count, and the app says so.
    reviewRead("bob", 501, SEED_HEAD);
    expectComment(12, "@bob's approval is of `ddddddd`, not of the head `eeeeeee`, so it does not count.");
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: NEW_HEAD, reviewer: "bob", state: "approved", commitId: SEED_HEAD, id: 501 }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");

    // An approval of the new head approves it.
    reviewRead("alice", 502, NEW_HEAD);
    stateChange(12, "proposed", "approved", (b) => b.output.title.startsWith("Approved"), 78);
    expectComment(12, "Approved by @alice at `eeeeeee`.");
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: NEW_HEAD, reviewer: "alice", state: "approved", id: 502 }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved", approvedSha: NEW_HEAD });
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approval_invalidated", "upgrade.approval_stale", "upgrade.approved"]);
  });

  it("a partly approved upgrade loses its approvals on a new push: the old approval no longer counts", async () => {
    const id = await seedUpgrade(app.db, { approvals: [{ login: "alice" }] });
    config("requiredApprovals: 2\n");
    pullNow(NEW_HEAD, ["upgrade:proposed"]);
    newHeadContents();
    createCheckRun(NEW_HEAD, 78);
    await app.send("pull_request", pullRequest("synchronize", { number: 12, branch: BRANCH, head: NEW_HEAD, sender: "agent", labels: ["upgrade:proposed"] }));
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.approval_invalidated", actor: "agent" });

    reviewRead("bob", 501, NEW_HEAD);
    expectComment(12, "Approval by @bob recorded: 1 of 2.");
    updateCheckRun(() => true, 78);
    await app.send("pull_request_review", review({ number: 12, branch: BRANCH, head: NEW_HEAD, reviewer: "bob", state: "approved", id: 501 }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
  });
});

describe("a /approve comment approves the head as it was when written", () => {
  it("the agent pushes right after an approver's /approve and the app sees the push first: the comment does not count for the new head; one written after the push does", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "pending" } });
    config(null);
    // GitHub's read after the push: the push bumped the PR's updatedAt to 10:00:10.
    readPull(12, { head: NEW_HEAD, branch: BRANCH, labels: ["upgrade:proposed"], updatedAt: "2026-11-20T10:00:10Z" });
    newHeadContents();
    createCheckRun(NEW_HEAD, 78);
    await app.send("pull_request", pullRequest("synchronize", { number: 12, branch: BRANCH, head: NEW_HEAD, sender: "agent", labels: ["upgrade:proposed"] }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).headSince?.toISOString()).toBe("2026-11-20T10:00:10.999Z");

    // alice's comment was written at 10:00:09, about the old head; its delivery comes late.
    permission("alice", "write");
    expectComment(12, "@alice's `/approve` was written before `eeeeeee` became the head, so it does not count for it.");
    await app.send("issue_comment", comment({ number: 12, login: "alice", body: "/approve", createdAt: "2026-11-20T10:00:09Z" }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "proposed", approvedSha: null });
    const stale = (await eventsOf(app.db, id)).at(-1)!;
    expect(stale).toMatchObject({ type: "upgrade.approval_stale", actor: "alice", via: "comment" });
    expect(JSON.parse(stale.details)).toMatchObject({ headSha: NEW_HEAD, madeAt: "2026-11-20T10:00:09Z", headSince: "2026-11-20T10:00:10.999Z" });

    // Written at 10:00:11, after the push: it approves the new head.
    permission("alice", "write");
    // The labels are read from GitHub right before the state label changes.
    readPull(12, { head: NEW_HEAD, branch: BRANCH, labels: ["upgrade:proposed"], updatedAt: "2026-11-20T10:00:11Z" });
    stateChange(12, "proposed", "approved", (b) => b.output.title.startsWith("Approved"), 78);
    expectComment(12, "Approved by @alice at `eeeeeee`.");
    await app.send("issue_comment", comment({ number: 12, login: "alice", body: "/approve", createdAt: "2026-11-20T10:00:11Z" }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved", approvedSha: NEW_HEAD });
  });
});

describe("maxDiffLines", () => {
  it("a pushed proposal over the limit gets its PR, then is rejected with the reason: closed, branch deleted, actor max-diff-lines", async () => {
    const HEAD = sha("a");
    config("maxDiffLines: 100\n");
    compare(HEAD, [{ filename: "src/big.ts", additions: 80, deletions: 30 }], [{ sha: HEAD, message: "Rewrite everything" }]);
    createPull(12, BRANCH, HEAD);
    // The PR the app just opened, as GitHub has it now: no labels, no checks.
    pullNow(HEAD, []);
    setLabels(12, ["upgrade:rejected"]);
    createCheckRun(HEAD, 77, (b) => b.status === "completed" && b.conclusion === "failure" && b.output.title === "Rejected");
    const bodies = expectComment(12, "Rejected automatically: the diff has 110 changed lines, more than maxDiffLines (100).");
    closePull(12);
    deleteBranch(BRANCH);
    await app.send("push", push({ branch: BRANCH, after: HEAD, message: "Rewrite everything", pusher: "agent" }));
    expectAllMocksUsed();
    expect(bodies).toHaveLength(1);

    const upgrade = await app.db.upgrade.findFirstOrThrow({ where: { repository: FULL, pullNumber: 12 } });
    expect(upgrade).toMatchObject({ status: "rejected", errorMessage: "Rejected: the diff has 110 changed lines, more than maxDiffLines (100)" });
    const events = await eventsOf(app.db, upgrade.id);
    expect(events.map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.proposed", "agent", "push"],
      ["upgrade.rejected", "max-diff-lines", "check"],
    ]);
    expect(JSON.parse(events[1]!.details)).toMatchObject({ lines: 110, maxDiffLines: 100 });
  });

  it("a proposal exactly at the limit stays proposed", async () => {
    const HEAD = sha("a");
    config("maxDiffLines: 100\n");
    compare(HEAD, [{ filename: "src/big.ts", additions: 70, deletions: 30 }], [{ sha: HEAD, message: "Rewrite a lot" }]);
    createPull(12, BRANCH, HEAD);
    pullNow(HEAD, []);
    setLabels(12, ["upgrade:proposed"]);
    createCheckRun(HEAD, 77, (b) => b.status === "in_progress");
    await app.send("push", push({ branch: BRANCH, after: HEAD, message: "Rewrite a lot", pusher: "agent" }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findFirstOrThrow({ where: { pullNumber: 12 } })).status).toBe("proposed");
  });

  it("a new head that grows the diff over the limit is rejected the same way", async () => {
    const id = await seedUpgrade(app.db);
    config("maxDiffLines: 100\n");
    pullNow(NEW_HEAD, ["upgrade:proposed"]);
    newHeadContents(101);
    setLabels(12, ["upgrade:rejected"]);
    createCheckRun(NEW_HEAD, 78, (b) => b.conclusion === "failure");
    expectComment(12, "Rejected automatically: the diff has 101 changed lines, more than maxDiffLines (100).");
    closePull(12);
    deleteBranch(BRANCH);
    await app.send("pull_request", pullRequest("synchronize", { number: 12, branch: BRANCH, head: NEW_HEAD, sender: "agent", labels: ["upgrade:proposed"] }));
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.rejected", actor: "max-diff-lines" });
  });

  it("rejected while another open PR has the same branch as its head (the agent opened a new one): closed, the branch kept (deleting it would close that PR)", async () => {
    const id = await seedUpgrade(app.db);
    config("maxDiffLines: 100\n");
    readPull(12, { head: NEW_HEAD, branch: BRANCH, labels: ["upgrade:proposed"], otherOpenPullsOnHead: [13] });
    newHeadContents(101);
    setLabels(12, ["upgrade:rejected"]);
    createCheckRun(NEW_HEAD, 78, (b) => b.conclusion === "failure");
    expectComment(12, "Rejected automatically");
    closePull(12);
    await app.send("pull_request", pullRequest("synchronize", { number: 12, branch: BRANCH, head: NEW_HEAD, sender: "agent", labels: ["upgrade:proposed"] }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("rejected");
  });
});
