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
  readPull,
  setLabels,
  stateChange,
  token,
  updateCheckRun,
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
    // The PR as GitHub has it once opened: no checks on the head yet, no labels.
    readPull(12, { head: HEAD, branch: BRANCH });
    setLabels(12, ["upgrade:proposed"]);
    createCheckRun(HEAD, 77);
    await app.send("push", push({ branch: BRANCH, after: HEAD, message: "Fix the crash on start\n\nThe agent crashed.\n\nUpgrade-Urgency: urgent", pusher: "agent" }));
    expectAllMocksUsed();
    const { id, urgent } = await app.db.upgrade.findFirstOrThrow({ where: { repository: FULL, pullNumber: 12 } });
    expect(urgent).toBe(true);

    // Tests are never bypassed: failing, then running again.
    checks(12, HEAD, [{ name: "test", conclusion: "failure" }], [], ["upgrade:proposed"]);
    updateCheckRun();
    await app.send("check_run", checkRun({ head: HEAD, name: "test", conclusion: "failure" }));
    expectAllMocksUsed();
    checks(12, HEAD, [{ name: "test", status: "in_progress" }], [], ["upgrade:proposed"]);
    updateCheckRun();
    await app.send("check_run", checkRun({ head: HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");

    // Green: bypassed and merged, with nobody's approval.
    checks(12, HEAD, [{ name: "test", conclusion: "success" }], [], ["upgrade:proposed"]);
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
    // The check is on the head of all three: each PR is read.
    for (const pull of [12, 13, 14]) checks(pull, SEED_HEAD, [{ name: "test", conclusion: "success" }], [], ["upgrade:proposed"]);
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
    checks(12, SEED_HEAD, [{ name: "test", conclusion: "success" }], [], ["upgrade:proposed"]);
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

    checks(12, sha("1"), [{ name: "test", conclusion: "success" }], [], ["upgrade:proposed"]);
    merge(12, { sha: sha("1") }, MERGE, { parent: BASE_HEAD, gate: "fresh" });
    stateChange(12, "proposed", "applied");
    expectComment(12, "**Urgent:**");
    deleteBranch("self-modify/cache");
    await app.send("check_run", checkRun({ head: sha("1"), name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: first } })).status).toBe("applied");

    checks(13, sha("2"), [{ name: "test", conclusion: "success" }], [], ["upgrade:proposed"]);
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
  /** The merged PR as GitHub has it now. */
  const merged = { head: SEED_HEAD, branch: "self-modify/cache", merged: true, mergeCommit: MERGE, labels: ["upgrade:applied"] };
  it.each([
    {
      channel: "review",
      // The review's read says alice can push: enough for an unguarded upgrade, no permission request.
      github: () => readPull(12, { ...merged, reviews: [{ id: 4242, author: "alice", commit: SEED_HEAD, canPush: true }] }, { reviews: true }),
      send: () => app.send("pull_request_review", review({ number: 12, branch: "self-modify/cache", head: SEED_HEAD, reviewer: "alice", state: "approved", id: 4242 })),
    },
    { channel: "comment", github: () => permission("alice", "write"), send: () => app.send("issue_comment", comment({ number: 12, login: "alice", body: "Looked at it: fine.\n/approve" })) },
    {
      channel: "label",
      github: () => {
        permission("alice", "write");
        // The labels as GitHub has them: the accepted label sits beside the state label.
        readPull(12, { ...merged, labels: ["upgrade:applied", "upgrade:approved"] });
      },
      send: () => {
        const payload = labeled({ number: 12, branch: "self-modify/cache", head: SEED_HEAD, login: "alice", label: "upgrade:approved" });
        payload.pull_request.labels = [{ id: 1, name: "upgrade:applied" }, { id: 2, name: "upgrade:approved" }];
        return app.send("pull_request", payload);
      },
    },
  ])("an approver's $channel records upgrade.post_approved and clears bypassed", async ({ channel, github, send }) => {
    const id = await seedUrgent({ status: "applied", approvedSha: SEED_HEAD, mergeCommitSha: MERGE, previousSha: BASE_HEAD, bypassed: true });
    config(URGENT);
    github();
    updateCheckRun((b) => b.output.title === "Applied");
    expectComment(12, "@alice approved this urgent upgrade after the fact.");
    // The accepted label must not stay beside the state label: the state label is set alone.
    if (channel === "label") setLabels(12, ["upgrade:applied"]);
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
    for (const [i, head] of heads.entries()) checks(12 + i, head, [{ name: "test", conclusion: "success" }], [], ["upgrade:proposed"]);
    // Whichever two win the budget are merged; every other request may repeat.
    const merged: number[] = [];
    const comments: Array<{ pull: number; body: string }> = [];
    nock(API)
      .post("/graphql", (body) => String(body.query).includes("mutation UpgradeQueueMerge"))
      .reply((_uri, body) => {
        const input = (body as { variables: { input: { pullRequestId: string; expectedHeadOid: string } } }).variables.input;
        const pull = Number(input.pullRequestId.replace("PR_", ""));
        expect(input.expectedHeadOid).toBe(heads[pull - 12]);
        merged.push(pull);
        const mergeCommit = { oid: sha(String(pull - 12 + 6)), parents: { nodes: [{ oid: BASE_HEAD }] } };
        return [200, { data: { mergePullRequest: { pullRequest: { merged: true, mergeCommit } } } }];
      })
      .persist();
    nock(API).put(/\/issues\/\d+\/labels$/).reply(200, []).persist();
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
