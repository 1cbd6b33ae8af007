/** Mapping between the Upgrade row (JSON kept as text) and the domain's UpgradeState. */
import type { Approval, ChangedFile, Permission, TestResults, UpgradePatch, UpgradeState, UpgradeStatus, Via, Weakening } from "../domain/types.js";

/** The columns the pipeline reads: an explicit select, shared by every query that loads one. */
export const upgradeSelect = {
  id: true,
  installationId: true,
  repository: true,
  repositoryPrivate: true,
  pullNumber: true,
  status: true,
  title: true,
  branchName: true,
  baseBranch: true,
  headSha: true,
  headSince: true,
  approvedSha: true,
  approvedBy: true,
  testResults: true,
  errorMessage: true,
  nonApprovers: true,
  additions: true,
  deletions: true,
  guarded: true,
  urgent: true,
  bypassed: true,
  weakened: true,
  mergeClaimSha: true,
  queuedSha: true,
  previousSha: true,
  mergeCommitSha: true,
  rollbackSha: true,
  revertPullNumber: true,
  checkRunId: true,
  proposedBy: true,
  proposedAt: true,
  updatedAt: true,
  version: true,
  approvals: { select: { login: true, sha: true, via: true, permission: true, at: true }, orderBy: { id: "asc" } },
} as const;

export interface UpgradeRow {
  id: number;
  installationId: number;
  repository: string;
  repositoryPrivate: boolean;
  pullNumber: number;
  status: string;
  title: string;
  branchName: string;
  baseBranch: string;
  headSha: string;
  headSince: Date | null;
  approvedSha: string | null;
  approvedBy: string;
  testResults: string | null;
  errorMessage: string | null;
  nonApprovers: string;
  additions: number;
  deletions: number;
  guarded: boolean;
  urgent: boolean;
  bypassed: boolean;
  weakened: string | null;
  mergeClaimSha: string | null;
  queuedSha: string | null;
  previousSha: string | null;
  mergeCommitSha: string | null;
  rollbackSha: string | null;
  revertPullNumber: number | null;
  checkRunId: string | null;
  proposedBy: string | null;
  proposedAt: Date;
  updatedAt: Date;
  version: number;
  approvals: Array<{ login: string; sha: string; via: string; permission: string | null; at: Date }>;
}

/** A loaded upgrade: its identity, version and the state decide() reads. */
export interface UpgradeRecord {
  id: number;
  version: number;
  installationId: number;
  repository: string;
  title: string;
  /** `<id>@<sha>` of the app's check run, or null before one exists. */
  checkRunId: string | null;
  /** The proposing account (budgets); null for upgrades from before budgets. */
  proposedBy: string | null;
  /** When the row last changed (any replica): a pass may still be presenting that change. */
  updatedAt: Date;
  state: UpgradeState;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === "") return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toRecord(row: UpgradeRow): UpgradeRecord {
  const approvals: Approval[] = row.approvals.map((a) => ({
    login: a.login,
    sha: a.sha,
    via: a.via as Via,
    permission: (a.permission as Permission | null) ?? null,
    at: a.at,
  }));
  return {
    id: row.id,
    version: row.version,
    installationId: row.installationId,
    repository: row.repository,
    title: row.title,
    checkRunId: row.checkRunId,
    proposedBy: row.proposedBy,
    updatedAt: row.updatedAt,
    state: {
      status: row.status as UpgradeStatus,
      pullNumber: row.pullNumber,
      branchName: row.branchName,
      baseBranch: row.baseBranch,
      headSha: row.headSha,
      headSince: row.headSince,
      approvedSha: row.approvedSha,
      approvedBy: parseJson<string[]>(row.approvedBy, []),
      approvals,
      additions: row.additions,
      deletions: row.deletions,
      guarded: row.guarded,
      urgent: row.urgent,
      bypassed: row.bypassed,
      weakened: parseJson<Weakening | null>(row.weakened, null),
      nonApprovers: parseJson<string[]>(row.nonApprovers, []),
      testResults: parseJson<TestResults | null>(row.testResults, null),
      proposedAt: row.proposedAt,
      mergeClaimSha: row.mergeClaimSha,
      queuedSha: row.queuedSha,
      previousSha: row.previousSha,
      mergeCommitSha: row.mergeCommitSha,
      rollbackSha: row.rollbackSha,
      revertPullNumber: row.revertPullNumber,
      errorMessage: row.errorMessage,
    },
  };
}

/** The row columns a domain patch changes. */
export function patchToData(patch: UpgradePatch & { diffPreview?: string }): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    switch (key) {
      case "approvedBy":
      case "nonApprovers":
        data[key] = JSON.stringify(value);
        break;
      case "filesChanged":
        data.filesChanged = JSON.stringify(value as ChangedFile[]);
        break;
      case "testResults":
      case "weakened":
        data[key] = value === null ? null : JSON.stringify(value);
        break;
      default:
        data[key] = value;
    }
  }
  return data;
}
