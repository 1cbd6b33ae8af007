/**
 * The narrow GitHub port: one method per thing the pipeline needs from GitHub. The pipeline
 * and timers talk to GitHub only through this, so tests can assert the exact requests (nock)
 * and benchmarks can count them.
 */
import type { CheckRunView } from "../domain/messages.js";
import type { ObservedCheck } from "../domain/test-gate.js";
import type { ChangedFile, Permission, UpgradeStatus } from "../domain/types.js";

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PullFacts {
  number: number;
  nodeId: string;
  title: string;
  body: string;
  state: "open" | "closed";
  merged: boolean;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  headSha: string;
  headRef: string;
  headRepoFullName: string | null;
  baseRef: string;
  author: string | null;
  additions: number;
  deletions: number;
  htmlUrl: string;
  labels: string[];
  /** GitHub's `created_at`; null when the answer had none. */
  createdAt: string | null;
  /** GitHub's `updated_at`: every push to the head branch bumps it. */
  updatedAt: string;
}

export interface PullFile extends ChangedFile {
  patch: string | null;
}

export interface PullCommit {
  sha: string;
  message: string;
  authorLogin: string | null;
  committerLogin: string | null;
}

export interface ReviewFacts {
  /** The review's REST id (`databaseId`). */
  id: number;
  author: string | null;
  /** `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`. */
  state: string;
  commitSha: string | null;
  /** GitHub's `authorCanPushToRepository`: the author has write access or more. */
  authorCanPush: boolean;
}

/**
 * The pull request as GitHub has it now, read in one GraphQL query: what a pass decides from
 * (CONTRACT §2 "Webhooks are triggers; GitHub is the truth").
 */
export interface PullSnapshot extends PullFacts {
  /** Check runs (but the app's own) and commit statuses on `headSha`, oldest first. */
  checks: ObservedCheck[];
  /** The id of the app's own `Upgrade Queue` check run on `headSha`, if there is one. */
  ownCheckRunId: string | null;
  /** Distinct check names the base branch's head reports (weakened tests: CONTRACT §2). */
  baseCheckNames: string[];
  /** The repository deletes a PR's head branch when it merges (`delete_branch_on_merge`). */
  deleteBranchOnMerge: boolean;
  /** The PR's reviews, newest last; only when asked for (`{ reviews: true }`), else null. */
  reviews: ReviewFacts[] | null;
  /** GitHub's merge queue for the PR's base branch, and the PR's place in it. */
  mergeQueue: MergeQueueFacts;
  /** Other open PRs whose head is this PR's branch (deleting it would close them). */
  otherOpenPullsOnHead: number[];
}

/** What the PR read says about GitHub's merge queue (`isMergeQueueEnabled`, `isInMergeQueue`, ...). */
export interface MergeQueueFacts {
  /** The base branch requires the merge queue: merging means enqueueing. */
  enabled: boolean;
  /** The PR is in the queue now. */
  queued: boolean;
  /** Its place in the queue (1 = next), when queued. */
  position: number | null;
  /** The PR's latest removal from the queue (`RemovedFromMergeQueueEvent`): GitHub's reason, when, by whom. */
  lastRemoval: { reason: string | null; at: string; actor: string | null } | null;
}

export type MergeOutcome =
  /** `previousSha`: the merge commit's first parent, when the answer said it. */
  | { ok: true; sha: string; previousSha: string | null }
  | { ok: false; status: number; message: string; headMoved: boolean };

export type EnqueueOutcome =
  | { ok: true; position: number | null }
  | { ok: false; status: number; message: string; headMoved: boolean };

