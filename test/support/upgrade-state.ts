/**
 * Builders for the pure decision core's values: an `UpgradeState` with sensible defaults (a small,
 * unguarded, freshly proposed upgrade at `HEAD`), actors, test results and contexts. Tests state
 * only what their row is about.
 */
import { defaultRepoConfig, type RepoConfig } from "../../src/config/repo-config.js";
import type { Actor, Approval, DecideContext, HeadFacts, Permission, TestResults, TestState, UpgradeState, Via } from "../../src/domain/types.js";

export const HEAD = "a".repeat(40);
export const NEW_HEAD = "b".repeat(40);
export const OLD_HEAD = "c".repeat(40);
export const BASE_HEAD = "d".repeat(40);
export const MERGE_SHA = "e".repeat(40);
export const ROLLBACK_SHA = "f".repeat(40);

export const PROPOSED_AT = new Date("2024-05-01T12:00:00Z");
const HOUR_MS = 3_600_000;

/** `hours` after the upgrade was proposed. */
export function hoursAfterProposal(hours: number): Date {
  return new Date(PROPOSED_AT.getTime() + hours * HOUR_MS);
}

export function upgradeState(overrides: Partial<UpgradeState> = {}): UpgradeState {
  return {
    status: "proposed",
    pullNumber: 7,
    branchName: "self-modify/faster-cache",
    baseBranch: "main",
    headSha: HEAD,
    approvedSha: null,
    approvedBy: [],
    approvals: [],
    additions: 10,
    deletions: 2,
    guarded: false,
    urgent: false,
    bypassed: false,
    nonApprovers: ["agent-bot[bot]", "agent-author"],
    testResults: null,
    proposedAt: PROPOSED_AT,
    mergeClaimSha: null,
    previousSha: null,
    mergeCommitSha: null,
    rollbackSha: null,
    revertPullNumber: null,
    errorMessage: null,
    ...overrides,
  };
}

/** An upgrade approved at `HEAD` by `alice` (write). */
export function approvedState(overrides: Partial<UpgradeState> = {}): UpgradeState {
  return upgradeState({
    status: "approved",
    approvedSha: HEAD,
    approvedBy: ["alice"],
    approvals: [approval("alice")],
    ...overrides,
  });
}

/** An upgrade merged by the app: `previousSha` and `mergeCommitSha` known. */
export function appliedState(overrides: Partial<UpgradeState> = {}): UpgradeState {
  return approvedState({ status: "applied", previousSha: BASE_HEAD, mergeCommitSha: MERGE_SHA, ...overrides });
}

export function approval(login: string, options: { sha?: string; permission?: Permission | null; via?: Via } = {}): Approval {
  return {
    login,
    sha: options.sha ?? HEAD,
    via: options.via ?? "review",
    permission: options.permission === undefined ? "write" : options.permission,
    at: PROPOSED_AT,
  };
}

export function person(login: string, permission: Permission | null = "write"): Actor {
  return { login, isBot: false, permission };
}

export function bot(login: string, permission: Permission | null = "write"): Actor {
  return { login, isBot: true, permission };
}

export function testResults(state: TestState, sha: string = HEAD): TestResults {
  const conclusion = state === "passed" ? "success" : state === "failed" ? "failure" : null;
  const summary = state === "passed" ? "1 of 1 checks passed" : state === "failed" ? "0 of 1 checks passed; test failure" : "0 of 1 checks passed; 1 pending";
  return { state, sha, summary, checks: [{ name: "test", conclusion, url: null }] };
}

export function headFacts(overrides: Partial<HeadFacts> = {}): HeadFacts {
  return {
    headSha: NEW_HEAD,
    additions: 12,
    deletions: 3,
    files: [{ filename: "src/cache.ts", status: "modified", additions: 12, deletions: 3 }],
    guarded: false,
    urgent: false,
    nonApprovers: ["agent-bot[bot]"],
    ...overrides,
  };
}

export function context(overrides: Partial<DecideContext> = {}): DecideContext {
  return { now: hoursAfterProposal(1), urgentBypassesToday: 0, hasObjection: false, ...overrides };
}

/** The default config with some keys replaced (nested objects are merged). */
export function config(overrides: ConfigOverrides = {}): RepoConfig {
  const { autoApprove, urgent, budget, ...rest } = overrides;
  return {
    ...defaultRepoConfig,
    ...rest,
    autoApprove: { ...defaultRepoConfig.autoApprove, ...autoApprove },
    urgent: { ...defaultRepoConfig.urgent, ...urgent },
    budget: { ...defaultRepoConfig.budget, ...budget },
  };
}

export type ConfigOverrides = Partial<Omit<RepoConfig, "autoApprove" | "urgent" | "budget">> & {
  autoApprove?: Partial<RepoConfig["autoApprove"]>;
  urgent?: Partial<RepoConfig["urgent"]>;
  budget?: Partial<RepoConfig["budget"]>;
};
