/**
 * Reconciliation works from a list of pull requests taken before it looks at each upgrade: the
 * app may have closed a PR since (expiry on another replica). It reopens an upgrade only when
 * the PR is open now, not because the snapshot said so.
 */
import { describe, expect, it } from "vitest";
import { evaluateTestGate } from "../../src/domain/test-gate.js";
import { reconcile } from "../../src/timers/reconcile.js";
import { BOT_LOGIN, type TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL } from "../support/payloads.js";
import { readPull } from "../support/read-pull-mock.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";

const repoPath = `/repos/${FULL}`;
useNock();

let app: TestApp;
useTestApp((created) => (app = created), () => {
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
  nock(API).get("/installation/repositories").query(true).reply(200, { total_count: 1, repositories: [{ full_name: FULL, private: true, default_branch: "main" }] });
  nock(API).get(/\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/).reply(404, { message: "Not Found" });
});

const pull = (state: "open" | "closed") => ({
  number: 12,
  node_id: "PR_12",
  state,
  title: "Teach the agent to cache embeddings",
  body: "",
  user: { login: "upgrade-queue[bot]", type: "Bot" },
  head: { ref: "self-modify/cache", sha: SEED_HEAD, repo: { full_name: FULL } },
  base: { ref: "main", repo: { full_name: FULL } },
  labels: [{ name: "upgrade:expired" }],
  merged_at: null,
  updated_at: "2026-11-20T09:45:00Z",
});

function listed() {
  nock(API).get(`${repoPath}/pulls`).query((q) => q.state === "open").reply(200, [pull("open")]);
  nock(API).get(`${repoPath}/pulls`).query((q) => q.state === "closed").reply(200, []);
}

it("an upgrade expired after the list was taken stays expired", async () => {
  const id = await seedUpgrade(app.db, { status: "expired" });
  listed();
  // The PR read again, as GitHub has it now: closed (by the expiry on another replica).
  readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", state: "closed", labels: ["upgrade:expired"] });
  await reconcile(app.queue.deps, [1]);
  expectAllMocksUsed();
  expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("expired");
  expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed"]);
});

it("an expired upgrade whose PR a person reopened while the app was down is proposed again", async () => {
  const id = await seedUpgrade(app.db, { status: "expired" });
  listed();
  // The PR read again, as GitHub has it now: open, still labelled expired, no checks yet.
  readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", state: "open", labels: ["upgrade:expired"] });
  // One request replaces the expired label with the proposed one.
  nock(API).put(`${repoPath}/issues/12/labels`, { labels: ["upgrade:proposed"] }).reply(200, []);
  // The gate read with the PR (no checks yet) shows on the check run.
  nock(API).patch(`${repoPath}/check-runs/77`, (b) => b.output.summary.includes("no checks reported yet")).reply(200, { id: 77 });
  await reconcile(app.queue.deps, [1]);
  expectAllMocksUsed();
  expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
  expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.reopened", actor: "reconcile", via: "reconcile" });
});

describe("a closed upgrade's state label", () => {
  const closedListed = (labels: string[]) => {
    nock(API).get(`${repoPath}/pulls`).query((q) => q.state === "open").reply(200, []);
    nock(API).get(`${repoPath}/pulls`).query((q) => q.state === "closed").reply(200, [{ ...pull("closed"), labels: labels.map((name) => ({ name })) }]);
  };
  const changedAt = (id: number, at: Date) => app.db.upgrade.update({ where: { id }, data: { updatedAt: at } });

  it("lost (the write failed, or a person removed it) is put back from the PR as it is now", async () => {
    const id = await seedUpgrade(app.db, { status: "rejected" });
    await changedAt(id, new Date(app.clock.now.getTime() - 10 * 60_000));
    closedListed(["bug", "upgrade:proposed"]);
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", state: "closed", labels: ["bug", "upgrade:proposed"] });
    nock(API).put(`${repoPath}/issues/12/labels`, { labels: ["bug", "upgrade:rejected"] }).reply(200, []);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed"]);
    expect(await app.queue.deps.store.lastReconciled(FULL)).not.toBeNull();
  });

  it("right already: no request beyond the list", async () => {
    const id = await seedUpgrade(app.db, { status: "rejected" });
    await changedAt(id, new Date(app.clock.now.getTime() - 10 * 60_000));
    closedListed(["upgrade:rejected"]);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
  });

  it("changed in the last two minutes (its own pass may be setting it): left alone, and the PR listed again next time", async () => {
    const id = await seedUpgrade(app.db, { status: "rejected" });
    await changedAt(id, new Date(app.clock.now.getTime() - 30_000));
    closedListed([]);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect(await app.queue.deps.store.lastReconciled(FULL)).toBeNull();
  });
});

