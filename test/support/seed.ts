/** Puts an upgrade in the database in a given state, as the pipeline would have left it. */
import type { Db } from "../../src/store/prisma-client.js";
import { FULL, INSTALLATION, sha } from "./payloads.js";

export interface SeedOptions {
  pullNumber?: number;
  status?: string;
  headSha?: string;
  branchName?: string;
  approvedSha?: string | null;
  approvals?: Array<{ login: string; sha?: string; permission?: string }>;
  nonApprovers?: string[];
  testResults?: { state: "passed" | "failed" | "pending"; sha?: string; summary?: string } | null;
  guarded?: boolean;
  urgent?: boolean;
  additions?: number;
  deletions?: number;
  mergeCommitSha?: string | null;
  previousSha?: string | null;
  proposedAt?: Date;
  checkRunId?: string;
}

export const SEED_HEAD = sha("d");

export async function seedUpgrade(db: Db, options: SeedOptions = {}): Promise<number> {
  const head = options.headSha ?? SEED_HEAD;
  const tests = options.testResults;
  const row = await db.upgrade.create({
    data: {
      installationId: INSTALLATION,
      repository: FULL,
      repositoryPrivate: true,
      pullNumber: options.pullNumber ?? 12,
      status: options.status ?? "proposed",
      title: "Teach the agent to cache embeddings",
      description: "Adds a cache.",
      branchName: options.branchName ?? "self-modify/cache",
      baseBranch: "main",
      author: "upgrade-queue[bot]",
      headSha: head,
      approvedSha: options.approvedSha ?? null,
      approvedBy: JSON.stringify((options.approvals ?? []).map((a) => a.login)),
      nonApprovers: JSON.stringify(options.nonApprovers ?? ["agent"]),
      filesChanged: JSON.stringify([{ filename: "src/cache.ts", status: "added", additions: options.additions ?? 10, deletions: options.deletions ?? 0 }]),
      diffPreview: "diff --git a/src/cache.ts b/src/cache.ts\n+export const cache = new Map();\n",
      testResults: tests ? JSON.stringify({ state: tests.state, sha: tests.sha ?? head, summary: tests.summary ?? `1 of 1 checks ${tests.state}`, checks: [{ name: "test", conclusion: tests.state === "passed" ? "success" : tests.state === "failed" ? "failure" : null, url: null }] }) : null,
      additions: options.additions ?? 10,
      deletions: options.deletions ?? 0,
      guarded: options.guarded ?? false,
      urgent: options.urgent ?? false,
      mergeCommitSha: options.mergeCommitSha ?? null,
      previousSha: options.previousSha ?? null,
      checkRunId: options.checkRunId ?? `77@${head}`,
      proposedAt: options.proposedAt ?? new Date("2026-11-20T09:00:00Z"),
    },
    select: { id: true },
  });
  for (const approval of options.approvals ?? []) {
    await db.approval.create({ data: { upgradeId: row.id, login: approval.login, sha: approval.sha ?? head, via: "review", permission: approval.permission ?? "write", at: new Date("2026-11-20T09:30:00Z") } });
  }
  await db.upgradeEvent.create({ data: { upgradeId: row.id, repository: FULL, pullNumber: options.pullNumber ?? 12, type: "upgrade.proposed", actor: "agent", via: "push", at: new Date("2026-11-20T09:00:00Z"), details: "{}" } });
  return row.id;
}

export async function eventsOf(db: Db, upgradeId: number) {
  return db.upgradeEvent.findMany({ where: { upgradeId }, orderBy: { id: "asc" }, select: { type: true, actor: true, via: true, details: true, deliveryId: true } });
}
