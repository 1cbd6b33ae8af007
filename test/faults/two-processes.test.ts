/**
 * Two `npm start` processes on one database (on SQLite: one file), started one after the other
 * while the first keeps it open (the second must still be able to migrate and start), each
 * receiving pushes of different upgrade branches at once. Every acknowledged delivery ends
 * processed, without error, and every branch gets exactly one pull request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Db } from "../../src/store/prisma-client.js";
import { type AppProcess, eventually, contractEnv, startAppProcess } from "../support/app-process.js";
import { type EmptyDatabase, createEmptyTestDatabase } from "../support/database.js";
import { type FakeGitHub, createWebhookSender, startFakeGitHub } from "../support/fake-github/index.js";

const SECRET = "two-processes-secret";
const REPO = "acme/agent";
const BRANCHES = Array.from({ length: 12 }, (_, i) => `self-modify/change-${i}`);

describe("two processes sharing one database", () => {
  let fake: FakeGitHub;
  let database: EmptyDatabase;
  const processes: AppProcess[] = [];
  let db: Db | null = null;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: "acme", name: "agent", private: true });
    fake.setUser("agent", { type: "User" });
    database = await createEmptyTestDatabase();
  });

  afterAll(async () => {
    for (const p of processes) await p.stop();
    await db?.$disconnect();
    await fake?.close();
    await database?.drop();
  });

  it("both start, and every delivery either receives is processed", async () => {
    const env = contractEnv(fake, { secret: SECRET, databaseUrl: database.url });
    processes.push(await startAppProcess(env));
    processes.push(await startAppProcess(env)); // the first one has the database open
    for (const branch of BRANCHES) fake.pushCommit({ repo: REPO, branch, message: `Change ${branch}`, files: { [`src/${branch.slice(12)}.ts`]: "export {};\n" }, author: "agent" });
    const senders = processes.map((p) => createWebhookSender({ url: `${p.url}/api/github/webhooks`, secret: SECRET }));
    const sent = await Promise.all(BRANCHES.map((branch, i) => senders[i % 2]!.send("push", fake.payloads.push(REPO, branch))));
    expect(sent.map((s) => s.status)).toEqual(BRANCHES.map(() => 200));

    db = createPrismaClient(database.url);
    const ids = sent.map((s) => s.deliveryId);
    await eventually(async () => (await db!.delivery.count({ where: { id: { in: ids }, processedAt: { not: null } } })) === ids.length, "every delivery to be processed", 40_000);
    expect(await db.delivery.findMany({ where: { error: { not: null } }, select: { id: true, error: true } })).toEqual([]);
    const upgrades = await db.upgrade.findMany({ select: { branchName: true, status: true } });
    expect(upgrades.map((u) => u.branchName).sort()).toEqual([...BRANCHES].sort());
    expect(upgrades.every((u) => u.status === "proposed")).toBe(true);
    const created = fake.requests.filter((r) => r.method === "POST" && /\/repos\/acme\/agent\/pulls$/.test(r.path));
    expect(created).toHaveLength(BRANCHES.length);
    for (const p of processes) expect(p.output()).not.toMatch(/SQLITE_BUSY|database is locked/i);
  }, 90_000);
});
