/**
 * CONTRACT §5: "Several replicas may share one PostgreSQL database: no transition is applied
 * twice, no upgrade is merged twice, and timers are safe to run on every replica."
 *
 * Three `npm start` processes on one empty PostgreSQL database (they create the schema
 * together) and one fake GitHub. Every delivery (the test's own and those the fake sends for
 * the app's API writes) goes to all three at once with the same delivery id. 50 upgrades go
 * push → PR opened by the app → CI green → approving review → merge; a few more expire or
 * are auto-approved by the sweep, which runs every second on each replica.
 *
 * Runs in the PostgreSQL pass of `npm test` (TEST_DATABASE=postgresql), once: SQLite is one
 * file for one host, not for replicas.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type FakeGitHub, startFakeGitHub } from "../support/fake-github/index.js";
import type { AppProcess } from "../support/app-process.js";
import { createEmptyPostgresDatabase, type EmptyDatabase } from "../support/database.js";
import { createPrismaClient, type Db } from "../../src/store/prisma-client.js";
import { countRequests, countMerges, eventTypes, fanOut, findPull, replicaEnv, startReplicas, waitFor as eventually } from "./support.js";

/** 25 repositories, each its own installation (Probot throttles writes per installation), two upgrades each. */
const REPOS = Array.from({ length: 25 }, (_, i) => `acme/agent-${String(i + 1).padStart(2, "0")}`);
const PER_REPO = 2;
const EXPIRY_REPO = "acme/expiring";
const AUTO_REPO = "acme/auto";
const TIMED = 3;

const HAPPY = ["upgrade.proposed", "upgrade.tests_passed", "upgrade.approved", "upgrade.applied"];

