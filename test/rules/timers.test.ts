/**
 * The timers, driven through `sweep()` as the interval does it: expiry after `expireAfterHours`
 * (fractions), auto-approval of low-risk upgrades (and not when guarded, too large, objected
 * to, untested or too early), pruning by `retentionDays` (0 keeps all), and two replicas
 * sweeping the same database at once (two test apps sharing one database): each upgrade expires
 * once and is auto-approved and merged once.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sweep } from "../../src/timers/sweep.js";
import { type TestApp, createTestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { expectAllMocksUsed, useNock } from "../support/nock.js";
import { FULL, review, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { closePull, config, deleteBranch, expectComment, merge, readPull, stateChange, token, updateCheckRun } from "./github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created), token);

const at = (time: string) => new Date(`2026-11-20T${time}:00Z`);
const runSweep = (which: TestApp = app) => sweep(which.queue.deps, which.queue.processor);
const BASE_HEAD = sha("b");
const MERGE = sha("c");

function expiryRequests(pull: number, branch: string, hours: string, checkRunId = 77) {
  readPull(pull, { head: SEED_HEAD, branch, labels: ["upgrade:proposed"] }); // the labels as GitHub has them, to change the state label
  stateChange(pull, "proposed", "expired", (b) => b.status === "completed" && b.conclusion === "cancelled" && b.output.title === "Expired", checkRunId);
  expectComment(pull, `Expired: no decision within ${hours} hours. Reopen the pull request to propose it again.`);
  closePull(pull);
  deleteBranch(branch);
}

function autoApproveAndMergeRequests(pull: number, branch: string, checkRunId = 77) {
  merge(pull, { sha: SEED_HEAD }, MERGE, { parent: BASE_HEAD, gate: "reread", labels: ["upgrade:proposed"] });
  stateChange(pull, "proposed", "applied", (b) => b.conclusion === "success", checkRunId);
  expectComment(pull, "Auto-approved: low-risk (10 changed lines, not guarded), tests passed", "Applied: merged `ddddddd`");
  deleteBranch(branch);
}

describe("expiry", () => {
  it("a proposal expires after expireAfterHours (1.5): PR closed with a comment, branch deleted; approved upgrades never expire", async () => {
    const id = await seedUpgrade(app.db, { proposedAt: at("09:00") });
    const approved = await seedUpgrade(app.db, { pullNumber: 13, branchName: "self-modify/other", status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], proposedAt: at("01:00") });
    config("expireAfterHours: 1.5\n");

    app.clock.now = at("10:29");
    await runSweep();
    expectAllMocksUsed(); // 89 minutes: nothing happens
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");

    app.clock.now = at("10:31");
    expiryRequests(12, "self-modify/cache", "1.5");
    await runSweep();
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "expired", expiredAt: at("10:31") });
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.expired", actor: "expiry", via: "timer", deliveryId: null });

    await runSweep(); // nothing more to do
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).filter((e) => e.type === "upgrade.expired")).toHaveLength(1);
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: approved } })).status).toBe("approved");
  });
});

describe("an invalid config", () => {
  it("stops every timer for that repository: reported once, then no expiry, no pruning and no further request", async () => {
    const id = await seedUpgrade(app.db, { proposedAt: at("01:00") });
    const old = await seedUpgrade(app.db, { pullNumber: 13, status: "applied", proposedAt: at("01:00") });
    await app.db.upgrade.update({ where: { id: old }, data: { updatedAt: new Date("2020-01-01T00:00:00Z") } });
    config("expireAfterHours: 1\nretentionDays: soon\n");
    updateCheckRun((b) => b.conclusion === "action_required" && b.output.summary.includes("`retentionDays`"));
    expectComment(12, "takes no action", "`retentionDays`");
    app.clock.now = at("10:00");
    await runSweep();
    expectAllMocksUsed();

    app.clock.now = at("10:01"); // the config is still cached: the next sweep asks GitHub nothing
    await runSweep();
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
    expect(await app.db.upgrade.count({ where: { id: old } })).toBe(1);
  });
});

describe("auto-approve", () => {
  it("approves (actor auto-approve) and merges only the low-risk, tested, unobjected upgrade once afterHours have passed", async () => {
    const config2h = "autoApprove:\n  enabled: true\n  afterHours: 2\n  maxDiffLines: 50\n";
    const passed = { state: "passed" as const };
    const eligible = await seedUpgrade(app.db, { pullNumber: 12, testResults: passed, proposedAt: at("09:00") });
    const guarded = await seedUpgrade(app.db, { pullNumber: 13, branchName: "self-modify/ci", guarded: true, testResults: passed, proposedAt: at("09:00") });
    const large = await seedUpgrade(app.db, { pullNumber: 14, branchName: "self-modify/big", additions: 45, deletions: 6, testResults: passed, proposedAt: at("09:00") });
    const objected = await seedUpgrade(app.db, { pullNumber: 15, branchName: "self-modify/meh", testResults: passed, proposedAt: at("09:00") });
    const untested = await seedUpgrade(app.db, { pullNumber: 16, branchName: "self-modify/wip", testResults: { state: "pending" }, proposedAt: at("09:00") });
    const recent = await seedUpgrade(app.db, { pullNumber: 17, branchName: "self-modify/new", testResults: passed, proposedAt: at("09:30") });

    // Someone requests changes on #15: that blocks auto-approval for good. (The review's read
    // says bob can push: no permission request. The head's tests still pass.)
    config(config2h);
    readPull(
      15,
      { head: SEED_HEAD, branch: "self-modify/meh", labels: ["upgrade:proposed"], checks: [{ name: "test", conclusion: "success" }], reviews: [{ id: 1515, author: "bob", state: "CHANGES_REQUESTED", commit: SEED_HEAD, canPush: true }] },
      { reviews: true },
    );
    // The read names the check's URL, which the seeded results lack: the check run is refreshed.
    updateCheckRun((b) => b.status === "in_progress" && b.output.summary.includes("passed"));
    await app.send("pull_request_review", review({ number: 15, branch: "self-modify/meh", head: SEED_HEAD, reviewer: "bob", state: "changes_requested", id: 1515 }));
    expectAllMocksUsed();

    app.clock.now = at("10:59");
    config(config2h); // the cached config is older than its five minutes
    await runSweep();
    expectAllMocksUsed(); // too early for all of them

    app.clock.now = at("11:01");
    autoApproveAndMergeRequests(12, "self-modify/cache");
    await runSweep();
    expectAllMocksUsed();

    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id: eligible } })).toMatchObject({ status: "applied", approvedSha: SEED_HEAD, approvedBy: "[]", mergeCommitSha: MERGE });
    expect((await eventsOf(app.db, eligible)).map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.proposed", "agent", "push"],
      ["upgrade.approved", "auto-approve", "timer"],
      ["upgrade.applied", "upgrade-queue", "check"],
    ]);
    for (const id of [guarded, large, objected, untested, recent]) {
      expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
    }

    app.clock.now = at("11:31");
    config(config2h);
    merge(17, { sha: SEED_HEAD }, sha("9"), { parent: MERGE, gate: "reread", labels: ["upgrade:proposed"] });
    stateChange(17, "proposed", "applied", () => true);
    expectComment(17, "Auto-approved");
    deleteBranch("self-modify/new");
    await runSweep();
    expectAllMocksUsed(); // #17's two hours have passed now; the others still wait
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: recent } })).status).toBe("applied");
    expect(await app.db.upgrade.count({ where: { status: "proposed" } })).toBe(4);
  });
});

describe("pruning", () => {
  it("deletes terminal upgrades (with their events and approvals) older than retentionDays; 0 keeps all", async () => {
    const day = 24 * 3_600_000;
    const now = at("10:00");
    const ago = (days: number) => new Date(now.getTime() - days * day);
    const seed = async (pullNumber: number, status: string, daysAgo: number, repository = FULL) => {
      const id = await seedUpgrade(app.db, { pullNumber, status, approvals: [{ login: "alice" }], proposedAt: ago(daysAgo) });
      await app.db.upgrade.update({ where: { id }, data: { repository, updatedAt: ago(daysAgo) } });
      return id;
    };
    const oldApplied = await seed(20, "applied", 31);
    const oldExpired = await seed(21, "expired", 40);
    const oldRolledBack = await seed(22, "rolled_back", 31);
    const recentRejected = await seed(23, "rejected", 29);
    const oldProposed = await seed(24, "proposed", 31);
    const keptElsewhere = await seed(25, "applied", 400, "acme/keep");

    config("retentionDays: 30\nexpireAfterHours: 100000\n");
    config("retentionDays: 0\n", "acme/keep");
    app.clock.now = now;
    const result = await runSweep();
    expectAllMocksUsed();

    expect(result.pruned).toBe(3);
    const left = await app.db.upgrade.findMany({ select: { id: true }, orderBy: { id: "asc" } });
    expect(left.map((u) => u.id)).toEqual([recentRejected, oldProposed, keptElsewhere]);
    for (const id of [oldApplied, oldExpired, oldRolledBack]) {
      expect(await app.db.upgradeEvent.count({ where: { upgradeId: id } })).toBe(0);
      expect(await app.db.approval.count({ where: { upgradeId: id } })).toBe(0);
    }
    expect(await app.db.upgradeEvent.count({ where: { upgradeId: recentRejected } })).toBe(1);
  });
});

describe("two replicas sweeping at once", () => {
  let second: TestApp;
  beforeEach(async () => {
    second = await createTestApp({ databaseUrl: app.databaseUrl });
    token({ optional: true }); // the second app's token (when it does not find the first one cached)
  });
  afterEach(async () => {
    await second.close();
  });

  it("expire each upgrade once and auto-approve and merge once", async () => {
    const expiring = await seedUpgrade(app.db, { pullNumber: 12, proposedAt: at("09:00") });
    const approving = await seedUpgrade(app.db, { pullNumber: 13, branchName: "self-modify/other", testResults: { state: "passed" }, proposedAt: at("10:15"), checkRunId: `78@${SEED_HEAD}` });
    const yaml = "expireAfterHours: 1\nautoApprove:\n  enabled: true\n  afterHours: 0.5\n";
    config(yaml);
    config(yaml); // each replica reads (and caches) the config itself
    expiryRequests(12, "self-modify/cache", "1");
    autoApproveAndMergeRequests(13, "self-modify/other", 78);

    app.clock.now = at("11:00");
    second.clock.now = at("11:00");
    await Promise.all([runSweep(app), runSweep(second)]);
    expectAllMocksUsed(); // exactly one of each request: one comment, one close, one merge

    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: expiring } })).status).toBe("expired");
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: approving } })).status).toBe("applied");
    expect((await eventsOf(app.db, expiring)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.expired"]);
    expect((await eventsOf(app.db, approving)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.applied"]);
  });
});
