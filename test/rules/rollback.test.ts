/**
 * `/rollback` (CONTRACT §2): admin or maintain only; while the base head is still the merge
 * commit, a commit restoring `previousSha`'s tree is added on top of it (GET ref, GET the
 * previous commit, POST git/commits with parents [mergeCommitSha], PATCH ref with force false)
 * and the upgrade is `rolled_back` at once; otherwise a revert PR is opened through GraphQL
 * `revertPullRequest`, linked, and the upgrade is `rolled_back` when that PR merges. A second
 * `/rollback` does nothing more.
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { comment, pullRequest, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { branchHead, config, expectComment, permission, readPull, repoPath, stateChange, token } from "./github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created), () => {
  token();
  config(null);
});

const PREVIOUS = sha("1");
const MERGE = sha("2");
const TREE = sha("3");
const ROLLBACK = sha("4");
const MOVED = sha("5");

const seedApplied = () => seedUpgrade(app.db, { status: "applied", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], previousSha: PREVIOUS, mergeCommitSha: MERGE });
const rollbackBy = (login: string) => app.send("issue_comment", comment({ number: 12, login, body: "/rollback" }));

function restoreCommitRequests(options: { refUpdate: "ok" | "refused" }) {
  nock(API).get(`${repoPath}/git/commits/${PREVIOUS}`).reply(200, { sha: PREVIOUS, tree: { sha: TREE }, parents: [] });
  nock(API)
    .post(`${repoPath}/git/commits`, (body) => {
      expect(body).toEqual({
        message: `Roll back upgrade #12\n\nRestores the tree of ${PREVIOUS}, the head of main before #12 was merged.`,
        tree: TREE,
        parents: [MERGE],
      });
      return true;
    })
    .reply(201, { sha: ROLLBACK, tree: { sha: TREE }, parents: [{ sha: MERGE }] });
  const ref = nock(API).patch(/\/repos\/acme\/agent\/git\/refs\/heads(%2F|\/)main$/, { sha: ROLLBACK, force: false });
  if (options.refUpdate === "ok") ref.reply(200, { ref: "refs/heads/main", object: { sha: ROLLBACK } });
  else ref.reply(422, { message: "Update is not a fast forward" });
}

/** The merged upgrade's PR as GitHub has it now (its node id is what a revert names). */
function mergedPull() {
  readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", merged: true, mergeCommit: MERGE, labels: ["upgrade:applied"] });
}

function revertPullRequests() {
  mergedPull();
  nock(API)
    .post("/graphql", (body) => {
      if (!String(body.query).includes("revertPullRequest")) return false;
      expect(body.query).toContain("revertPullRequest(input: { pullRequestId: $id, title: $title, body: $body })");
      expect(body.variables).toMatchObject({ id: "PR_12", title: "Revert upgrade #12" });
      return true;
    })
    .reply(200, { data: { revertPullRequest: { revertPullRequest: { number: 40, url: "https://github.com/acme/agent/pull/40" } } } });
  expectComment(12, "`main` has moved on since this was merged, so a revert pull request was opened: #40. This upgrade is marked rolled back when it merges.");
}

describe("who may roll back", () => {
  it("a user with write permission is refused with a comment and upgrade.command_denied; nothing is touched", async () => {
    const id = await seedApplied();
    permission("wendy", "write");
    expectComment(12, "`/rollback` was not accepted: `/rollback` needs admin or maintain permission; @wendy has write permission.");
    await rollbackBy("wendy");
    expectAllMocksUsed(); // no ref read, no commit
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("applied");
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.command_denied", actor: "wendy", via: "comment" });
  });
});

describe("the base head is still the merge commit", () => {
  it.each(["admin", "maintain"] as const)("a %s adds a commit restoring previousSha's tree: rolled_back at once, rollbackSha recorded; again does nothing", async (level) => {
    const id = await seedApplied();
    permission("ada", level);
    branchHead("main", MERGE);
    restoreCommitRequests({ refUpdate: "ok" });
    mergedPull(); // the labels as GitHub has them, read to change the state label
    stateChange(12, "applied", "rolled_back", (b) => b.conclusion === "neutral" && b.output.title === "Rolled back");
    expectComment(12, "Rolled back: commit `4444444` on `main` restores `1111111`.");
    await rollbackBy("ada");
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "rolled_back", rollbackSha: ROLLBACK, revertPullNumber: null, rolledBackAt: app.clock.now });
    expect((await eventsOf(app.db, id)).map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.proposed", "agent", "push"],
      ["upgrade.rollback_requested", "ada", "comment"],
      ["upgrade.rolled_back", "upgrade-queue", "comment"],
    ]);

    permission("ada", level);
    expectComment(12, "This upgrade is already rolled back; nothing more to do.");
    await rollbackBy("ada");
    expectAllMocksUsed();
    expect(await eventsOf(app.db, id)).toHaveLength(3);
  });
});

describe("the base has moved on", () => {
  it("opens a revert PR through GraphQL, links it, and is rolled back when that PR merges", async () => {
    const id = await seedApplied();
    permission("ada", "admin");
    branchHead("main", MOVED);
    revertPullRequests();
    await rollbackBy("ada");
    expectAllMocksUsed(); // in particular no git/commits and no ref update
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", revertPullNumber: 40, rollbackSha: null });
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.revert_opened", actor: "upgrade-queue" });

    // Asked again while the revert PR is open: it says so and opens nothing.
    permission("ada", "admin");
    expectComment(12, "A revert pull request is already open: #40.");
    await rollbackBy("ada");
    expectAllMocksUsed();

    // The revert PR closed without merging changes nothing (and is not even looked at).
    await app.send("pull_request", pullRequest("closed", { number: 40, branch: "revert-12-self-modify/cache", head: sha("7"), sender: "ada" }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("applied");

    // Merged: the upgrade is rolled back, named after who merged it.
    mergedPull();
    stateChange(12, "applied", "rolled_back", (b) => b.output.title === "Rolled back");
    await app.send("pull_request", pullRequest("closed", { number: 40, branch: "revert-12-self-modify/cache", head: sha("7"), sender: "max", merged: true }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "rolled_back", revertPullNumber: 40 });
    expect((await eventsOf(app.db, id)).map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.proposed", "agent", "push"],
      ["upgrade.rollback_requested", "ada", "comment"],
      ["upgrade.revert_opened", "upgrade-queue", "comment"],
      ["upgrade.rolled_back", "max", "close"],
    ]);

    permission("ada", "admin");
    expectComment(12, "This upgrade is already rolled back; nothing more to do.");
    await rollbackBy("ada");
    expectAllMocksUsed();
  });

  it("a base that moves between the read and the ref update (422, not forced) falls back to a revert PR", async () => {
    const id = await seedApplied();
    permission("ada", "maintain");
    branchHead("main", MERGE);
    restoreCommitRequests({ refUpdate: "refused" });
    revertPullRequests();
    await rollbackBy("ada");
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", revertPullNumber: 40, rollbackSha: null });
  });
});
