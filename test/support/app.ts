/**
 * A test instance of the whole app: Probot with the real pipeline on a real test database,
 * receiving signed webhooks exactly as the HTTP middleware would pass them on.
 */
import { generateKeyPairSync } from "node:crypto";
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { parseEnv } from "../../src/config/env.js";
import { createUpgradeQueue, type UpgradeQueue } from "../../src/index.js";
import { createPrismaClient } from "../../src/store/prisma-client.js";
import { createTestDatabase } from "./database.js";

export const WEBHOOK_SECRET = "test-webhook-secret";
export const BOT_LOGIN = "upgrade-queue[bot]";

let privateKey: string | null = null;
export function testPrivateKey(): string {
  privateKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  return privateKey;
}

/**
 * Probot's Octokit with the throttle off (it spaces content-creating requests a second apart,
 * right for GitHub, slow for tests) and retries that wait a millisecond instead of seconds.
 * A function default is applied last, so it wins over Probot's own defaults.
 */
export const testOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  throttle: { ...(options.throttle as object), enabled: false },
  retry: { retryAfterBaseValue: 1 },
}));

export interface TestApp {
  probot: Probot;
  queue: UpgradeQueue;
  db: Awaited<ReturnType<typeof createTestDatabase>>["db"];
  /** Sends a signed delivery through Probot's verification and waits until it is processed. */
  send(name: string, payload: object, id?: string): Promise<void>;
  /** The database's URL: give it to another createTestApp as `databaseUrl` for a second replica. */
  databaseUrl: string;
  clock: { now: Date };
  close(): Promise<void>;
}

export interface TestAppOptions {
  baseUrl?: string;
  env?: Record<string, string>;
  /**
   * Another test app's database URL: this app gets its own connection to that database (a
   * second replica) instead of a fresh database, and `close()` only disconnects.
   */
  databaseUrl?: string;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.databaseUrl ? sharedDatabase(options.databaseUrl) : await createTestDatabase();
  const clock = { now: new Date("2026-11-20T10:00:00Z") };
  const env = parseEnv({ APP_ID: "1", WEBHOOK_SECRET, DATABASE_URL: database.url, PUBLIC_URL: "https://queue.example.com", ...options.env });
  const queue = createUpgradeQueue({ db: database.db, env, botLogin: BOT_LOGIN, now: () => clock.now, timers: false, mergeRetryDelayMs: 1 });
  const probot = new Probot({
    appId: 1,
    privateKey: testPrivateKey(),
    secret: WEBHOOK_SECRET,
    baseUrl: options.baseUrl,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    Octokit: testOctokit,
  });
  await probot.load(queue.appFn, { cwd: process.cwd(), addHandler: () => undefined });
  return {
    probot,
    queue,
    db: database.db,
    databaseUrl: database.url,
    clock,
    async send(name, payload, id = randomUUID()) {
      const body = JSON.stringify(payload);
      await probot.webhooks.verifyAndReceive({ id, name: name as never, payload: body, signature: await sign(WEBHOOK_SECRET, body) });
      await queue.processor.idle();
    },
    async close() {
      await database.cleanup();
    },
  };
}

function sharedDatabase(url: string): { url: string; db: ReturnType<typeof createPrismaClient>; cleanup(): Promise<void> } {
  const db = createPrismaClient(url);
  return { url, db, cleanup: () => db.$disconnect() };
}
