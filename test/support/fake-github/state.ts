/**
 * The fake's whole world: plain data in Maps, mutated only by the helpers in this folder.
 * Git objects (trees, commits) live in one store shared by every repository, like a fork
 * network on GitHub, so a fork's commit can be merged into its parent.
 */

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type UserType = "User" | "Bot" | "Organization";

export interface User {
  login: string;
  id: number;
  type: UserType;
}

/** A tree is a snapshot: path -> file content. Its sha is a hash of the sorted entries. */
export type Tree = ReadonlyMap<string, string>;

export interface Commit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: string;
  committer: string;
  date: string;
}

export interface RefUpdate {
  before: string;
  after: string;
  pusher: string;
  forced: boolean;
}

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface Comment {
  id: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface Review {
  id: number;
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  body: string;
  commitId: string;
  submittedAt: string;
}

/** A pull request's entry in its base branch's merge queue. */
export interface QueueEntry {
  /** The head SHA that was enqueued (GitHub drops the entry when the head moves). */
  headSha: string;
  enqueuedAt: string;
  by: string;
  /** Order of entry: the queue is first come, first served. */
  seq: number;
}

/** A `RemovedFromMergeQueueEvent` on the pull request's timeline. */
export interface QueueRemoval {
  id: number;
  reason: string;
  at: string;
  actor: string;
}

export interface Pull {
  number: number;
  id: number;
  nodeId: string;
  title: string;
  body: string | null;
  user: string;
  /** Repository (full name) that holds the head branch: the PR's own repo, or a fork. */
  headRepo: string;
  headRef: string;
  /** Head sha recorded when the PR was closed or merged; live branch sha otherwise. */
  frozenHeadSha: string | null;
  baseRef: string;
  /** Base sha the diff was computed against when the PR was merged (its merge base). */
  frozenBaseSha: string | null;
  state: "open" | "closed";
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
  labels: string[];
  comments: Comment[];
  reviews: Review[];
  /** Its entry in the base branch's merge queue, while it is queued. */
  queue: QueueEntry | null;
  /** Its removals from the merge queue, oldest first (the timeline's events). */
  queueRemovals: QueueRemoval[];
  /** Its `labeled` and `unlabeled` issue events, oldest first (`GET /issues/:n/events`). */
  labelEvents: LabelEvent[];
}

export interface LabelEvent {
  id: number;
  event: "labeled" | "unlabeled";
  label: string;
  actor: string;
  createdAt: string;
}

export interface CheckRun {
  id: number;
  name: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  detailsUrl: string | null;
  externalId: string | null;
  appSlug: string;
  startedAt: string;
  completedAt: string | null;
  suiteId: number;
}

export interface CommitStatus {
  id: number;
  sha: string;
  context: string;
  state: "error" | "failure" | "pending" | "success";
  targetUrl: string | null;
  description: string | null;
  creator: string;
  createdAt: string;
}

export interface Repo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  private: boolean;
  defaultBranch: string;
  installationId: number;
  forkOf: string | null;
  /** GitHub's "Automatically delete head branches" setting. */
  deleteBranchOnMerge: boolean;
  /** Branches whose protection (or ruleset) requires GitHub's merge queue. */
  mergeQueueBranches: Set<string>;
  createdAt: string;
  pushedAt: string;
  branches: Map<string, string>;
  /** Last update of each branch, for push payloads (before/after/pusher). */
  lastUpdate: Map<string, RefUpdate>;
  collaborators: Map<string, Permission>;
  labels: Map<string, Label>;
  pulls: Map<number, Pull>;
  checkRuns: CheckRun[];
  statuses: CommitStatus[];
  /** Issue and PR numbers share one counter, as on GitHub. */
  nextNumber: number;
}

export interface Installation {
  id: number;
  account: string;
  createdAt: string;
}

export type TokenOwner = { kind: "installation"; installationId: number } | { kind: "user"; login: string };

export interface AppInfo {
  id: number;
  slug: string;
  name: string;
  owner: string;
  clientId: string;
  clientSecret: string;
}

