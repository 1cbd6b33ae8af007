/**
 * A process killed after acknowledging a delivery: GitHub got its 2xx and will not send the
 * delivery again, so the inbox must. The first process hangs on the first GitHub request the
 * delivery needs after it was stored, is SIGKILLed there, and a second process on the same
 * database finishes it once the dead process's claim has lapsed (it is no longer renewed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Db } from "../../src/store/prisma-client.js";
import { CLAIM_MS } from "../../src/store/delivery-store.js";
import { type AppProcess, eventually, contractEnv, startAppProcess } from "../support/app-process.js";
import { type EmptyDatabase, createEmptyTestDatabase } from "../support/database.js";
import { type FakeGitHub, createWebhookSender, startFakeGitHub } from "../support/fake-github/index.js";

const SECRET = "crash-restart-secret";
const REPO = "acme/agent";
const BRANCH = "self-modify/survive-a-crash";

describe("a process killed after acknowledging a delivery", () => {
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
    for (const p of processes) await p.kill();
    await db?.$disconnect();
    await fake?.close();
    await database?.drop();
  });

  const start = async () => {
    const app = await startAppProcess(contractEnv(fake, { secret: SECRET, databaseUrl: database.url }, { SWEEP_INTERVAL_SECONDS: "1" }));
    processes.push(app);
    return app;
  };

  it("is processed by the next process once the claim lapses", async () => {
    const first = await start();
    fake.pushCommit({ repo: REPO, branch: BRANCH, message: "Survive a crash", files: { "src/crash.ts": "export const ok = true;\n" }, author: "agent" });
    // The delivery is stored (its relevance read the config), acknowledged, then processing
    // asks GitHub to compare the branch: that answer never comes in time.
    fake.failNext("GET", /\/compare\//, [{ delayMs: 45_000 }]);
    const hooks = createWebhookSender({ url: `${first.url}/api/github/webhooks`, secret: SECRET });
    const sent = await hooks.send("push", fake.payloads.push(REPO, BRANCH));
    expect(sent.status).toBeGreaterThanOrEqual(200);
    expect(sent.status).toBeLessThan(300);
    await eventually(() => fake.requests.some((r) => r.path.includes("/compare/")), "the first process to be mid-delivery");
    await first.kill();

    db = createPrismaClient(database.url);
    const stored = await db.delivery.findUniqueOrThrow({ where: { id: sent.deliveryId } });
    expect(stored).toMatchObject({ processedAt: null, attempts: 1 });
    expect(stored.claimedUntil).not.toBeNull();
    expect(fake.requests.some((r) => r.method === "POST" && r.path.endsWith("/pulls"))).toBe(false);

    await start();
    const done = await eventually(
      async () => (await db!.delivery.findUniqueOrThrow({ where: { id: sent.deliveryId } })).processedAt,
      "the second process to finish the delivery",
      CLAIM_MS + 20_000,
    );
    expect(done).toBeInstanceOf(Date);
    const pulls = fake.requests.filter((r) => r.method === "POST" && /\/repos\/acme\/agent\/pulls$/.test(r.path));
    expect(pulls).toHaveLength(1);
    const upgrade = await db.upgrade.findFirstOrThrow({ where: { repository: REPO, branchName: BRANCH } });
    expect(upgrade.status).toBe("proposed");
    expect((await db.delivery.findUniqueOrThrow({ where: { id: sent.deliveryId } })).attempts).toBe(2);
  }, CLAIM_MS + 60_000);
});
