/**
 * A transition is saved, then GitHub fails (or the process dies) before its comment, PR close or
 * branch deletion is done. Those writes are owed (`PendingEffect`, saved with the transition):
 * the sweep does them, once, and only while they still fit the upgrade's state.
 */
import { describe, expect, it } from "vitest";
import { deliverOwedEffects } from "../../src/pipeline/owed-effects.js";
import { sweep } from "../../src/timers/sweep.js";
import { BOT_LOGIN, type TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { review, sha } from "../support/payloads.js";
import { SEED_HEAD, seedUpgrade } from "../support/seed.js";
import { closePull, config, deleteBranch, expectComment, merge, readPull, repoPath, stateChange, token, updateCheckRun } from "../rules/github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created), token);

const at = (time: string) => new Date(`2026-11-20T${time}:00Z`);
const owed = () => app.db.pendingEffect.findMany({ orderBy: { id: "asc" } });

/** The PR as the recovery reads it (GraphQL `UpgradeQueuePull`: state and labels). */
function pullNow(state: "open" | "closed", labels: string[], merged = false) {
  readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", state, merged, mergeCommit: merged ? sha("c") : null, labels });
}

/** The PR read failing with `status` on the first try and Octokit's three retries. */
function pullReadFails(status: number, message: string) {
  nock(API)
    .post("/graphql", (body) => typeof body.query === "string" && body.query.includes("query UpgradeQueuePull") && body.variables?.number === 12)
    .times(4)
    .reply(status, { message });
}

/** The PR's comments since `since`, as the recovery lists them before posting. */
function commentsSince(since: Date, comments: Array<{ login: string; body: string }>) {
  nock(API)
    .get(`${repoPath}/issues/12/comments`)
    .query((q) => q.since === since.toISOString() && q.per_page === "100")
    .reply(200, comments.map((c, i) => ({ id: i + 1, body: c.body, user: { login: c.login } })));
}

describe("owed effects", () => {
  it("an expiry whose PR close fails: the comment is not repeated, the next sweep closes the PR and deletes the branch, then nothing more", async () => {
    const id = await seedUpgrade(app.db, { proposedAt: at("09:00") });
    config("expireAfterHours: 1.5\n");
    app.clock.now = at("10:31");
    // The expiry changes the state label: the PR is read for the labels it has now.
    pullNow("open", ["upgrade:proposed"]);
    stateChange(12, "proposed", "expired", (b) => b.conclusion === "cancelled");
    expectComment(12, "Expired: no decision within 1.5 hours");
    // GitHub keeps failing the close (the first try and Octokit's three retries).
    nock(API).patch(`${repoPath}/pulls/12`, { state: "closed" }).times(4).reply(502, { message: "Bad Gateway" });
    // The failed pass hands what it owes over at once (not after its ten minutes of ownership),
    // so the same sweep tries again: GitHub is still down, and it backs off for a minute.
    pullReadFails(502, "Bad Gateway");
    await sweep(app.queue.deps, app.queue.processor);
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("expired");
    expect((await owed()).map((r) => [r.kind, r.status, r.attempts, r.claimedUntil.toISOString()])).toEqual([
      ["close_pr", "expired", 1, at("10:32").toISOString()],
      ["delete_branch", "expired", 1, at("10:32").toISOString()],
    ]);

    app.clock.now = at("10:32");
    pullNow("open", ["upgrade:expired"]);
    updateCheckRun((b) => b.conclusion === "cancelled");
    closePull(12);
    deleteBranch("self-modify/cache");
    const result = await sweep(app.queue.deps, app.queue.processor);
    expectAllMocksUsed();
    expect(result.owed).toBe(2);
    expect(await owed()).toEqual([]);

    await sweep(app.queue.deps, app.queue.processor); // no request may follow
    expectAllMocksUsed();
  });

  it("a merge whose comment fails: recorded applied, and the recovery posts the Applied comment and deletes the branch", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    config(null);
    // The review's read of the PR: green, and GitHub says alice can push. The merge decides from it.
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels: ["upgrade:proposed"], checks: [{ name: "test", conclusion: "success" }], ownCheckRun: 77, reviews: [{ id: 501, author: "alice", commit: SEED_HEAD, canPush: true }] }, { reviews: true });
    merge(12, { sha: SEED_HEAD }, sha("c"), { parent: sha("b"), gate: "fresh" });
    stateChange(12, "proposed", "applied", (b) => b.conclusion === "success");
    nock(API).post(`${repoPath}/issues/12/comments`).times(4).reply(500, { message: "Server Error" });
    await app.send("pull_request_review", review({ number: 12, branch: "self-modify/cache", head: SEED_HEAD, reviewer: "alice", state: "approved", id: 501 }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", mergeCommitSha: sha("c") });
    expect((await owed()).map((r) => r.kind)).toEqual(["comment", "comment", "delete_branch"]);

    pullNow("closed", ["upgrade:applied"], true);
    updateCheckRun((b) => b.conclusion === "success");
    commentsSince(new Date(app.clock.now.getTime() - 60_000), [{ login: "alice", body: "LGTM" }]);
    const bodies = expectComment(12, "Approved by @alice", "Applied: merged `ddddddd`");
    deleteBranch("self-modify/cache");
    expect(await deliverOwedEffects(app.queue.deps)).toBe(3);
    expectAllMocksUsed();
    expect(bodies).toHaveLength(1);
    expect(await owed()).toEqual([]);
  });

  it("a comment the dead process posted but never crossed off is not posted again", async () => {
    const id = await seedUpgrade(app.db, { status: "rejected" });
    const body = "Rejected by @alice: not like this";
    await app.db.pendingEffect.create({ data: { upgradeId: id, kind: "comment", body, status: "rejected", createdAt: at("09:50"), claimedUntil: at("09:59") } });
    config(null);
    pullNow("closed", ["upgrade:rejected"]);
    updateCheckRun();
    // The agent quoting the text does not count: only the app's own comment does.
    commentsSince(at("09:49"), [
      { login: "agent", body: `> ${body}` },
      { login: BOT_LOGIN, body: `Reject recorded.\n\n${body}` },
    ]);
    expect(await deliverOwedEffects(app.queue.deps)).toBe(1);
    expectAllMocksUsed(); // no POST of the comment
    expect(await owed()).toEqual([]);
  });

  it("a close owed for an expiry is not done once the upgrade was reopened; a lapsed claim is taken over, a live one is not", async () => {
    const id = await seedUpgrade(app.db, { status: "proposed" });
    await app.db.pendingEffect.create({ data: { upgradeId: id, kind: "close_pr", status: "expired", createdAt: at("09:00"), claimedUntil: at("10:05") } });
    expect(await deliverOwedEffects(app.queue.deps)).toBe(0); // its pass may still be at work
    app.clock.now = at("10:06");
    config(null);
    pullNow("open", ["upgrade:proposed"]);
    updateCheckRun();
    expect(await deliverOwedEffects(app.queue.deps)).toBe(1);
    expectAllMocksUsed(); // no PATCH closing the PR
    expect(await owed()).toEqual([]);
  });

  it("GitHub still failing: kept with the error and backed off; dropped after the last attempt", async () => {
    const id = await seedUpgrade(app.db, { status: "expired" });
    await app.db.pendingEffect.create({ data: { upgradeId: id, kind: "delete_branch", status: "expired", createdAt: at("09:00"), claimedUntil: at("09:00") } });
    pullReadFails(503, "Service Unavailable");
    expect(await deliverOwedEffects(app.queue.deps)).toBe(0);
    expectAllMocksUsed();
    const [kept] = await owed();
    expect(kept).toMatchObject({ attempts: 1, claimedUntil: at("10:01") });
    expect(kept!.lastError).toContain("Service Unavailable");

    await app.db.pendingEffect.update({ where: { id: kept!.id }, data: { attempts: 11, claimedUntil: at("10:00") } });
    pullReadFails(503, "Service Unavailable");
    expect(await deliverOwedEffects(app.queue.deps)).toBe(0);
    expectAllMocksUsed();
    expect(await owed()).toEqual([]);
  });
});