/** A change made through the API, for automatic webhook delivery (see auto-deliver.ts). */
export type StateChange =
  | { kind: "push"; repo: string; branch: string }
  | { kind: "pull"; repo: string; number: number; action: "opened" | "closed" | "reopened" | "edited" | "dequeued"; actor: string }
  | { kind: "label"; repo: string; number: number; action: "labeled" | "unlabeled"; name: string; actor: string }
  | { kind: "comment"; repo: string; number: number; commentId: number }
  | { kind: "checkRun"; repo: string; id: number; action: "created" | "completed" }
  | { kind: "status"; repo: string; sha: string; context: string; state: "error" | "failure" | "pending" | "success" };

export interface State {
  baseUrl: string;
  app: AppInfo;
  users: Map<string, User>;
  repos: Map<string, Repo>;
  installations: Map<number, Installation>;
  trees: Map<string, Tree>;
  /** File contents by git blob sha: what `POST git/blobs` stored and what tree listings named. */
  blobs: Map<string, string>;
  commits: Map<string, Commit>;
  tokens: Map<string, TokenOwner>;
  oauthCodes: Map<string, { login: string; clientId: string; redirectUri: string | null }>;
  oauthUser: string | null;
  nextId: number;
  /** Called for every change made through the API (null: nobody listens). */
  onChange: ((change: StateChange) => void) | null;
  /** Last time handed out, so that timestamps never go backwards. */
  lastTime: number;
  /** Where time comes from (ms): the wall clock, or a test's virtual clock (the property suite). */
  clock?: () => number;
}

/** The bot account that installation tokens act as. */
export function botLogin(state: State): string {
  return `${state.app.slug}[bot]`;
}

export function createState(baseUrl: string, app: { id: number; clientId: string; clientSecret: string }): State {
  const state: State = {
    baseUrl,
    app: { ...app, slug: "upgrade-queue", name: "Upgrade Queue", owner: "upgrade-queue-org" },
    users: new Map(),
    repos: new Map(),
    installations: new Map(),
    trees: new Map(),
    blobs: new Map(),
    commits: new Map(),
    tokens: new Map(),
    oauthCodes: new Map(),
    oauthUser: null,
    nextId: 1000,
    onChange: null,
    lastTime: 0,
  };
  ensureUser(state, state.app.owner, "Organization");
  ensureUser(state, botLogin(state), "Bot");
  ensureUser(state, "ci[bot]", "Bot");
  ensureUser(state, "web-flow", "User");
  return state;
}

export function emit(state: State, change: StateChange): void {
  state.onChange?.(change);
}

export function nextId(state: State): number {
  state.nextId += 1;
  return state.nextId;
}

/** GitHub's timestamps: ISO 8601 to the second, never going backwards. */
export function now(state: State): string {
  const t = Math.max(state.clock ? state.clock() : Date.now(), state.lastTime);
  state.lastTime = t;
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Users come into being when first mentioned; `[bot]` logins are bots. */
export function ensureUser(state: State, login: string, type?: UserType): User {
  const existing = state.users.get(login.toLowerCase());
  if (existing) return existing;
  const user: User = { login, id: nextId(state), type: type ?? (login.endsWith("[bot]") ? "Bot" : "User") };
  state.users.set(login.toLowerCase(), user);
  return user;
}

export function findUser(state: State, login: string): User | undefined {
  return state.users.get(login.toLowerCase());
}

export function getRepo(state: State, fullName: string): Repo {
  const repo = findRepo(state, fullName);
  if (!repo) throw new Error(`fake-github: no repository ${fullName}`);
  return repo;
}

export function findRepo(state: State, fullName: string): Repo | undefined {
  return state.repos.get(fullName.toLowerCase());
}

export function getPullState(repo: Repo, n: number): Pull {
  const pull = repo.pulls.get(n);
  if (!pull) throw new Error(`fake-github: no pull request ${repo.fullName}#${n}`);
  return pull;
}

/** The role a user has on a repo: owners are admins, others need a collaborator entry. */
export function roleOf(state: State, repo: Repo, login: string): Permission {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return "admin";
  const explicit = repo.collaborators.get(login.toLowerCase());
  if (explicit) return explicit;
  return repo.private ? "none" : "read";
}

const ORDER: Permission[] = ["none", "read", "triage", "write", "maintain", "admin"];

export function atLeast(role: Permission, wanted: Permission): boolean {
  return ORDER.indexOf(role) >= ORDER.indexOf(wanted);
}