export interface GitHubPort {
  readConfig(repo: RepoRef): Promise<string | null>;
  createPull(repo: RepoRef, input: { head: string; base: string; title: string; body: string }): Promise<PullFacts | "exists">;
  /** Files and commits between `base` and `head` (what a PR from head into base would show). */
  compare(repo: RepoRef, base: string, head: string): Promise<{ files: PullFile[]; commits: PullCommit[] }>;
  findOpenPullByHead(repo: RepoRef, branch: string): Promise<PullFacts | null>;
  /** The PR now, with its head's checks (one GraphQL query; see PullSnapshot). */
  readPull(repo: RepoRef, pullNumber: number, options?: { reviews?: boolean }): Promise<PullSnapshot>;
  listPullFiles(repo: RepoRef, pullNumber: number): Promise<PullFile[]>;
  listPullCommits(repo: RepoRef, pullNumber: number): Promise<PullCommit[]>;
  getPermission(repo: RepoRef, login: string): Promise<Permission>;
  /** The app's own `Upgrade Queue` check run on `sha`, if there is one. */
  findCheckRun(repo: RepoRef, sha: string): Promise<{ id: string; summary: string | null } | null>;
  /** Creates or updates the `Upgrade Queue` check run; returns its id. */
  upsertCheckRun(repo: RepoRef, input: { id: string | null; headSha: string; view: CheckRunView; detailsUrl: string }): Promise<string>;
  /**
   * Shows `upgrade:<status>` and no other state label. With the PR's labels as a fresh read gave
   * them (`present`), in one request that sets the whole list; without, by adding the label.
   */
  setStateLabel(repo: RepoRef, pullNumber: number, status: UpgradeStatus, present: readonly string[] | null): Promise<void>;
  removeLabel(repo: RepoRef, pullNumber: number, name: string): Promise<void>;
  comment(repo: RepoRef, pullNumber: number, body: string): Promise<void>;
  /** Comments on the PR updated since `since` (at most the first 100), with their authors. */
  commentsSince(repo: RepoRef, pullNumber: number, since: Date): Promise<Array<{ author: string | null; body: string }>>;
  /**
   * Who last added label `name` to the PR and when, from its issue events (GitHub's record, for
   * a label whose webhook never came); null when no event names it.
   */
  lastLabeled(repo: RepoRef, pullNumber: number, name: string): Promise<{ login: string; isBot: boolean; at: string } | null>;
  closePull(repo: RepoRef, pullNumber: number): Promise<void>;
  getBranchHead(repo: RepoRef, branch: string): Promise<string>;
  /** The first parent of a commit: the base head a merge or squash commit was put on top of. */
  firstParent(repo: RepoRef, sha: string): Promise<string | null>;
  /** Merges if the head is still `sha` (GraphQL `mergePullRequest` with `expectedHeadOid`). */
  merge(repo: RepoRef, pull: { number: number; nodeId: string }, input: { sha: string; method: "merge" | "squash" | "rebase"; title: string }): Promise<MergeOutcome>;
  /**
   * Adds the PR to its base branch's merge queue if the head is still `sha` (GraphQL
   * `enqueuePullRequest` with `expectedHeadOid`); GitHub merges it when the queue's checks pass.
   */
  enqueue(repo: RepoRef, pull: { number: number; nodeId: string }, input: { sha: string }): Promise<EnqueueOutcome>;
  deleteBranch(repo: RepoRef, branch: string): Promise<void>;
  /** Adds a commit on `branch` whose tree is `treeOf`'s, if the branch head is still `expectedHead`. */
  restoreTree(repo: RepoRef, input: { branch: string; expectedHead: string; treeOf: string; message: string }): Promise<{ ok: true; sha: string } | { ok: false; reason: string }>;
  openRevertPull(repo: RepoRef, pullNodeId: string, title: string, body: string): Promise<{ number: number; url: string | null }>;
  /** Repositories the installation can see (for reconciliation). */
  listInstallationRepositories(): Promise<Array<{ fullName: string; private: boolean; defaultBranch: string }>>;
  listPulls(repo: RepoRef, state: "open" | "closed", since: Date | null): Promise<PullFacts[]>;
}

export function splitRepository(fullName: string): RepoRef {
  const slash = fullName.indexOf("/");
  return { owner: fullName.slice(0, slash), repo: fullName.slice(slash + 1) };
}
