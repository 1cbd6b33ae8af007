/**
 * The upgrade lifecycle's vocabulary (CONTRACT §2). Pure data: nothing here talks to GitHub or
 * the database.
 */

export const UPGRADE_STATES = [
  "proposed",
  "approved",
  "rejected",
  "expired",
  "applied",
  "failed",
  "rolled_back",
] as const;
export type UpgradeStatus = (typeof UPGRADE_STATES)[number];

export const PENDING_STATES: readonly UpgradeStatus[] = ["proposed", "approved"];
export const TERMINAL_STATES: readonly UpgradeStatus[] = ["rejected", "expired", "applied", "failed", "rolled_back"];

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

/** How an event reached the app (CONTRACT §6 `via`). */
export type Via =
  | "review"
  | "comment"
  | "label"
  | "dashboard"
  | "check"
  | "push"
  | "timer"
  | "reconcile"
  | "close"
  | "pull_request";

/** The app's own actors, for decisions no person made. */
export type SystemActor = "auto-approve" | "urgent-bypass" | "expiry" | "max-diff-lines" | "reconcile" | "budget";

export interface Approval {
  login: string;
  sha: string;
  via: Via;
  permission: Permission | null;
  at: Date;
}

export interface TestCheck {
  name: string;
  /** The check run's conclusion or the commit status's state; null while it runs. */
  conclusion: string | null;
  url: string | null;
}

export type TestState = "passed" | "failed" | "pending";

export interface TestResults {
  state: TestState;
  sha: string;
  summary: string;
  checks: TestCheck[];
}

export interface ChangedFile {
  filename: string;
  status: string;
  /** A renamed file's name before (GitHub's `previous_filename`). */
  previousFilename?: string;
  additions: number;
  deletions: number;
}

/** What decide() needs to know about an upgrade. */
export interface UpgradeState {
  status: UpgradeStatus;
  pullNumber: number;
  branchName: string;
  baseBranch: string;
  headSha: string;
  /**
   * GitHub's time no earlier than the push that made `headSha` the head; null or absent while
   * the PR has had that head since it was opened. A `/approve` comment made at or before it was
   * about an older head (CONTRACT §2: an approval of an older commit does not count).
   */
  headSince?: Date | null;
  approvedSha: string | null;
  approvedBy: string[];
  approvals: Approval[];
  additions: number;
  deletions: number;
  guarded: boolean;
  urgent: boolean;
  bypassed: boolean;
  nonApprovers: string[];
  testResults: TestResults | null;
  proposedAt: Date;
  mergeClaimSha: string | null;
  previousSha: string | null;
  mergeCommitSha: string | null;
  rollbackSha: string | null;
  revertPullNumber: number | null;
  errorMessage: string | null;
  /** What shrank in its tests (it is then guarded); null or absent when nothing did. */
  weakened?: Weakening | null;
  /**
   * The SHA GitHub's merge queue holds for this upgrade (the app enqueued it under its merge
   * claim, `mergeClaimSha`); null or absent when it is in no queue. Cleared with the claim.
   */
  queuedSha?: string | null;
}

/** A person (or bot) acting on an upgrade, with what GitHub says about them. */
export interface Actor {
  login: string;
  isBot: boolean;
  /** The repository permission from the collaborator-permission API; null when not looked up. */
  permission: Permission | null;
}

export type Command = "approve" | "reject" | "apply" | "retry" | "rollback" | "freeze" | "unfreeze" | "status" | "help";

/** A repository frozen with `/freeze` (CONTRACT §2 "Frozen repositories"). */
export interface Freeze {
  by: string;
  reason: string | null;
  at: Date;
}

/** What shrank in an upgrade's tests (CONTRACT §2 "Budgets and weakened tests"). */
export interface Weakening {
  /** Test files (matching `testPaths`) deleted or changed. */
  files: string[];
  /** Check names the base branch head reports and the upgrade's head does not. */
  checks: string[];
}

/** Facts about the pull request's current head, read from GitHub. */
export interface HeadFacts {
  headSha: string;
  additions: number;
  deletions: number;
  files: ChangedFile[];
  guarded: boolean;
  urgent: boolean;
  /** Commit authors, committers and pushers: they may never approve. */
  nonApprovers: string[];
  /** Test files the head deletes or changes (already counted in `guarded`). */
  weakenedTests?: string[];
  /** GitHub's time no earlier than the push that made this the head (see `UpgradeState.headSince`). */
  since?: Date | null;
}

