/**
 * Many writers at once: deliveries for different upgrades processed concurrently in one process,
 * and in two app instances with their own connections to one database (on SQLite: two writers
 * on one file, as two processes would be). No SQLITE_BUSY (or any) failure, and no acknowledged
 * delivery lost: every one ends processed, and every upgrade records its result.
 */
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TestApp, WEBHOOK_SECRET, createTestApp } from "../support/app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, checkRun } from "../support/payloads.js";
import { eventsOf, seedUpgrade } from "../support/seed.js";
import { readPull } from "../support/read-pull-mock.js";

const repoPath = `/repos/${FULL}`;
const UPGRADES = 40;
/** Forty passes at once on a shared, loaded machine: more than the default 30 s, by design. */
const LOADED_MACHINE_TIMEOUT_MS = 120_000;

useNock();

function headOf(i: number): string {
  return (i + 1).toString(16).padStart(2, "0").repeat(20);
}

let app: TestApp;
let second: TestApp | null = null;
beforeEach(async () => {
  app = await createTestApp();
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" }).persist();
});
afterEach(async () => {
  await second?.close();
  second = null;
  await app.close();
});

async function seedMany(): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < UPGRADES; i++) ids.push(await seedUpgrade(app.db, { pullNumber: 100 + i, headSha: headOf(i), branchName: `self-modify/u${i}`, checkRunId: `${500 + i}@${headOf(i)}` }));
  return ids;
}

function mockGreenChecks(configReads: number) {
  nock(API).get(/\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/).times(configReads).reply(404, { message: "Not Found" });
  // Each check_run delivery reads its upgrade's PR: CI's `test` passed on the head.
  for (let i = 0; i < UPGRADES; i++) {
    readPull(100 + i, { head: headOf(i), branch: `self-modify/u${i}`, labels: ["upgrade:proposed"], checks: [{ name: "test", conclusion: "success" }], ownCheckRun: 500 + i });
  }
  nock(API).patch(/\/repos\/acme\/agent\/check-runs\/5\d\d/).times(UPGRADES).reply(200, {});
}

async function deliver(target: TestApp, i: number, deliveryId: string): Promise<void> {
  const body = JSON.stringify(checkRun({ head: headOf(i), name: "test", conclusion: "success" }));
  await target.probot.webhooks.verifyAndReceive({ id: deliveryId, name: "check_run", payload: body, signature: await sign(WEBHOOK_SECRET, body) });
}

async function expectAllRecorded(ids: number[], deliveryIds: string[]) {
  const deliveries = await app.db.delivery.findMany({ select: { id: true, processedAt: true, error: true, attempts: true } });
  expect(deliveries.map((d) => d.id).sort()).toEqual([...deliveryIds].sort());
  expect(deliveries.filter((d) => d.processedAt === null || d.error !== null)).toEqual([]);
  for (const id of ids) {
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(JSON.parse(upgrade.testResults ?? "null")).toMatchObject({ state: "passed", sha: upgrade.headSha });
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.tests_passed"]);
  }
}

describe("concurrent writers", () => {
  it(`${UPGRADES} deliveries for ${UPGRADES} upgrades at once in one process`, async () => {
    const ids = await seedMany();
    mockGreenChecks(1);
    const deliveryIds = ids.map(() => randomUUID());
    await Promise.all(deliveryIds.map((deliveryId, i) => deliver(app, i, deliveryId)));
    await app.queue.processor.idle();
    expectAllMocksUsed();
    await expectAllRecorded(ids, deliveryIds);
  }, LOADED_MACHINE_TIMEOUT_MS);

  it("two app instances with their own connections to one database, writing at once", async () => {
    second = await createTestApp({ databaseUrl: app.databaseUrl });
    const ids = await seedMany();
    mockGreenChecks(2); // each instance reads the config once
    const deliveryIds = ids.map(() => randomUUID());
    await Promise.all(deliveryIds.map((deliveryId, i) => deliver(i % 2 === 0 ? app : second!, i, deliveryId)));
    await Promise.all([app.queue.processor.idle(), second.queue.processor.idle()]);
    expectAllMocksUsed();
    await expectAllRecorded(ids, deliveryIds);
  }, LOADED_MACHINE_TIMEOUT_MS);
});
