/**
 * Webhook security through the real HTTP server (`npm start`'s command): a delivery with a
 * wrong signature, none, or only the legacy SHA-1 `X-Hub-Signature` is refused with a 4xx
 * before any handler runs (no database write, no GitHub request), and its payload is not
 * logged. The same payload correctly signed is acted on (the control). And the app refuses to
 * start at all without a webhook secret.
 */
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Db } from "../../src/store/prisma-client.js";
import { type AppProcess, eventually, contractEnv, startAppProcess } from "../support/app-process.js";
import { testPrivateKey } from "../support/app.js";
import { type EmptyDatabase, createEmptyTestDatabase } from "../support/database.js";
import { type FakeGitHub, sign, startFakeGitHub } from "../support/fake-github/index.js";

const SECRET = "security-secret";
const REPO = "acme/agent";
const BRANCH = "self-modify/sneaky";
const MARKER = `MARKER-${randomUUID()}`;

describe("webhook signatures over HTTP", () => {
  let fake: FakeGitHub;
  let app: AppProcess;
  let db: Db;
  let database: EmptyDatabase;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: "acme", name: "agent", private: true });
    fake.setUser("agent", { type: "User" });
    database = await createEmptyTestDatabase();
    app = await startAppProcess(contractEnv(fake, { secret: SECRET, databaseUrl: database.url }, { LOG_LEVEL: "trace" }));
    db = createPrismaClient(database.url);
  });

  afterAll(async () => {
    await app?.stop();
    await db?.$disconnect();
    await fake?.close();
    await database?.drop();
  });

  async function post(body: string, signatures: Record<string, string>) {
    const response = await fetch(`${app.url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": randomUUID(), ...signatures },
      body,
    });
    return response.status;
  }

  it("refuses bad, missing and SHA-1-only signatures before any handler runs, and logs no payload", async () => {
    fake.pushCommit({ repo: REPO, branch: BRANCH, message: `Sneak in\n\n${MARKER}`, files: { "src/sneaky.ts": `// ${MARKER}\n` }, author: "agent" });
    const body = JSON.stringify(fake.payloads.push(REPO, BRANCH));
    expect(body).toContain(MARKER);
    // The app's own start-up traffic (GET /app, reconciliation) settles first.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const requestsBefore = fake.requests.length;

    const sha1 = `sha1=${createHmac("sha1", SECRET).update(body).digest("hex")}`;
    const statuses = {
      wrongSecret: await post(body, { "x-hub-signature-256": sign("not-the-secret", body) }),
      garbage: await post(body, { "x-hub-signature-256": "sha256=00" }),
      missing: await post(body, {}),
      sha1Only: await post(body, { "x-hub-signature": sha1 }),
      tampered: await post(body.replace("Sneak in", "Sneak on"), { "x-hub-signature-256": sign(SECRET, body) }),
    };
    for (const [what, status] of Object.entries(statuses)) {
      expect(status, what).toBeGreaterThanOrEqual(400);
      expect(status, what).toBeLessThan(500);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(fake.requests.slice(requestsBefore)).toEqual([]);
    expect(await db.delivery.count()).toBe(0);
    expect(await db.upgrade.count()).toBe(0);
    expect(app.output()).not.toContain(MARKER);

    // The control: the same payload, correctly signed, is acted on.
    expect(await post(body, { "x-hub-signature-256": sign(SECRET, body) })).toBe(200);
    await eventually(async () => (await db.upgrade.count()) === 1, "the signed delivery to propose the upgrade");
    expect(fake.requests.length).toBeGreaterThan(requestsBefore);
  }, 60_000);
});

describe("npm start without a webhook secret", () => {
  it.each([
    { what: "empty", value: "" },
    { what: "blank", value: "   " },
  ])("refuses to start when APP_ID is set and WEBHOOK_SECRET is $what", async ({ value }) => {
    const databaseUrl = `file:${join(mkdtempSync(join(tmpdir(), "uq-nosecret-")), "queue.db")}`;
    const started = startAppProcess({ APP_ID: "1", PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: value, DATABASE_URL: databaseUrl }, { timeoutMs: 20_000 });
    const error = await started.then(
      async (app) => {
        await app.kill();
        return null;
      },
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(/the app exited with [1-9]/);
    expect(error?.message).toContain("WEBHOOK_SECRET is empty");
  });
});