/** Everything that can happen to an existing upgrade. */
export type UpgradeInput =
  /** `weakenedTests`: test files the proposal deletes or changes (read with its files). */
  | { kind: "proposed"; via: Via; actor: string; weakenedTests?: string[] }
  | { kind: "closed"; merged: boolean; actor: string | null; via: Via; mergeCommitSha?: string | null; previousSha?: string | null }
  | { kind: "reopened"; actor: string; via: Via }
  /**
   * `fromSha`: the head the update was read against. When another pass moved the head since
   * (another replica, with a read of its own), this read may be the older one: the head is not
   * moved back; only who pushed is remembered.
   */
  | { kind: "head_updated"; facts: HeadFacts; actor: string | null; via: Via; fromSha?: string }
  /**
   * `madeAt`: when a `/approve` comment was written (GitHub's `created_at`). A comment names no
   * commit: it approves the head as it was then, and a head that came later is not approved.
   */
  | { kind: "approve"; actor: Actor; sha: string; via: Via; madeAt?: string }
  | { kind: "reject"; actor: Actor; reason: string | null; via: Via }
  | { kind: "changes_requested"; actor: Actor; via: Via }
  | { kind: "label_denied"; actor: Actor; label: string }
  | { kind: "command"; command: Exclude<Command, "approve" | "reject">; actor: Actor; via: Via; argument?: string | null }
  /** `missingChecks`: check names the base branch head reports and this head does not (read with the results). */
  /** `readVersion`: the upgrade's version when the results were read (see apply-input.ts). */
  | { kind: "tests"; results: TestResults; via: Via; missingChecks?: string[]; readVersion?: number }
  /** The repository was frozen or unfrozen: refresh the check run, and go on if no longer frozen. */
  | { kind: "freeze_changed"; via: Via }
  /** Reconciliation's look at an approved upgrade no pass is merging (the unfreezing replica died, say). */
  | { kind: "resume_apply"; via: Via }
  /** The freeze was found right before merging (it landed after the merge was claimed). */
  | { kind: "merge_held"; freeze: Freeze }
  | { kind: "tick"; via: Via }
  | { kind: "merge_succeeded"; mergeCommitSha: string; previousSha: string }
  /**
   * The base branch requires GitHub's merge queue: the claimed SHA is in it (the app's
   * `enqueuePullRequest`, or a read that finds it there under the claim). `position`: its place.
   */
  | { kind: "merge_enqueued"; sha: string; position: number | null; via: Via }
  /**
   * A read finds the queued SHA neither in the merge queue nor merged: GitHub removed it.
   * `reason`: GitHub's, from the PR's timeline (never a payload's); `actor`: who GitHub names.
   */
  | { kind: "merge_dequeued"; sha: string; reason: string | null; actor: string | null; via: Via }
  /** `status`: GitHub's HTTP status, to tell a protection refusal (405) from other failures. */
  | { kind: "merge_failed"; message: string; headMoved: boolean; status?: number }
  | { kind: "merge_claim_lapsed"; via: Via }
  /** The test gate read just before merging was not green: the merge is called off. */
  | { kind: "merge_gate_not_green"; results: TestResults }
  | { kind: "rollback_committed"; rollbackSha: string; actor: string }
  | { kind: "revert_opened"; pullNumber: number; url: string | null; actor: string }
  | { kind: "revert_merged"; actor: string | null; via: Via }
  | { kind: "rollback_failed"; message: string; actor: string };

/** Context decide() reads besides the upgrade: never fetched by decide itself. */
export interface DecideContext {
  now: Date;
  /** Urgent bypasses already granted in this repository in the last 24 hours. */
  urgentBypassesToday: number;
  /** Any rejection or changes-requested review was ever given (blocks auto-approval). */
  hasObjection: boolean;
  /** `upgrade.proposed` is already in the history (read only for a `proposed` input). */
  proposalRecorded?: boolean; // read for `proposed` and `tick` inputs
  /** The repository's freeze, if it is frozen: nothing is merged, auto-approved or bypassed. */
  frozen?: Freeze | null;
  /**
   * The proposing account's use of `budget` (read only for a `proposed` input when a limit is
   * set): its other pending upgrades in the repository and its proposals in the last 24 hours.
   */
  budgetUsed?: { proposer: string; open: number; today: number } | null;
}

/** Side effects on GitHub, executed by the pipeline through the GitHub port. */
export type Effect =
  | { kind: "comment"; body: string }
  | { kind: "sync_label" }
  | { kind: "remove_label"; name: string }
  | { kind: "sync_check_run" }
  | { kind: "merge"; sha: string }
  | { kind: "close_pr" }
  | { kind: "delete_branch" }
  | { kind: "rollback" }
  /** Freeze or unfreeze the whole repository (a repository event, not this upgrade's). */
  | { kind: "set_freeze"; frozen: boolean; actor: string; reason: string | null; via: Via };

export interface RecordedEvent {
  type: `upgrade.${string}`;
  actor: string;
  via: Via;
  details: Record<string, unknown>;
}

export type UpgradePatch = Partial<Omit<UpgradeState, "approvals" | "pullNumber" | "branchName" | "baseBranch">> & {
  approvedAt?: Date | null;
  rejectedAt?: Date | null;
  appliedAt?: Date | null;
  expiredAt?: Date | null;
  failedAt?: Date | null;
  rolledBackAt?: Date | null;
  mergeClaimedAt?: Date | null;
  filesChanged?: ChangedFile[];
};

export interface Decision {
  /** Fields to change; empty when nothing changes. */
  patch: UpgradePatch;
  approvalsToAdd: Approval[];
  events: RecordedEvent[];
  effects: Effect[];
}
