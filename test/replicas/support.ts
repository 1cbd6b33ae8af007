/**
 * Several replicas of `npm start` on one PostgreSQL database behind a "load balancer" that
 * sends every delivery to each of them with the same delivery id (as a retrying balancer, or
 * GitHub redelivering to another replica, would).
 */
import { randomUUID } from "node:crypto";
import type { FakeGitHub, WebhookSender } from "../support/fake-github/index.js";
import { createWebhookSender } from "../support/fake-github/index.js";
import { type AppProcess, contractEnv, startAppProcess } from "../support/app-process.js";
import type { Db } from "../../src/store/prisma-client.js";

export const SECRET = "replicas-secret";

export function replicaEnv(fake: FakeGitHub, databaseUrl: string): Record<string, string> {
  return contractEnv(fake, { secret: SECRET, databaseUrl }, { SWEEP_INTERVAL_SECONDS: "1", SESSION_SECRET: "shared-by-every-replica" });
}

/** Starts `count` replicas at once (they migrate the empty database together). */
export async function startReplicas(count: number, env: Record<string, string>): Promise<AppProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startAppProcess(env, { timeoutMs: 60_000 })));
}

/**
 * Sends each delivery to every replica still alive, same delivery id, at once. Answers with
 * the first replica's answer; a replica that is down (connection refused) is skipped, as a
 * balancer would.
 */
export function fanOut(replicas: () => readonly AppProcess[]): WebhookSender & { sent: number } {
  const sender = {
    sent: 0,
    async send(event: string, payload: object, opts: { deliveryId?: string } = {}) {
      const deliveryId = opts.deliveryId ?? randomUUID();
      const targets = replicas().map((r) => createWebhookSender({ url: `${r.url}/api/github/webhooks`, secret: SECRET }));
      const results = await Promise.allSettled(targets.map((t) => t.send(event, payload, { deliveryId })));
      sender.sent++;
      const answered = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      const first = answered[0];
      if (!first) throw new Error(`no replica answered ${event} ${deliveryId}`);
      const bad = answered.find((a) => a.status >= 300);
      if (bad) throw new Error(`a replica answered ${event} ${deliveryId} with ${bad.status}: ${bad.body}`);
      return first;
    },
  };
  return sender;
}

export function findPull(fake: FakeGitHub, repo: string, branch: string): number | undefined {
  const state = fake.state.repos.get(repo.toLowerCase());
  for (const pull of state?.pulls.values() ?? []) if (pull.headRef === branch) return pull.number;
  return undefined;
}

/** Event types of the upgrade of `repo#pullNumber`, oldest first. */
export async function eventTypes(db: Db, repository: string, pullNumber: number): Promise<string[]> {
  const events = await db.upgradeEvent.findMany({ where: { repository, pullNumber }, orderBy: { id: "asc" }, select: { type: true } });
  return events.map((e) => e.type);
}

export function countRequests(fake: FakeGitHub, method: string, path: string | RegExp): number {
  return fake.requests.filter((r) => r.method === method && (typeof path === "string" ? r.path.split("?")[0] === path : path.test(r.path))).length;
}

/** The app's merge requests (GraphQL `mergePullRequest`) for the PR with node id `nodeId`. */
export function countMerges(fake: FakeGitHub, nodeId: string): number {
  return fake.requests.filter((r) => r.operationName === "UpgradeQueueMerge" && (r.body as { variables?: { input?: { pullRequestId?: string } } })?.variables?.input?.pullRequestId === nodeId).length;
}

/**
 * Polls until `check` returns a value (not undefined/false/null). Slower than app-process's
 * eventually(): fifty lifecycles poll at once, and the database they poll is the replicas' own.
 */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20_000, intervalMs = 500): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
