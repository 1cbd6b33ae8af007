/**
 * Frozen repositories end to end (CONTRACT §2 "Frozen repositories"): `/freeze` by a maintainer
 * on any upgrade's PR holds every merge, auto-approval and urgent bypass of the repository, on
 * every replica sharing the database, even one that had already claimed its merge; a write
 * user's `/freeze` is refused; `/unfreeze` merges the approved green upgrades one at a time in
 * proposal order. Signed webhooks in, exact GitHub requests out.
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { createTestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, checkRun, comment, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { pullAnswer } from "../support/read-pull-mock.js";
import { sweep } from "../../src/timers/sweep.js";
import { readPull, checks, config, expectComment, merge, permission, repoPath, stateChange, token, updateCheckRun } from "./github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created), token);

const MERGE = sha("e");
const BASE = sha("1");
const frozenTitle = (body: Record<string, any>) => body.output?.title === "Frozen by @maya: incident 42";

async function freezeBy(login: string, level: "admin" | "maintain" | "write", pull = 12, text = "/freeze incident 42") {
  permission(login, level);
  await app.send("issue_comment", comment({ number: pull, login, body: text }));
}

async function repositoryEvents() {
  return app.db.upgradeEvent.findMany({ where: { upgradeId: null }, orderBy: { id: "asc" }, select: { type: true, actor: true, via: true, repository: true, pullNumber: true, details: true } });
}

describe("/freeze", () => {
  it("by a maintainer: recorded as repository.frozen, shown on every open upgrade's check run, and an approved green upgrade is not merged", async () => {
    const first = await seedUpgrade(app.db, { pullNumber: 12, testResults: { state: "passed" } });
    await seedUpgrade(app.db, { pullNumber: 13, branchName: "self-modify/other", headSha: sha("2"), checkRunId: `78@${sha("2")}`, status: "approved", approvedSha: sha("2"), approvals: [{ login: "alice", sha: sha("2") }] });
    await seedUpgrade(app.db, { pullNumber: 14, branchName: "self-modify/done", status: "applied", checkRunId: `79@${SEED_HEAD}` });
    config(null);
    expectComment(12, "Frozen by @maya: incident 42. Nothing in this repository is merged, auto-approved or urgent-bypassed until an admin or maintainer comments `/unfreeze`");
    updateCheckRun(frozenTitle, 77);
    updateCheckRun((b) => frozenTitle(b) && b.output.summary.includes("**Frozen by @maya: incident 42**"), 78);
    await freezeBy("maya", "maintain");
    expectAllMocksUsed(); // #14 is applied: its check run is left alone
    expect(await repositoryEvents()).toEqual([
      { type: "repository.frozen", actor: "maya", via: "comment", repository: FULL, pullNumber: null, details: JSON.stringify({ reason: "incident 42" }) },
    ]);
    expect(await app.db.repositoryState.findUniqueOrThrow({ where: { repository: FULL } })).toMatchObject({ frozenBy: "maya", frozenReason: "incident 42" });

    // An approval still approves; the merge waits, and the PR says why.
    permission("alice", "write");
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels: ["upgrade:proposed"], ownCheckRun: 77 }); // the PR as it is, for the state label
    stateChange(12, "proposed", "approved", frozenTitle);
    expectComment(12, "Approved by @alice", "Not merged yet: Frozen by @maya: incident 42. It merges after `/unfreeze`.");
    await app.send("issue_comment", comment({ number: 12, login: "alice", body: "/approve" }));
    expectAllMocksUsed(); // no merge request
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: first } })).status).toBe("approved");
    expect((await eventsOf(app.db, first)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.merge_held"]);

    // A second /freeze changes nothing.
    expectComment(13, "Already frozen: Frozen by @maya: incident 42. Nothing changes.");
    await freezeBy("adam", "admin", 13, "/freeze other");
    expectAllMocksUsed();
    expect(await repositoryEvents()).toHaveLength(1);
  });

  it("by a write user is refused with a comment, and nothing is frozen", async () => {
    const id = await seedUpgrade(app.db);
    config(null);
    expectComment(12, "`/freeze` was not accepted: `/freeze` needs admin or maintain permission; @wendy has write permission.");
    await freezeBy("wendy", "write");
    expectAllMocksUsed();
    expect(await repositoryEvents()).toEqual([]);
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.command_denied", actor: "wendy", via: "comment" });
  });

  it("holds auto-approval by the timer and the urgent bypass when tests pass", async () => {
    const slow = await seedUpgrade(app.db, { pullNumber: 12, testResults: { state: "passed" }, proposedAt: new Date(app.clock.now.getTime() - 5 * 3_600_000) });
    const urgent = await seedUpgrade(app.db, { pullNumber: 13, branchName: "self-modify/urgent", headSha: sha("2"), checkRunId: `78@${sha("2")}`, urgent: true });
    const yaml = "autoApprove:\n  enabled: true\n  afterHours: 1\nurgent:\n  enabled: true\n";
    config(yaml);
    expectComment(12, "Frozen by @maya: incident 42.");
    updateCheckRun(frozenTitle, 77);
    updateCheckRun(frozenTitle, 78);
    await freezeBy("maya", "maintain");
    expectAllMocksUsed();

    await sweep(app.queue.deps, app.queue.processor);
    expectAllMocksUsed(); // nothing auto-approved
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: slow } })).status).toBe("proposed");

    checks(13, sha("2"), [{ name: "test", conclusion: "success" }], [], ["upgrade:proposed"]);
    updateCheckRun(frozenTitle, 78);
    await app.send("check_run", checkRun({ head: sha("2"), name: "test", conclusion: "success" }));
    expectAllMocksUsed(); // tests passed, no bypass, no merge
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id: urgent } })).toMatchObject({ status: "proposed", bypassed: false });
    expect(await app.db.upgradeEvent.count({ where: { type: "upgrade.urgent_bypass" } })).toBe(0);
  });

  it("a freeze that lands after the merge was claimed (another replica) holds it right before the merge call", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "passed" } });
    config(null);
    // The gate is read again before merging; meanwhile a maintainer freezes on another replica.
    nock(API)
      .post("/graphql", (body) => typeof body.query === "string" && body.query.includes("query UpgradeQueuePull"))
      .reply(async () => {
        await app.db.repositoryState.create({ data: { repository: FULL, installationId: 1, frozenBy: "maya", frozenReason: "incident 42", frozenAt: app.clock.now } });
        return [200, pullAnswer(12, { head: SEED_HEAD, branch: "self-modify/cache", labels: ["upgrade:approved"], checks: [{ name: "test", conclusion: "success" }] }, false)];
      });
    permission("bob", "write");
    updateCheckRun(frozenTitle, 77);
    expectComment(12, "Not merged yet: Frozen by @maya: incident 42. It merges after `/unfreeze`.");
    await app.send("issue_comment", comment({ number: 12, login: "bob", body: "/apply" }));
    expectAllMocksUsed(); // no merge request
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved", mergeClaimSha: null });
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.apply_requested", "upgrade.merge_held"]);
  });
});

describe("/unfreeze", () => {
  it("merges the approved green upgrades one at a time, in proposal order", async () => {
    await app.db.repositoryState.create({ data: { repository: FULL, installationId: 1, frozenBy: "maya", frozenReason: "incident 42", frozenAt: app.clock.now } });
    const later = await seedUpgrade(app.db, { pullNumber: 12, status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "passed" }, proposedAt: new Date("2026-11-20T09:30:00Z") });
    const earlier = await seedUpgrade(app.db, {
      pullNumber: 13,
      branchName: "self-modify/first",
      headSha: sha("2"),
      checkRunId: `78@${sha("2")}`,
      status: "approved",
      approvedSha: sha("2"),
      approvals: [{ login: "alice", sha: sha("2") }],
      testResults: { state: "passed" },
      proposedAt: new Date("2026-11-20T08:00:00Z"),
    });
    const waiting = await seedUpgrade(app.db, { pullNumber: 14, branchName: "self-modify/wait", headSha: sha("3"), checkRunId: `79@${sha("3")}` });
    config(null);
    expectComment(14, "Unfrozen by @adam. Approved upgrades whose tests passed merge one at a time, in the order they were proposed.");
    for (const [pull, head, checkRunId] of [[13, sha("2"), 78], [12, SEED_HEAD, 77]] as const) {
      merge(pull, { sha: head }, MERGE, { parent: BASE, gate: "reread" });
      stateChange(pull, "approved", "applied", (b) => b.output.title === "Applied", checkRunId);
      expectComment(pull, "Applied: merged");
      nock(API).delete(new RegExp(`/repos/acme/agent/git/refs/heads(%2F|/)self-modify(%2F|/)${pull === 13 ? "first" : "cache"}$`)).reply(204);
    }
    updateCheckRun((b) => b.output.title === "Waiting for approval", 79);
    permission("adam", "admin");
    await app.send("issue_comment", comment({ number: 14, login: "adam", body: "/unfreeze" }));
    expectAllMocksUsed();
    // One at a time, earliest proposal first: #13's merge was recorded before #12's began.
    const applied = await app.db.upgradeEvent.findMany({ where: { type: { in: ["upgrade.applied", "upgrade.merge_held"] } }, orderBy: { id: "asc" }, select: { pullNumber: true, type: true } });
    expect(applied).toEqual([{ pullNumber: 13, type: "upgrade.applied" }, { pullNumber: 12, type: "upgrade.applied" }]);
    for (const id of [earlier, later]) expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("applied");
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: waiting } })).status).toBe("proposed");
    expect((await repositoryEvents()).map((e) => [e.type, e.actor, e.via, e.pullNumber])).toEqual([["repository.unfrozen", "adam", "comment", null]]);
    expect(await app.db.repositoryState.findUniqueOrThrow({ where: { repository: FULL } })).toMatchObject({ frozenAt: null, frozenBy: null });
  });
});

describe("two replicas", () => {
  it("a freeze made on one replica holds the merge that a delivery to the other would make", async () => {
    const second = await createTestApp({ databaseUrl: app.databaseUrl });
    try {
      const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
      config(null);
      expectComment(12, "Frozen by @maya");
      updateCheckRun(frozenTitle, 77);
      await freezeBy("maya", "maintain");
      expectAllMocksUsed();

      token(); // and its own installation token
      config(null); // the second replica reads its own config
      permission("alice", "write");
      readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels: ["upgrade:proposed"], ownCheckRun: 77 }); // the PR as it is, for the state label
      stateChange(12, "proposed", "approved", frozenTitle);
      expectComment(12, "Approved by @alice", "Not merged yet: Frozen by @maya: incident 42.");
      await second.send("issue_comment", comment({ number: 12, login: "alice", body: "/approve" }));
      expectAllMocksUsed(); // no merge
      expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("approved");
    } finally {
      await second.close();
    }
  });
});
