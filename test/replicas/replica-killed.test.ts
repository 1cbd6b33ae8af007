/**
 * A replica dies (SIGKILL) in the middle of a delivery; the other replicas finish its work.
 *
 * Three `npm start` processes on one PostgreSQL database. The push of a new upgrade branch goes
 * to replica A only (the balancer picked it); A claims the delivery and asks GitHub to open the
 * PR, which the fake answers slowly; A is killed while it waits. GitHub still opens the PR (the
 * request had arrived). A's claim on the delivery is no longer renewed and lapses (CLAIM_MS,
 * 15 s); the sweep of B or C takes the delivery over, finds the PR already open (422), adopts it
 * and proposes the upgrade once. The rest of the lifecycle then runs on B and C.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLAIM_MS } from "../../src/store/delivery-store.js";
import { createPrismaClient, type Db } from "../../src/store/prisma-client.js";
import type { AppProcess } from "../support/app-process.js";
import { createEmptyPostgresDatabase, type EmptyDatabase } from "../support/database.js";
import { type FakeGitHub, createWebhookSender, startFakeGitHub } from "../support/fake-github/index.js";
import { SECRET, countRequests, countMerges, eventTypes, fanOut, findPull, replicaEnv, startReplicas, waitFor } from "./support.js";

const REPO = "acme/agent";
const BRANCH = "self-modify/survive";

describe("a replica killed mid-delivery", () => {
  let fake: FakeGitHub;
  let database: EmptyDatabase;
  let replicas: AppProcess[] = [];
  let live: AppProcess[] = [];
  let db: Db;
  const hooks = fanOut(() => live);

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: "acme", name: "agent", private: true });
    fake.setCollaborator(REPO, "alice", "write");
    fake.setUser("agent", { type: "User" });
    database = await createEmptyPostgresDatabase();
    replicas = await startReplicas(3, replicaEnv(fake, database.url));
    live = [...replicas];
    db = createPrismaClient(database.url);
    fake.autoDeliver(hooks);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await db?.$disconnect();
    await fake?.close();
    await database?.drop();
  });

  it("the others take the delivery over once its claim lapses, and finish the upgrade", async () => {
    const [a] = replicas as [AppProcess, AppProcess, AppProcess];
    const head = fake.pushCommit({ repo: REPO, branch: BRANCH, message: "Survive a crash", files: { "src/survive.ts": "export const ok = true;\n" }, author: "agent" });
    // Long enough that A is surely killed before the answer, even on a loaded machine. (This test
    // once failed with the delivery finished on its first attempt: not A outliving the kill, but
    // B's sweep claiming the delivery between A storing it and claiming it. A delivery is now
    // stored claimed by its receiver; see delivery-store.ts.)
    fake.failNext("POST", `/repos/${REPO}/pulls`, [{ delayMs: 10_000 }]);
    const onlyA = createWebhookSender({ url: `${a.url}/api/github/webhooks`, secret: SECRET });
    const { deliveryId, status } = await onlyA.send("push", fake.payloads.push(REPO, BRANCH));
    expect(status).toBeLessThan(300);

    await waitFor(() => countRequests(fake, "POST", `/api/v3/repos/${REPO}/pulls`) === 1, "replica A to ask GitHub for the PR", 30_000, 50);
    live = live.filter((r) => r !== a);
    await a.kill();
    const killedAt = Date.now();
    const claimed = await db.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
    expect(claimed).toMatchObject({ processedAt: null, attempts: 1 });
    // GitHub opened the PR although nobody heard the answer.
    const number = await waitFor(() => findPull(fake, REPO, BRANCH), "the PR to exist", 30_000, 100);

    const finished = await waitFor(async () => {
      const row = await db.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
      return row.processedAt ? row : null;
    }, "another replica to finish the delivery", CLAIM_MS + 30_000);
    const takeover = Date.now() - killedAt;
    console.log(`replica-killed: delivery finished by another replica ${(takeover / 1000).toFixed(1)} s after the kill`);
    expect(finished).toMatchObject({ attempts: 2, error: null });
    expect(takeover).toBeLessThan(CLAIM_MS + 10_000);
    expect(await eventTypes(db, REPO, number)).toEqual(["upgrade.proposed"]);
    // The second attempt found the open PR (422) instead of opening another.
    expect(countRequests(fake, "POST", `/api/v3/repos/${REPO}/pulls`)).toBe(2);
    expect([...fake.state.repos.get(REPO)!.pulls.values()]).toHaveLength(1);
    await waitFor(() => fake.labelsOf(REPO, number).includes("upgrade:proposed"), "the proposed label", 20_000);

    const run = fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "success" });
    await hooks.send("check_run", fake.payloads.checkRun("completed", REPO, run.id));
    await waitFor(async () => (await eventTypes(db, REPO, number)).includes("upgrade.tests_passed"), "tests passed", 30_000);
    await hooks.send("pull_request_review", fake.payloads.review(REPO, number, "alice", "approved"));
    await waitFor(() => fake.getPull(REPO, number).merged, "the merge", 30_000);
    await waitFor(async () => (await eventTypes(db, REPO, number)).includes("upgrade.applied"), "applied recorded", 30_000);
    await fake.settleDeliveries();

    expect(await eventTypes(db, REPO, number)).toEqual(["upgrade.proposed", "upgrade.tests_passed", "upgrade.approved", "upgrade.applied"]);
    expect(countMerges(fake, fake.getPull(REPO, number).node_id)).toBe(1);
  }, 150_000);
});
