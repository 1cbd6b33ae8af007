/**
 * The stores the pipeline and timers use, as interfaces. Two implementations keep the same
 * semantics: Prisma (upgrade-store.ts, delivery-store.ts: SQLite and PostgreSQL) and memory
 * (memory/: the property suite's fast store, docs/verification.md). test/store/store-contract.test.ts
 * runs one contract against all three so that they cannot drift.
 */
import type { Approval, ChangedFile, Freeze, RecordedEvent, UpgradePatch, Via } from "../domain/types.js";
import type { UpgradeRecord } from "./upgrade-record.js";

export interface NewUpgrade {
  installationId: number;
  repository: string;
  repositoryPrivate: boolean;
  pullNumber: number;
  title: string;
  description: string;
  branchName: string;
  baseBranch: string;
  author: string | null;
  headSha: string;
  /** GitHub's time no earlier than the push that made `headSha` the head; null while the PR has had it since it was opened. */
  headSince: Date | null;
  additions: number;
  deletions: number;
  files: ChangedFile[];
  diffPreview: string;
  guarded: boolean;
  urgent: boolean;
  nonApprovers: string[];
  proposedAt: Date;
  /** The proposing account, for budgets (CONTRACT §2). */
  proposedBy: string | null;
}

export interface SaveInput {
  /**
   * An urgent bypass is saved only while the repository's bypasses since `since` stay under
   * `max`, counted inside the transaction after taking the repository's row lock, so several
   * upgrades going green at once on several replicas cannot exceed the budget.
   */
  urgentBudget?: { since: Date; max: number };
  /**
   * A proposal that passed the budget is saved only while the proposer's other recorded
   * proposals stay under it, counted the same way (inside the transaction, after the
   * repository's row lock), so several proposals at once on several replicas cannot all pass.
   */
  proposalBudget?: { proposer: string; since: Date; maxOpen: number; maxPerDay: number };
  patch: UpgradePatch & { diffPreview?: string; checkRunId?: string | null; title?: string; description?: string };
  approvals: Approval[];
  events: RecordedEvent[];
  deliveryId: string | null;
  at: Date;
  /** GitHub writes this transition owes, kept with it (see `PendingEffect`) until done. */
  owed?: { effects: OwedEffect[]; status: string; ownedUntil: Date };
}

/** The effects that change GitHub once and cannot be re-derived from the state. */
export type OwedEffect = { kind: "comment"; body: string } | { kind: "close_pr" } | { kind: "delete_branch" };

export interface PendingEffectRow {
  id: number;
  upgradeId: number;
  kind: string;
  body: string | null;
  status: string;
  createdAt: Date;
  attempts: number;
}

export interface TimerTarget {
  id: number;
  installationId: number;
  repository: string;
}

