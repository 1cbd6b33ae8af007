/**
 * The one mapping from database rows to the public JSON of CONTRACT §6 (Upgrade and Event),
 * and the parsing of the JSON text columns the pages also read.
 */
import type { EventRow, UpgradeRow } from "../store/queue-queries.js";

export interface FileChange {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
}

export interface TestCheck {
  name: string;
  conclusion: string | null;
  url: string | null;
}

export interface TestResults {
  state: "passed" | "failed" | "pending";
  sha: string | null;
  summary: string;
  checks: TestCheck[];
}

export interface UpgradeJson {
  id: number;
  repository: string;
  pullNumber: number;
  branch: string;
  baseBranch: string;
  status: string;
  description: string;
  headSha: string;
  approvedSha: string | null;
  approvedBy: string[];
  filesChanged: FileChange[];
  additions: number;
  deletions: number;
  guarded: boolean;
  urgent: boolean;
  bypassed: boolean;
  testResults: TestResults | null;
  previousSha: string | null;
  mergeCommitSha: string | null;
  rollbackSha: string | null;
  errorMessage: string | null;
  proposedAt: string;
  approvedAt: string | null;
  rejectedAt: string | null;
  appliedAt: string | null;
  expiredAt: string | null;
  failedAt: string | null;
  rolledBackAt: string | null;
  pullRequestUrl: string;
}

export interface EventJson {
  /** Null for repository events (`repository.frozen`, `repository.unfrozen`). */
  upgradeId: number | null;
  repository: string;
  pullNumber: number | null;
  type: string;
  actor: string;
  via: string;
  at: string;
  deliveryId: string | null;
  details: Record<string, unknown>;
}

export function pullRequestUrl(htmlBase: string, repository: string, pullNumber: number): string {
  return `${htmlBase.replace(/\/+$/, "")}/${repository}/pull/${pullNumber}`;
}

export function toUpgradeJson(row: UpgradeRow, htmlBase: string): UpgradeJson {
  return {
    id: row.id,
    repository: row.repository,
    pullNumber: row.pullNumber,
    branch: row.branchName,
    baseBranch: row.baseBranch,
    status: row.status,
    description: row.description,
    headSha: row.headSha,
    approvedSha: row.approvedSha,
    approvedBy: parseApprovedBy(row.approvedBy),
    filesChanged: parseFilesChanged(row.filesChanged),
    additions: row.additions,
    deletions: row.deletions,
    guarded: row.guarded,
    urgent: row.urgent,
    bypassed: row.bypassed,
    testResults: parseTestResults(row.testResults),
    previousSha: row.previousSha,
    mergeCommitSha: row.mergeCommitSha,
    rollbackSha: row.rollbackSha,
    errorMessage: row.errorMessage,
    proposedAt: row.proposedAt.toISOString(),
    approvedAt: iso(row.approvedAt),
    rejectedAt: iso(row.rejectedAt),
    appliedAt: iso(row.appliedAt),
    expiredAt: iso(row.expiredAt),
    failedAt: iso(row.failedAt),
    rolledBackAt: iso(row.rolledBackAt),
    pullRequestUrl: pullRequestUrl(htmlBase, row.repository, row.pullNumber),
  };
}

export function toEventJson(row: EventRow): EventJson {
  return {
    upgradeId: row.upgradeId,
    repository: row.repository,
    pullNumber: row.pullNumber,
    type: row.type,
    actor: row.actor,
    via: row.via,
    at: row.at.toISOString(),
    deliveryId: row.deliveryId,
    details: parseDetails(row.details),
  };
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function parseJson(text: string | null): unknown {
  if (text === null || text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export function parseApprovedBy(text: string): string[] {
  const value = parseJson(text);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export function parseFilesChanged(text: string): FileChange[] {
  const value = parseJson(text);
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown): FileChange[] => {
    if (typeof entry === "string") return [{ filename: entry, status: "modified", additions: 0, deletions: 0 }];
    if (!entry || typeof entry !== "object") return [];
    const e = entry as Record<string, unknown>;
    if (typeof e.filename !== "string") return [];
    return [
      {
        filename: e.filename,
        status: typeof e.status === "string" ? e.status : "modified",
        additions: typeof e.additions === "number" ? e.additions : 0,
        deletions: typeof e.deletions === "number" ? e.deletions : 0,
      },
    ];
  });
}

export function parseTestResults(text: string | null): TestResults | null {
  const value = parseJson(text);
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const state = v.state === "passed" || v.state === "failed" ? v.state : "pending";
  const checks = Array.isArray(v.checks)
    ? v.checks.flatMap((c: unknown): TestCheck[] => {
        if (!c || typeof c !== "object") return [];
        const check = c as Record<string, unknown>;
        if (typeof check.name !== "string") return [];
        return [
          {
            name: check.name,
            conclusion: typeof check.conclusion === "string" ? check.conclusion : null,
            url: typeof check.url === "string" ? check.url : null,
          },
        ];
      })
    : [];
  return {
    state,
    sha: typeof v.sha === "string" ? v.sha : null,
    summary: typeof v.summary === "string" ? v.summary : "",
    checks,
  };
}

export function parseDetails(text: string): Record<string, unknown> {
  const value = parseJson(text);
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
