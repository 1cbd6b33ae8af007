/**
 * The GitHub the benchmarks talk to (the in-memory fake on 127.0.0.1), its repositories spread
 * over several installations, the deliveries a busy organisation sends about pull requests that
 * are not upgrades, and the databases to run on.
 */
import { testPrivateKey } from "../../test/support/app.js";
import { createEmptyPostgresDatabase, createEmptySqliteDatabase, type EmptyDatabase } from "../../test/support/database.js";
import { type FakeGitHub, startFakeGitHub } from "../../test/support/fake-github/index.js";
import { createPrismaClient } from "../../src/store/prisma-client.js";

export const SECRET = "bench-webhook-secret";
export const STATUS_TOKEN = "bench-status-token";
export const APPROVER = "alice";
export const AGENT = "agent";
export const DEVELOPER = "dev";

export interface World {
  fake: FakeGitHub;
  repos: string[];
}

/** `repos` private repositories, round-robin over `installations` installations (one owner each). */
export async function startWorld(options: { repos: number; installations: number }): Promise<World> {
  const fake = await startFakeGitHub();
  fake.setUser(AGENT, { type: "User" });
  fake.setUser(DEVELOPER, { type: "User" });
  const repos: string[] = [];
  for (let i = 0; i < options.repos; i++) {
    const k = i % options.installations;
    const { fullName } = fake.addRepo({ owner: `org-${k}`, name: `repo-${i}`, private: true, installationId: 1000 + k, ownerType: "Organization" });
    fake.setCollaborator(fullName, APPROVER, "write");
    fake.setCollaborator(fullName, DEVELOPER, "write");
    repos.push(fullName);
  }
  return { fake, repos };
}

/** Probot's environment (CONTRACT §5) pointing at the fake; timers slowed so they stay out of the figures. */
export function probotEnv(fake: FakeGitHub): Record<string, string> {
  return { APP_ID: String(fake.appId), PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: SECRET, GHE_HOST: fake.host, GHE_PROTOCOL: "http" };
}

export function appEnv(fake: FakeGitHub, databaseUrl: string): Record<string, string> {
  return {
    ...probotEnv(fake),
    DATABASE_URL: databaseUrl,
    STATUS_PAGE_TOKEN: STATUS_TOKEN,
    SWEEP_INTERVAL_SECONDS: "3600",
    RECONCILE_INTERVAL_MINUTES: "600",
  };
}

/**
 * Deliveries about work that is not an upgrade, `perRepo` feature branches in each repository:
 * PRs opened and synchronized from feature branches, their CI check runs and commit statuses
 * and check suites (SHAs no upgrade has), pushes to those branches, a review and a plain comment
 * on those PRs.
 */
export function irrelevantDeliveries(fake: FakeGitHub, repos: readonly string[], perRepo: number): Array<{ event: string; payload: object }> {
  const out: Array<{ event: string; payload: object }> = [];
  for (const repo of repos) {
    for (let b = 0; b < perRepo; b++) {
      const branch = `feature/work-${b}`;
      const sha = fake.pushCommit({ repo, branch, message: `Feature work ${b}`, files: { [`src/feature-${b}.ts`]: `export const n = ${b};\n` }, author: DEVELOPER });
      const n = fake.openPull({ repo, head: branch, title: `Feature work ${b}`, body: "A change by a person.", user: DEVELOPER });
      const run = fake.completeCheckRun({ repo, sha, name: "test", conclusion: "success" });
      out.push({ event: "pull_request", payload: fake.payloads.pullRequest("opened", repo, n, DEVELOPER) });
      out.push({ event: "check_run", payload: fake.payloads.checkRun("completed", repo, run.id) });
      out.push({ event: "push", payload: fake.payloads.push(repo, branch) });
      out.push({ event: "pull_request", payload: fake.payloads.pullRequest("synchronize", repo, n, DEVELOPER) });
      out.push({ event: "check_run", payload: fake.payloads.checkRun("created", repo, run.id) });
      out.push({ event: "status", payload: fake.payloads.status(repo, sha, "ci/lint", "success") });
      out.push({ event: "check_suite", payload: fake.payloads.checkSuite(repo, sha, "success") });
      out.push({ event: "pull_request_review", payload: fake.payloads.review(repo, n, APPROVER, "approved") });
      out.push({ event: "issue_comment", payload: fake.payloads.issueComment("created", repo, n, APPROVER, "Looks good to me, thanks!") });
    }
  }
  return out;
}

export interface BenchDatabase {
  name: "sqlite" | "postgresql";
  create(): Promise<EmptyDatabase>;
}

/** SQLite always; PostgreSQL when the server at TEST_POSTGRES_URL answers (else a line says it was skipped). */
export async function databases(): Promise<BenchDatabase[]> {
  const list: BenchDatabase[] = [{ name: "sqlite", create: createEmptySqliteDatabase }];
  if (process.env.BENCH_POSTGRES === "0") return list;
  try {
    const probe = await createEmptyPostgresDatabase();
    await probe.drop();
    list.push({ name: "postgresql", create: createEmptyPostgresDatabase });
  } catch (error) {
    console.log(`postgresql: skipped (${error instanceof Error ? error.message : String(error)})`);
  }
  return list;
}

/** Rows in the tables a delivery can write to. */
export async function rowCounts(databaseUrl: string): Promise<{ deliveries: number; upgrades: number; events: number }> {
  const db = createPrismaClient(databaseUrl);
  try {
    return { deliveries: await db.delivery.count(), upgrades: await db.upgrade.count(), events: await db.upgradeEvent.count() };
  } finally {
    await db.$disconnect();
  }
}
