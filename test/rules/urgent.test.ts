/**
 * The urgent bypass (CONTRACT §2): with `urgent.enabled` and the trailer `Upgrade-Urgency: urgent`
 * in the head commit, an upgrade skips the approval (never the tests) within `urgent.maxDiffLines`
 * and `urgent.maxPerDay`, never when guarded; it is logged (`upgrade.urgent_bypass`, actor
 * `urgent-bypass`, `approvedBy` empty, `bypassed: true`), the PR comment asks for a review after
 * the fact, past the budget it waits and says so, and an approval afterwards by any channel
 * records `upgrade.post_approved` and clears `bypassed`.
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, checkRun, comment, labeled, push, review, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import {
  checks,
  compare,
  config,
  createCheckRun,
  createPull,
  deleteBranch,
  expectComment,
  merge,
  permission,
  repoPath,
  stateChange,
  token,
  updateCheckRun,
  baseChecks,
} from "./github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created), token);

const BRANCH = "self-modify/hotfix";
const HEAD = sha("a");
const BASE_HEAD = sha("b");
const MERGE = sha("c");
const URGENT = "urgent:\n  enabled: true\n";

async function seedUrgent(options: Parameters<typeof seedUpgrade>[1] & { bypassed?: boolean } = {}) {
  const { bypassed, ...rest } = options;
  const id = await seedUpgrade(app.db, { urgent: true, ...rest });
  if (bypassed) await app.db.upgrade.update({ where: { id }, data: { bypassed: true } });
  return id;
}

describe("the bypass", () => {
  it("an urgent push waits for a failing and a pending gate, then skips the approval when tests pass: logged, merged, review asked for", async () => {
    config(URGENT);
    compare(HEAD, [{ filename: "src/crash.ts", additions: 4, deletions: 1 }], [{ sha: HEAD, message: "Fix the crash on start\n\nThe agent crashed.\n\nUpgrade-Urgency: urgent" }]);
    createPull(12, BRANCH, HEAD);
    nock(API).post(`${repoPath}/issues/12/labels`, { labels: ["upgrade:proposed"] }).reply(200, []);
    createCheckRun(HEAD, 77);
    await app.send("push", push({ branch: BRANCH, after: HEAD, message: "Fix the crash on start\n\nThe agent crashed.\n\nUpgrade-Urgency: urgent", pusher: "agent" }));
    expectAllMocksUsed();
    const { id, urgent } = await app.db.upgrade.findFirstOrThrow({ where: { repository: FULL, pullNumber: 12 } });
    expect(urgent).toBe(true);

    // Tests are never bypassed: failing, then running again.
    checks(HEAD, [{ name: "test", conclusion: "failure" }]);
    updateCheckRun();
    await app.send("check_run", checkRun({ head: HEAD, name: "test", conclusion: "failure" }));
    expectAllMocksUsed();
    checks(HEAD, [{ name: "test", status: "in_progress" }]);
    updateCheckRun();
    await app.send("check_run", checkRun({ head: HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");

    // Green: bypassed and merged, with nobody's approval.
    checks(HEAD, [{ name: "test", conclusion: "success" }]);
    baseChecks();
    merge(12, { sha: HEAD }, MERGE, { parent: BASE_HEAD, gate: "fresh" });
    stateChange(12, "proposed", "applied", (b) => b.conclusion === "success" && b.output.title === "Applied without approval (urgent)");
    const bodies = expectComment(
      12,
      "**Urgent:** this upgrade skips the approval queue (`Upgrade-Urgency: urgent`); its tests passed. Approvers, please review it after the fact",
      "Applied: merged `aaaaaaa`",
      "This was an urgent bypass: approvers, please review it after the fact.",
    );
    deleteBranch(BRANCH);
    await app.send("check_run", checkRun({ head: HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    expect(bodies).toHaveLength(1);

    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", approvedSha: HEAD, approvedBy: "[]", bypassed: true, mergeCommitSha: MERGE, previousSha: BASE_HEAD });
    const events = await eventsOf(app.db, id);
    expect(events.map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.proposed", "agent", "push"],
      ["upgrade.tests_failed", "upgrade-queue", "check"],
      ["upgrade.tests_passed", "upgrade-queue", "check"],
      ["upgrade.urgent_bypass", "urgent-bypass", "check"],
      ["upgrade.approved", "urgent-bypass", "check"],
      ["upgrade.applied", "upgrade-queue", "check"],
    ]);
    expect(JSON.parse(events[3]!.details)).toMatchObject({ sha: HEAD, bypassesToday: 1, maxPerDay: 3 });
    expect(JSON.parse(events[4]!.details)).toMatchObject({ approvedBy: [] });
  });

  it("is not granted to a guarded upgrade or one over urgent.maxDiffLines; one exactly at it is", async () => {
    const guarded = await seedUrgent({ pullNumber: 12, guarded: true });
    const large = await seedUrgent({ pullNumber: 13, branchName: "self-modify/big", additions: 150, deletions: 51, checkRunId: `78@${SEED_HEAD}` });
    const fine = await seedUrgent({ pullNumber: 14, branchName: "self-modify/fine", additions: 150, deletions: 50, checkRunId: `79@${SEED_HEAD}` });
    config(URGENT);
    checks(SEED_HEAD, [{ name: "test", conclusion: "success" }]);
    for (let i = 0; i < 3; i++) baseChecks();
    updateCheckRun(() => true, 77);
    updateCheckRun(() => true, 78);
    // #14 is exactly at urgent.maxDiffLines (200): bypassed (and merged).
    merge(14, { sha: SEED_HEAD }, MERGE, { parent: BASE_HEAD, gate: "fresh" });
    stateChange(14, "proposed", "applied", () => true, 79);
    expectComment(14, "**Urgent:**");
    deleteBranch("self-modify/fine");
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    for (const id of [guarded, large]) {
      expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
      expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.tests_passed"]);
    }
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: fine } })).status).toBe("applied");
  });

  it("is not granted when urgent is not enabled (the default)", async () => {
    const id = await seedUrgent();
    config(null);
    checks(SEED_HEAD, [{ name: "test", conclusion: "success" }]);
    baseChecks();
    updateCheckRun();
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.tests_passed"]);
  });
});

describe("the daily budget", () => {
  it("counts the bypasses of the last 24 hours; past the budget the upgrade waits and the comment says so", async () => {
    // Two earlier bypasses in this repository: 23 hours ago (counts) and 25 hours ago (does not).
    const earlier = await seedUrgent({ pullNumber: 5, status: "applied", branchName: "self-modify/old" });
    for (const hoursAgo of [23, 25]) {
      await app.db.upgradeEvent.create({
        data: { upgradeId: earlier, repository: FULL, pullNumber: 5, type: "upgrade.urgent_bypass", actor: "urgent-bypass", via: "check", at: new Date(app.clock.now.getTime() - hoursAgo * 3_600_000), details: "{}" },
      });
    }
    const first = await seedUrgent({ pullNumber: 12, headSha: sha("1") });
    const second = await seedUrgent({ pullNumber: 13, headSha: sha("2"), branchName: "self-modify/other", checkRunId: `78@${sha("2")}` });
    config("urgent:\n  enabled: true\n  maxPerDay: 2\n");

    checks(sha("1"), [{ name: "test", conclusion: "success" }]);
    baseChecks();
    nock(API)
      .put(`${repoPath}/pulls/12/merge`, { sha: sha("1"), merge_method: "squash", commit_title: "Teach the agent to cache embeddings (#12)" })
      .reply(200, { sha: MERGE, merged: true });
    nock(API).get(`${repoPath}/git/commits/${MERGE}`).optionally().reply(200, { sha: MERGE, parents: [{ sha: BASE_HEAD }] });
    nock(API).post(`${repoPath}/issues/12/labels`, { labels: ["upgrade:applied"] }).reply(200, []);
    nock(API).delete(`${repoPath}/issues/12/labels/upgrade%3Aproposed`).reply(200, []);
    nock(API).patch(/\/check-runs\/77$/).reply(200, {});
    expectComment(12, "**Urgent:**");
    deleteBranch("self-modify/cache");
    await app.send("check_run", checkRun({ head: sha("1"), name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: first } })).status).toBe("applied");

    checks(sha("2"), [{ name: "test", conclusion: "success" }]);
    baseChecks();
    updateCheckRun((b) => b.status === "in_progress", 78);
    expectComment(13, "This upgrade is marked urgent, but 2 urgent bypasses already happened in this repository in the last 24 hours. It waits for approval like any other upgrade.");
    await app.send("check_run", checkRun({ head: sha("2"), name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id: second } })).toMatchObject({ status: "proposed", bypassed: false });
    expect((await eventsOf(app.db, second)).map((e) => [e.type, e.actor])).toEqual([
      ["upgrade.proposed", "agent"],
      ["upgrade.tests_passed", "upgrade-queue"],
      ["upgrade.urgent_budget_exhausted", "urgent-bypass"],
    ]);
  });
});

describe("approval after the fact", () => {
  it.each([
    { channel: "review", send: () => app.send("pull_request_review", review({ number: 12, branch: "self-modify/cache", head: SEED_HEAD, reviewer: "alice", state: "approved" })) },
    { channel: "comment", send: () => app.send("issue_comment", comment({ number: 12, login: "alice", body: "Looked at it: fine.\n/approve" })) },
    {
      channel: "label",
      send: () => {
        const payload = labeled({ number: 12, branch: "self-modify/cache", head: SEED_HEAD, login: "alice", label: "upgrade:approved" });
        payload.pull_request.labels = [{ id: 1, name: "upgrade:applied" }, { id: 2, name: "upgrade:approved" }];
        return app.send("pull_request", payload);
      },
    },
  ])("an approver's $channel records upgrade.post_approved and clears bypassed", async ({ channel, send }) => {
    const id = await seedUrgent({ status: "applied", approvedSha: SEED_HEAD, mergeCommitSha: MERGE, previousSha: BASE_HEAD, bypassed: true });
    config(URGENT);
    permission("alice", "write");
    updateCheckRun((b) => b.output.title === "Applied");
    expectComment(12, "@alice approved this urgent upgrade after the fact.");
    // The accepted label must not stay beside the state label.
    if (channel === "label") nock(API).delete(`${repoPath}/issues/12/labels/upgrade%3Aapproved`).reply(200, []);
    await send();
    expectAllMocksUsed();
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(upgrade).toMatchObject({ status: "applied", bypassed: false });
    expect(JSON.parse(upgrade.approvedBy)).toEqual(["alice"]);
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.post_approved", actor: "alice", via: channel });
  });
});

describe("the budget when several go green at once", () => {
  it("never grants more than maxPerDay bypasses", async () => {
    const heads = ["1", "2", "3", "4"].map((c) => sha(c));
    const ids: number[] = [];
    for (const [i, head] of heads.entries()) {
      ids.push(await seedUrgent({ pullNumber: 12 + i, headSha: head, branchName: `self-modify/fix-${i}`, checkRunId: `${77 + i}@${head}` }));
    }
    config("urgent:\n  enabled: true\n  maxPerDay: 2\n");
    for (const head of heads) {
      checks(head, [{ name: "test", conclusion: "success" }]);
      baseChecks();
    }
    // Whichever two win the budget are merged; every other request may repeat.
    const merged: number[] = [];
    const comments: Array<{ pull: number; body: string }> = [];
    nock(API)
      .put(/\/repos\/acme\/agent\/pulls\/\d+\/merge$/)
      .reply((uri) => {
        const pull = Number(/pulls\/(\d+)\//.exec(uri)?.[1]);
        merged.push(pull);
        return [200, { sha: sha(String(pull - 12 + 6)), merged: true }];
      })
      .persist();
    nock(API).get(/\/git\/commits\/[0-9a-f]{40}$/).optionally().reply(200, { parents: [{ sha: BASE_HEAD }] }).persist();
    nock(API).post(/\/issues\/\d+\/labels$/).reply(200, []).persist();
    nock(API).delete(/\/issues\/\d+\/labels\/.+$/).reply(200, []).persist();
    nock(API).patch(/\/check-runs\/\d+$/).reply(200, {}).persist();
    nock(API).delete(/\/git\/refs\/heads(%2F|\/)self-modify.+$/).reply(204).persist();
    nock(API)
      .post(/\/issues\/\d+\/comments$/, (body) => typeof body.body === "string")
      .reply((uri, body) => {
        comments.push({ pull: Number(/issues\/(\d+)\//.exec(uri)?.[1]), body: (body as { body: string }).body });
        return [201, { id: 1 }];
      })
      .persist();

    // The worst case: all four read the day's count before any of them records its bypass.
    const store = app.queue.deps.store;
    const count = store.countUrgentBypasses.bind(store);
    let arrived = 0;
    let release: () => void = () => undefined;
    const allArrived = new Promise<void>((resolve) => (release = resolve));
    (store as { countUrgentBypasses: (...args: Parameters<typeof count>) => Promise<number> }).countUrgentBypasses = async (...args) => {
      const n = await count(...args);
      if (++arrived === heads.length) release();
      await Promise.race([allArrived, new Promise((resolve) => setTimeout(resolve, 2000))]);
      return n;
    };

    await Promise.all(heads.map((head) => app.send("check_run", checkRun({ head, name: "test", conclusion: "success" }))));
    expect(arrived).toBeGreaterThanOrEqual(heads.length);

    const bypasses = await app.db.upgradeEvent.count({ where: { type: "upgrade.urgent_bypass" } });
    const waiting = await app.db.upgradeEvent.count({ where: { type: "upgrade.urgent_budget_exhausted" } });
    expect({ bypasses, waiting, merges: merged.length }).toEqual({ bypasses: 2, waiting: 2, merges: 2 });
    const statuses = await app.db.upgrade.findMany({ where: { id: { in: ids } }, select: { status: true, bypassed: true } });
    expect(statuses.filter((u) => u.status === "applied" && u.bypassed)).toHaveLength(2);
    expect(statuses.filter((u) => u.status === "proposed" && !u.bypassed)).toHaveLength(2);
    expect(comments.filter((c) => c.body.includes("It waits for approval like any other upgrade"))).toHaveLength(2);
    expectAllMocksUsed();
  });
});