describe("three replicas on one PostgreSQL database", () => {
  let fake: FakeGitHub;
  let database: EmptyDatabase;
  let replicas: AppProcess[] = [];
  let db: Db;
  const hooks = fanOut(() => replicas);
  const startedAt = Date.now();

  const explain = async (repo: string, number: number) => {
    const writes = fake.requests.filter((r) => r.method !== "GET" && r.path.includes(`/${repo}/`)).map((r) => `${r.at.toISOString()} ${r.method} ${r.path} ${String(JSON.stringify(r.body) ?? "").slice(0, 120)}`);
    const events = await db.upgradeEvent.findMany({ where: { repository: repo, pullNumber: number }, orderBy: { id: "asc" } });
    return [`${repo}#${number}`, ...writes, ...events.map((e) => `${e.at.toISOString()} ${e.type} ${e.actor} ${e.via} ${e.deliveryId}`)].join("\n");
  };

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.setUser("agent", { type: "User" });
    [...REPOS, EXPIRY_REPO, AUTO_REPO].forEach((repo, i) => {
      const [owner, name] = repo.split("/") as [string, string];
      fake.addRepo({ owner, name, private: true, installationId: i + 1 });
      fake.setCollaborator(repo, "alice", "write");
    });
    fake.setConfig(EXPIRY_REPO, "expireAfterHours: 0.0003\n");
    // Long enough that CI reports before it (so the sweep, not the check, approves), short
    // enough for a test: 0.004 h = 14.4 s.
    fake.setConfig(AUTO_REPO, "autoApprove:\n  enabled: true\n  afterHours: 0.004\n");
    database = await createEmptyPostgresDatabase();
    replicas = await startReplicas(3, replicaEnv(fake, database.url));
    db = createPrismaClient(database.url);
    fake.autoDeliver(hooks);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await db?.$disconnect();
    await fake?.close();
    await database?.drop();
  });

  it("created the schema once on the empty database and every replica serves /healthz", async () => {
    for (const replica of replicas) expect((await fetch(`${replica.url}/healthz`)).status).toBe(200);
    const migrations = await db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`);
    const files = await import("node:fs").then((fs) => fs.readdirSync(new URL("../../prisma/postgresql/migrations/", import.meta.url)).filter((f) => !f.endsWith(".toml")));
    expect(Number(migrations[0]?.n)).toBe(files.length);
  });

  it("50 upgrades, every delivery to all three: each transition recorded once, each merged once", async () => {
    onTestFailed(async () => {
      const failed = await db.delivery.findMany({ where: { OR: [{ processedAt: null }, { error: { not: null } }] }, select: { id: true, event: true, attempts: true, error: true, claimedUntil: true } });
      console.log("unfinished or failed deliveries", failed);
      for (const [i, r] of replicas.entries()) console.log(`replica ${i} output:\n${r.output().slice(-5000)}`);
    });
    const lifecycle = async (repo: string, slug: string) => {
      const branch = `self-modify/${slug}`;
      const head = fake.pushCommit({ repo, branch, message: `Upgrade ${slug}\n\nMade by the agent.`, files: { [`src/${slug}.ts`]: `export const ${slug.replace(/-/g, "_")} = 1;\n` }, author: "agent" });
      await hooks.send("push", fake.payloads.push(repo, branch));
      const number = await eventually(() => findPull(fake, repo, branch), `${repo}: the app to open the PR for ${branch}`, 90_000);
      await eventually(async () => (await eventTypes(db, repo, number)).includes("upgrade.proposed"), `${repo}#${number} proposed`, 90_000);
      const run = fake.completeCheckRun({ repo, sha: head, name: "test", conclusion: "success" });
      await hooks.send("check_run", fake.payloads.checkRun("completed", repo, run.id));
      await eventually(async () => (await eventTypes(db, repo, number)).includes("upgrade.tests_passed"), `${repo}#${number} tests passed`, 90_000);
      await hooks.send("pull_request_review", fake.payloads.review(repo, number, "alice", "approved"));
      await eventually(() => fake.getPull(repo, number).merged, `${repo}#${number} merged`, 90_000);
      return { repo, number, head };
    };
    const t0 = Date.now();
    const upgrades = await Promise.all(REPOS.flatMap((repo) => Array.from({ length: PER_REPO }, (_, i) => lifecycle(repo, `change-${i + 1}`))));
    // Let the replicas finish presenting (labels, comments) and the fake's deliveries drain.
    await eventually(async () => (await db.upgrade.count({ where: { status: "applied" } })) === upgrades.length, "every upgrade applied in the database", 60_000);
    // ...and finish presenting it (labels, comments: Probot spaces writes a second apart).
    await eventually(async () => (await db.delivery.count({ where: { processedAt: null } })) === 0, "every delivery processed", 90_000);
    // A pass that failed after saving (the database too slow under this load) hands its
    // comment to the sweep, which runs every second here.
    await eventually(async () => (await db.pendingEffect.count()) === 0, "every owed GitHub write done", 60_000);
    await fake.settleDeliveries();
    console.log(`replicas: ${upgrades.length} lifecycles took ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    for (const { repo, number, head } of upgrades) {
      expect(countMerges(fake, fake.getPull(repo, number).node_id), `${repo}#${number} merge requests`).toBe(1);
      const pull = fake.getPull(repo, number);
      expect(pull).toMatchObject({ merged: true, state: "closed" });
      const types = await eventTypes(db, repo, number);
      expect([...types].sort(), `${repo}#${number} events`).toEqual([...HAPPY].sort());
      const row = await db.upgrade.findUniqueOrThrow({ where: { repository_pullNumber: { repository: repo, pullNumber: number } } });
      expect(row).toMatchObject({ status: "applied", approvedSha: head, mergeCommitSha: pull.merge_commit_sha, mergeClaimSha: null });
      // Exactly one state label, even when passes on different replicas finish out of order.
      const labels = fake.labelsOf(repo, number);
      if (labels.join() !== "upgrade:applied") console.log(`stale label on ${repo}#${number}: ${labels.join(", ")}\n${await explain(repo, number)}`);
      expect(labels, `${repo}#${number} labels`).toEqual(["upgrade:applied"]);
      expect(fake.commentsOf(repo, number).filter((c) => c.body.includes("Applied: merged"))).toHaveLength(1);
    }
    // One PR per upgrade: no replica opened a second one.
    for (const repo of REPOS) expect(countRequests(fake, "POST", `/api/v3/repos/${repo}/pulls`)).toBe(PER_REPO);
    // Each delivery was stored once and processed once, whichever replica took it.
    const deliveries = await db.delivery.findMany({ select: { processedAt: true, attempts: true, error: true } });
    expect(deliveries.every((d) => d.processedAt !== null && d.error === null)).toBe(true);
    // A retried attempt (e.g. the database too slow to start a transaction under this load) is
    // fine: it is what the inbox is for, and the assertions above show it changed nothing twice.
    console.log(`replicas: ${deliveries.length} deliveries, ${deliveries.filter((d) => d.attempts > 1).length} needed a second attempt`);
  }, 240_000);

  it("expiry and auto-approval run on all three sweeps and act once per upgrade", async () => {
    const propose = async (repo: string, slug: string) => {
      const branch = `self-modify/${slug}`;
      const head = fake.pushCommit({ repo, branch, message: `Timed ${slug}`, files: { [`src/${slug}.ts`]: "x\n" }, author: "agent" });
      await hooks.send("push", fake.payloads.push(repo, branch));
      const number = await eventually(() => findPull(fake, repo, branch), `${repo}: PR for ${branch}`, 60_000);
      return { repo, number, head };
    };
    const slugs = Array.from({ length: TIMED }, (_, i) => `timed-${i + 1}`);
    const expiring = await Promise.all(slugs.map((s) => propose(EXPIRY_REPO, s)));
    const auto = await Promise.all(slugs.map((s) => propose(AUTO_REPO, s)));
    for (const { repo, number, head } of auto) {
      await eventually(async () => (await eventTypes(db, repo, number)).includes("upgrade.proposed"), `${repo}#${number} proposed`, 60_000);
      const run = fake.completeCheckRun({ repo, sha: head, name: "test", conclusion: "success" });
      await hooks.send("check_run", fake.payloads.checkRun("completed", repo, run.id));
    }
    // The end state, presentation included (Probot spaces each process's writes a second apart).
    for (const { repo, number } of expiring) {
      await eventually(() => fake.getPull(repo, number).state === "closed", `${repo}#${number} closed by expiry`, 60_000);
      await eventually(() => fake.commentsOf(repo, number).some((c) => c.body.startsWith("Expired:")), `${repo}#${number} expiry comment`, 60_000);
    }
    for (const { repo, number } of auto) {
      await eventually(() => fake.getPull(repo, number).merged, `${repo}#${number} auto-approved and merged`, 60_000);
      await eventually(() => fake.commentsOf(repo, number).some((c) => c.body.includes("Auto-approved")), `${repo}#${number} auto-approval comment`, 60_000);
      await eventually(() => fake.getBranchSha(repo, `self-modify/${slugs[auto.findIndex((u) => u.number === number)]}`) === undefined, `${repo}#${number} branch deleted`, 60_000);
    }
    // Several more sweeps on every replica: nothing more may happen.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await fake.settleDeliveries();

    await eventually(async () => (await db.delivery.count({ where: { processedAt: null } })) === 0, "every delivery processed", 60_000);
    for (const { repo, number } of expiring) {
      if ((await eventTypes(db, repo, number)).length !== 2) console.log(await explain(repo, number));
      expect(await eventTypes(db, repo, number)).toEqual(["upgrade.proposed", "upgrade.expired"]);
      const expired = await db.upgradeEvent.findFirstOrThrow({ where: { repository: repo, pullNumber: number, type: "upgrade.expired" } });
      expect(expired).toMatchObject({ actor: "expiry", via: "timer" });
      expect(countRequests(fake, "PATCH", `/api/v3/repos/${repo}/pulls/${number}`)).toBe(1);
      expect(fake.commentsOf(repo, number).filter((c) => c.body.startsWith("Expired:"))).toHaveLength(1);
      expect(fake.labelsOf(repo, number)).toEqual(["upgrade:expired"]);
    }
    for (const { repo, number } of auto) {
      expect([...(await eventTypes(db, repo, number))].sort()).toEqual([...HAPPY].sort());
      const approved = await db.upgradeEvent.findFirstOrThrow({ where: { repository: repo, pullNumber: number, type: "upgrade.approved" } });
      expect(approved).toMatchObject({ actor: "auto-approve", via: "timer" });
      expect(countMerges(fake, fake.getPull(repo, number).node_id)).toBe(1);
      expect(fake.commentsOf(repo, number).filter((c) => c.body.includes("Auto-approved"))).toHaveLength(1);
    }
    console.log(`replicas: whole file ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  }, 120_000);
});
