/**
 * One contract for the stores the pipeline uses (src/store/store-ports.ts), run against the
 * in-memory stores and the Prisma stores on the configured database (TEST_DATABASE: SQLite, or
 * PostgreSQL in the second pass), so that the property suite's fast store cannot drift from
 * the real ones.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RecordedEvent } from "../../src/domain/types.js";
import { CLAIM_MS } from "../../src/store/delivery-store.js";
import type { NewUpgrade } from "../../src/store/store-ports.js";
import type { Stores } from "../support/gate-model/app.js";
import { type StoreKit, databaseKit, memoryKit } from "../support/gate-model/stores.js";
import { testDatabaseProvider } from "../support/database.js";

const T0 = new Date("2026-03-01T10:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function upgrade(pullNumber: number, extra: Partial<NewUpgrade> = {}): NewUpgrade {
  return {
    installationId: 1,
    repository: "acme/widgets",
    repositoryPrivate: false,
    pullNumber,
    title: `Upgrade ${pullNumber}`,
    description: "",
    proposedBy: null,
    branchName: `self-modify/u${pullNumber}`,
    baseBranch: "main",
    author: "agent",
    headSha: "a".repeat(40),
    additions: 1,
    deletions: 0,
    files: [{ filename: "src/a.ts", status: "modified", additions: 1, deletions: 0 }],
    diffPreview: "",
    guarded: false,
    urgent: false,
    nonApprovers: ["agent"],
    proposedAt: T0,
    headSince: null,
    ...extra,
  };
}

const proposed: RecordedEvent = { type: "upgrade.proposed", actor: "agent", via: "push", details: { headSha: "a".repeat(40) } };

const kits: Array<[string, () => Promise<StoreKit>]> = [
  ["memory", async () => memoryKit()],
  [testDatabaseProvider(), databaseKit],
];

describe.each(kits)("store contract: %s", (_name, open) => {
  let kit: StoreKit;
  let s: Stores;
  beforeAll(async () => {
    kit = await open();
  });
  afterAll(async () => {
    await kit.close();
  });
  beforeEach(async () => {
    s = (await kit.fresh(() => new Date())).stores;
  });

  it("creates an upgrade once per pull request; the existing one wins", async () => {
    const first = await s.store.create(upgrade(1), [proposed], "d1");
    const again = await s.store.create(upgrade(1, { title: "other" }), [], "d2");
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, record: { id: first.record.id, title: "Upgrade 1" } });
    expect(await s.store.hasProposal(first.record.id)).toBe(true);
    expect(await s.store.hasPull("acme/widgets", 1)).toBe(true);
    expect(await s.store.idsByHeadSha("acme/widgets", "a".repeat(40))).toEqual([first.record.id]);
    expect((await s.store.openByBranch("acme/widgets", "self-modify/u1"))?.id).toBe(first.record.id);
  });

  it("saves a decision only on the version it was made on", async () => {
    const { record } = await s.store.create(upgrade(2), [], null);
    const input = { patch: { status: "approved" as const, approvedSha: "a".repeat(40) }, approvals: [], events: [{ type: "upgrade.approved" as const, actor: "alice", via: "review" as const, details: {} }], deliveryId: "d9", at: at(1) };
    expect(await s.store.save(record, input)).toEqual({ owed: [] });
    expect(await s.store.save(record, input)).toBe(false);
    const fresh = await s.store.byId(record.id);
    expect(fresh).toMatchObject({ version: record.version + 1, state: { status: "approved", approvedSha: "a".repeat(40) } });
    expect(await s.store.eventsOfDelivery(record.id, "d9")).toEqual([{ type: "upgrade.approved", details: "{}" }]);
    // A decision that writes nothing succeeds without touching the version.
    expect(await s.store.save(fresh!, { patch: {}, approvals: [], events: [], deliveryId: null, at: at(2) })).toEqual({ owed: [] });
    expect((await s.store.byId(record.id))?.version).toBe(record.version + 1);
  });

  it("keeps GitHub's time for the head, from creation and from a new head", async () => {
    const { record } = await s.store.create(upgrade(3, { headSince: at(5) }), [], null);
    expect(record.state.headSince).toEqual(at(5));
    expect(await s.store.save(record, { patch: { headSha: "b".repeat(40), headSince: at(7) }, approvals: [], events: [], deliveryId: null, at: at(8) })).toEqual({ owed: [] });
    expect((await s.store.byId(record.id))?.state).toMatchObject({ headSha: "b".repeat(40), headSince: at(7) });
  });

  it("keeps approvals with the upgrade and refuses the same approval twice", async () => {
    const { record } = await s.store.create(upgrade(3), [], null);
    const approval = { login: "alice", sha: "a".repeat(40), via: "review" as const, permission: "admin" as const, at: at(1) };
    await s.store.save(record, { patch: {}, approvals: [approval], events: [], deliveryId: null, at: at(1) });
    const fresh = (await s.store.byId(record.id))!;
    expect(fresh.state.approvals).toEqual([approval]);
    await expect(s.store.save(fresh, { patch: {}, approvals: [approval], events: [], deliveryId: null, at: at(2) })).rejects.toThrow();
    expect((await s.store.byId(record.id))?.version).toBe(fresh.version);
  });

  it("owes effects until done, and hands lapsed ones to one claimer at a time", async () => {
    const { record } = await s.store.create(upgrade(4), [], null);
    const saved = await s.store.save(record, {
      patch: { status: "rejected" },
      approvals: [],
      events: [],
      deliveryId: null,
      at: at(0),
      owed: { effects: [{ kind: "comment", body: "Rejected." }, { kind: "close_pr" }], status: "rejected", ownedUntil: at(10) },
    });
    expect(saved && saved.owed.length).toBe(2);
    const owed = (saved as { owed: number[] }).owed;
    expect(await s.store.owesClose(record.id)).toBe(true);
    expect(await s.store.claimOwedEffects(at(5), () => at(20), 10)).toEqual([]);
    await s.store.releaseEffects([owed[1]!], at(5));
    const claimed = await s.store.claimOwedEffects(at(6), (attempts) => at(6 + attempts), 10);
    expect(claimed).toEqual([{ id: owed[1], upgradeId: record.id, kind: "close_pr", body: null, status: "rejected", createdAt: at(0), attempts: 1 }]);
    expect(await s.store.claimOwedEffects(at(6), () => at(30), 10)).toEqual([]);
    await s.store.effectsDone(owed);
    expect(await s.store.claimOwedEffects(at(60), () => at(90), 10)).toEqual([]);
    expect(await s.store.owesClose(record.id)).toBe(false);
  });

  it("claims the creation of a head's check run once, until the claim lapses", async () => {
    const { record } = await s.store.create(upgrade(5), [], null);
    const sha = "b".repeat(40);
    expect(await s.store.claimCheckRunCreation(record.id, sha, T0.getTime())).toBe(true);
    expect(await s.store.claimCheckRunCreation(record.id, sha, T0.getTime() + 30_000)).toBe(false);
    expect(await s.store.claimCheckRunCreation(record.id, sha, T0.getTime() + 61_000)).toBe(true);
    await s.store.setCheckRunId(record.id, `77@${sha}`);
    expect(await s.store.claimCheckRunCreation(record.id, sha, T0.getTime() + 999_000)).toBe(false);
    expect((await s.store.byId(record.id))?.checkRunId).toBe(`77@${sha}`);
  });

  it("keeps the urgent budget across upgrades of a repository", async () => {
    const bypass = { type: "upgrade.urgent_bypass" as const, actor: "urgent-bypass", via: "check" as const, details: {} };
    const a = (await s.store.create(upgrade(6), [], null)).record;
    const b = (await s.store.create(upgrade(7), [], null)).record;
    const budget = { since: at(-60 * 24), max: 1 };
    expect(await s.store.save(a, { patch: { status: "approved" }, approvals: [], events: [bypass], deliveryId: null, at: at(1), urgentBudget: budget })).toEqual({ owed: [] });
    expect(await s.store.save(b, { patch: { status: "approved" }, approvals: [], events: [bypass], deliveryId: null, at: at(2), urgentBudget: budget })).toBe(false);
    expect(await s.store.countUrgentBypasses("acme/widgets", at(-1))).toBe(1);
    expect(await s.store.countUrgentBypasses("acme/widgets", at(2))).toBe(0);
  });

  it("answers the timers: undecided upgrades oldest first, stale merge claims (not those the merge queue holds), objections", async () => {
    const late = (await s.store.create(upgrade(8, { proposedAt: at(30) }), [], null)).record;
    const early = (await s.store.create(upgrade(9, { proposedAt: at(10) }), [], null)).record;
    expect((await s.store.dueForTimers(10)).map((u) => u.id)).toEqual([early.id, late.id]);
    await s.store.save(late, { patch: { status: "approved", mergeClaimSha: "a".repeat(40), mergeClaimedAt: at(31) }, approvals: [], events: [], deliveryId: null, at: at(31) });
    expect(await s.store.staleMergeClaims(at(31))).toEqual([]);
    expect(await s.store.staleMergeClaims(at(45))).toEqual([{ id: late.id, installationId: 1, repository: "acme/widgets", pullNumber: 8, sha: "a".repeat(40), claimedAt: at(31) }]);
    // A claim GitHub's merge queue holds is not stale, however old.
    const queued = (await s.store.byId(late.id))!;
    await s.store.save(queued, { patch: { queuedSha: "a".repeat(40) }, approvals: [], events: [], deliveryId: null, at: at(32) });
    expect(await s.store.staleMergeClaims(at(45))).toEqual([]);
    expect((await s.store.byId(late.id))?.state.queuedSha).toBe("a".repeat(40));
    expect(await s.store.hasObjection(early.id)).toBe(false);
    await s.store.save(early, { patch: {}, approvals: [], events: [{ type: "upgrade.changes_requested", actor: "bob", via: "review", details: {} }], deliveryId: null, at: at(11) });
    expect(await s.store.hasObjection(early.id)).toBe(true);
  });

  it("records a config problem once per distinct error", async () => {
    const { record } = await s.store.create(upgrade(10), [], null);
    expect(await s.store.recordConfigProblem(record, "bad key")).toBe(true);
    expect(await s.store.recordConfigProblem(record, "bad key")).toBe(false);
    expect(await s.store.recordConfigProblem(record, "other")).toBe(true);
  });

  it("remembers when a repository was reconciled", async () => {
    expect(await s.store.lastReconciled("acme/widgets")).toBeNull();
    await s.store.markReconciled("acme/widgets", 1, at(5));
    expect(await s.store.lastReconciled("acme/widgets")).toEqual(at(5));
  });

  it("stores a delivery once, claimed by its receiver: no other process takes it until that claim lapses", async () => {
    const d = { id: "g1", event: "push", installationId: 1, payload: "{}" };
    const second = (n: number) => new Date(T0.getTime() + n * 1000);
    const lapse = CLAIM_MS / 1000;
    expect(await s.deliveries.accept(d, at(0))).toEqual({ ...d, attempts: 1 });
    expect(await s.deliveries.accept(d, at(0))).toBeNull();
    // Another replica's sweep, while the receiver works on it.
    expect(await s.deliveries.unfinished(second(lapse - 1), 10)).toEqual([]);
    expect(await s.deliveries.claim("g1", second(lapse - 1))).toBeNull();
    // The receiver died: its claim lapsed, and one sweep takes the delivery over.
    expect(await s.deliveries.unfinished(second(lapse + 1), 10)).toEqual(["g1"]);
    expect(await s.deliveries.claim("g1", second(lapse + 1))).toEqual({ ...d, attempts: 2 });
    expect(await s.deliveries.claim("g1", second(lapse + 1))).toBeNull();
    await s.deliveries.finish("g1", second(lapse + 2), "GitHub down");
    expect(await s.deliveries.unfinished(second(lapse + 2), 10)).toEqual(["g1"]);
    expect(await s.deliveries.claim("g1", second(lapse + 3))).toEqual({ ...d, attempts: 3 });
    await s.deliveries.finish("g1", at(4), null);
    expect(await s.deliveries.claim("g1", at(60))).toBeNull();
    expect(await s.deliveries.unprocessed(10)).toEqual([]);
    expect(await s.deliveries.pruneProcessed(at(5))).toBe(1);
    expect(await s.deliveries.accept(d, at(6))).toEqual({ ...d, attempts: 1 });
  });
});