describe("a decision label whose webhook was lost", () => {
  const minutesAgo = (m: number) => new Date(app.clock.now.getTime() - m * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const openListed = (labels: string[]) => {
    nock(API).get(`${repoPath}/pulls`).query((q) => q.state === "open").reply(200, [{ ...pull("open"), labels: labels.map((name) => ({ name })) }]);
    nock(API).get(`${repoPath}/pulls`).query((q) => q.state === "closed").reply(200, []);
  };
  /** GitHub's issue events of PR 12: who added which label, when. */
  const labelEvents = (events: Array<{ label: string; login: string; type?: string; at: string }>) =>
    nock(API)
      .get(`${repoPath}/issues/12/events`)
      .query({ per_page: "100" })
      .reply(
        200,
        events.map((e, i) => ({ id: 900 + i, event: "labeled", label: { name: e.label, color: "ededed" }, actor: { login: e.login, type: e.type ?? "User" }, created_at: e.at })),
      );
  /**
   * The pass of alice's `upgrade:rejected` label, as its webhook's would be: her permission, the PR
   * read (showing `labels`), the state label, the check run, the comment, the close, the branch.
   */
  const alicesRejectPass = (labels: string[]) => {
    nock(API).get(`${repoPath}/collaborators/alice/permission`).reply(200, { permission: "write", role_name: "write", user: { login: "alice" } });
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels });
    nock(API).put(`${repoPath}/issues/12/labels`, { labels: ["upgrade:rejected"] }).reply(200, []);
    nock(API).patch(`${repoPath}/check-runs/77`, (b) => b.conclusion === "failure" || b.output?.title?.startsWith("Rejected")).reply(200, { id: 77 });
    nock(API).post(`${repoPath}/issues/12/comments`, { body: "Rejected by @alice." }).reply(201, { id: 1 });
    nock(API).patch(`${repoPath}/pulls/12`, { state: "closed" }).reply(200, { number: 12, state: "closed" });
    nock(API).delete(`${repoPath}/git/refs/heads%2Fself-modify%2Fcache`).reply(204);
  };
  /** An upgrade that has seen its head's gate as the read shows it (no checks yet), settled ten minutes ago. */
  const settled = async (headSince: Date | null = null) => {
    const id = await seedUpgrade(app.db);
    const testResults = JSON.stringify(evaluateTestGate(SEED_HEAD, [], []));
    await app.db.upgrade.update({ where: { id }, data: { testResults, headSince, updatedAt: new Date(app.clock.now.getTime() - 10 * 60_000) } });
    return id;
  };

  it("upgrade:rejected added by an approver: GitHub's events name her, and the upgrade is rejected as her label's webhook would have done", async () => {
    const id = await settled();
    const labels = ["upgrade:proposed", "upgrade:rejected"];
    openListed(labels);
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels });
    labelEvents([
      { label: "upgrade:proposed", login: "upgrade-queue[bot]", type: "Bot", at: minutesAgo(30) },
      { label: "upgrade:rejected", login: "alice", at: minutesAgo(5) },
    ]);
    alicesRejectPass(labels);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("rejected");
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.rejected", actor: "alice", via: "label" });
  });

  it("upgrade:approved added before the head moved: it approved an older commit, so it does not count, and the label goes", async () => {
    const id = await settled(new Date(minutesAgo(6)));
    const labels = ["upgrade:proposed", "upgrade:approved"];
    openListed(labels);
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels });
    labelEvents([{ label: "upgrade:approved", login: "alice", at: minutesAgo(8) }]);
    nock(API).get(`${repoPath}/collaborators/alice/permission`).reply(200, { permission: "write", role_name: "write", user: { login: "alice" } });
    nock(API).post(`${repoPath}/issues/12/comments`, (b) => b.body.startsWith("@alice's `upgrade:approved` label was added before `ddddddd` became the head")).reply(201, { id: 1 });
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels });
    nock(API).put(`${repoPath}/issues/12/labels`, { labels: ["upgrade:proposed"] }).reply(200, []);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "proposed", approvedSha: null });
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.approval_stale", actor: "alice", via: "label" });
  });

  it("upgrade:rejected added by another bot: refused as its webhook would have been (bots never decide), and the label goes", async () => {
    const id = await settled();
    const labels = ["upgrade:proposed", "upgrade:rejected"];
    openListed(labels);
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels });
    labelEvents([{ label: "upgrade:rejected", login: "renovate[bot]", type: "Bot", at: minutesAgo(20) }]);
    nock(API).delete(`${repoPath}/issues/12/labels/upgrade%3Arejected`).reply(200, []);
    nock(API).post(`${repoPath}/issues/12/comments`, { body: "`reject` was not accepted: @renovate[bot] is a bot account; only people can decide on upgrades." }).reply(201, { id: 1 });
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.command_denied", actor: "renovate[bot]", via: "label" });
  });

  it("two lost labels, another bot's upgrade:approved and an approver's upgrade:rejected: one reconciliation decides both, each in a pass of its own", async () => {
    const id = await settled();
    const events = [
      { label: "upgrade:approved", login: "renovate[bot]", type: "Bot", at: minutesAgo(20) },
      { label: "upgrade:rejected", login: "alice", at: minutesAgo(5) },
    ];
    openListed(["upgrade:proposed", "upgrade:approved", "upgrade:rejected"]);
    // First look: the bot's label is refused and taken off.
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels: ["upgrade:proposed", "upgrade:approved", "upgrade:rejected"] });
    labelEvents(events);
    nock(API).delete(`${repoPath}/issues/12/labels/upgrade%3Aapproved`).reply(200, []);
    nock(API).post(`${repoPath}/issues/12/comments`, { body: "`approve` was not accepted: @renovate[bot] is a bot account; only people can decide on upgrades." }).reply(201, { id: 1 });
    // Second look, at once: alice's label rejects the upgrade as its webhook would have.
    const left = ["upgrade:proposed", "upgrade:rejected"];
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels: left });
    labelEvents(events);
    alicesRejectPass(left);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("rejected");
    expect((await eventsOf(app.db, id)).slice(1).map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.command_denied", "renovate[bot]", "label"],
      ["upgrade.rejected", "alice", "label"],
    ]);
  });

  // As a Bot, and as a User: known by its login, not only by the type GitHub gives the actor.
  it.each(["Bot", "User"])("added by the app itself (its replacing write failed; actor type %s): put right, nothing decided", async (type) => {
    const id = await settled();
    const labels = ["upgrade:approved", "upgrade:proposed"];
    openListed(labels);
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels });
    labelEvents([{ label: "upgrade:approved", login: BOT_LOGIN, type, at: minutesAgo(20) }]);
    nock(API).put(`${repoPath}/issues/12/labels`, { labels: ["upgrade:proposed"] }).reply(200, []);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed"]);
  });

  // The app's login unknown (GET /app failed at start): a bot's decision label can only be the
  // app's own, put right as such, rather than refused as another bot's.
  it("added by a bot while the app's login is unknown: taken as the app's own, put right, nothing decided", async () => {
    const id = await settled();
    const labels = ["upgrade:approved", "upgrade:proposed"];
    openListed(labels);
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels });
    labelEvents([{ label: "upgrade:approved", login: "renovate[bot]", type: "Bot", at: minutesAgo(20) }]);
    nock(API).put(`${repoPath}/issues/12/labels`, { labels: ["upgrade:proposed"] }).reply(200, []);
    await reconcile({ ...app.queue.deps, botLogin: null }, [1]);
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed"]);
  });

  it("added a minute ago: its webhook may be on the way, so it is left to it", async () => {
    const id = await settled();
    const labels = ["upgrade:proposed", "upgrade:rejected"];
    openListed(labels);
    readPull(12, { head: SEED_HEAD, branch: "self-modify/cache", labels });
    labelEvents([{ label: "upgrade:rejected", login: "alice", at: minutesAgo(1) }]);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
  });
});