/** Upgrades: load, create, and save a transition as one conditional update on `version`. */
export interface UpgradeStore {
  byId(id: number): Promise<UpgradeRecord | null>;
  byPull(repository: string, pullNumber: number): Promise<UpgradeRecord | null>;
  byRevertPull(repository: string, revertPullNumber: number): Promise<UpgradeRecord | null>;
  /** The newest upgrade of the branch that is `proposed`, `approved` or `failed`. */
  openByBranch(repository: string, branchName: string): Promise<UpgradeRecord | null>;
  hasPull(repository: string, pullNumber: number): Promise<boolean>;
  idsByHeadSha(repository: string, headSha: string): Promise<number[]>;
  /** Creates the upgrade with `events`; an existing one for the PR wins (`created: false`). */
  create(data: NewUpgrade, events: RecordedEvent[], deliveryId: string | null): Promise<{ record: UpgradeRecord; created: boolean }>;
  /**
   * Applies a decision if the upgrade's version is still `record.version`: false when it moved
   * on (or the urgent budget ran out), else the ids of the owed effects stored, in order. A
   * decision that writes nothing succeeds without touching the row.
   */
  save(record: UpgradeRecord, input: SaveInput): Promise<{ owed: number[] } | false>;
  effectsDone(ids: readonly number[]): Promise<void>;
  /** Whether the upgrade still owes GitHub the close of its PR (its pass failed before closing it). */
  owesClose(upgradeId: number): Promise<boolean>;
  releaseEffects(ids: readonly number[], now: Date): Promise<void>;
  /** Owed effects whose claim lapsed, each claimed until `until(attempts)` by compare-and-set. */
  claimOwedEffects(now: Date, until: (attempts: number) => Date, limit: number): Promise<PendingEffectRow[]>;
  effectFailed(ids: readonly number[], error: string): Promise<void>;
  /** Not a transition: no version change. */
  setCheckRunId(id: number, checkRunId: string): Promise<void>;
  /** Compare-and-set on `checkRunId` (`pending:<now>@<sha>`); a claim lapses after a minute. */
  claimCheckRunCreation(id: number, sha: string, now: number): Promise<boolean>;
  /** Appends `upgrade.config_invalid` unless the latest one says the same; true when appended. */
  recordConfigProblem(record: UpgradeRecord, error: string): Promise<boolean>;
  hasProposal(upgradeId: number): Promise<boolean>;
  /** The events one delivery recorded on an upgrade (type and details as JSON), oldest first. */
  eventsOfDelivery(upgradeId: number, deliveryId: string): Promise<Array<{ type: string; details: string }>>;
  countUrgentBypasses(repository: string, since: Date): Promise<number>;
  /** The proposer's other recorded proposals: pending ones, and those made since `since`. */
  budgetUse(repository: string, proposer: string, upgradeId: number, since: Date): Promise<{ open: number; today: number }>;
  /** The repository's freeze, or null when it is not frozen. */
  freezeOf(repository: string): Promise<Freeze | null>;
  /** Freezes or unfreezes with its `repository.*` event, only if that changes something (compare-and-set). */
  setFreeze(change: { repository: string; installationId: number; frozen: boolean; actor: string; reason: string | null; via: Via; at: Date; deliveryId: string | null }): Promise<boolean>;
  /** The repository's open upgrades (proposed, approved or failed), in proposal order. */
  openUpgradeIds(repository: string): Promise<number[]>;
  /** An installation of the repository the app knows of. */
  installationOf(repository: string): Promise<number | null>;
  hasObjection(upgradeId: number): Promise<boolean>;
  dueForTimers(limit: number): Promise<TimerTarget[]>;
  /** Approved upgrades whose merge claim is older than `before`, unrecorded, and not held by GitHub's merge queue. */
  staleMergeClaims(before: Date): Promise<StaleMergeClaim[]>;
  pruneTerminal(repository: string, before: Date): Promise<number>;
  lastReconciled(repository: string): Promise<Date | null>;
  markReconciled(repository: string, installationId: number, at: Date): Promise<void>;
  repositoriesWithUpgrades(): Promise<Array<{ repository: string; installationId: number }>>;
}

export interface StoredDelivery {
  id: string;
  event: string;
  installationId: number | null;
  payload: string;
  attempts: number;
}

export interface UnprocessedDelivery {
  id: string;
  event: string;
  receivedAt: Date;
  attempts: number;
  error: string | null;
  gaveUp: boolean;
}

/** The webhook inbox (see delivery-store.ts for the claim protocol). */
export interface DeliveryStore {
  /** Stores a delivery claimed by the caller (attempt 1); null when it was stored before (a redelivery). */
  accept(delivery: { id: string; event: string; installationId: number | null; payload: string }, now: Date): Promise<StoredDelivery | null>;
  claim(id: string, now: Date): Promise<StoredDelivery | null>;
  renew(id: string, now: Date): Promise<void>;
  unfinished(now: Date, limit: number): Promise<string[]>;
  finish(id: string, now: Date, error: string | null): Promise<void>;
  unprocessed(limit: number): Promise<UnprocessedDelivery[]>;
  retry(which: readonly string[] | "all-gave-up"): Promise<string[]>;
  pruneProcessed(before: Date): Promise<number>;
}

/** A merge claim that may belong to a replica that died: the claimed SHA and when it was claimed. */
export interface StaleMergeClaim extends TimerTarget {
  pullNumber: number;
  sha: string;
  claimedAt: Date | null;
}
