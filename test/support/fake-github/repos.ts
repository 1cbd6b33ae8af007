/** Repository-level state changes: creating repos, pushing commits, moving branches. */
import { ZERO_SHA, applyChanges, isAncestor, treeOfCommit, writeCommit, writeTree } from "./git.js";
import type { Permission, Repo, State, UserType } from "./state.js";
import { emit, ensureUser, getRepo, nextId, now } from "./state.js";

export interface AddRepoInput {
  owner: string;
  name: string;
  defaultBranch?: string;
  private?: boolean;
  installationId?: number;
  ownerType?: "User" | "Organization";
  /** Automatically delete head branches after a merge (default false). */
  deleteBranchOnMerge?: boolean;
  /** Initial files of the root commit (default: a README.md). */
  files?: Record<string, string>;
}

export function addRepo(state: State, input: AddRepoInput): Repo {
  const fullName = `${input.owner}/${input.name}`;
  if (state.repos.has(fullName.toLowerCase())) throw new Error(`fake-github: ${fullName} exists`);
  ensureUser(state, input.owner, input.ownerType ?? "User");
  const installationId = input.installationId ?? 1;
  if (!state.installations.has(installationId)) {
    state.installations.set(installationId, { id: installationId, account: input.owner, createdAt: now(state) });
  }
  const defaultBranch = input.defaultBranch ?? "main";
  const files = new Map(Object.entries(input.files ?? { "README.md": `# ${input.name}\n` }));
  const root = writeCommit(state, {
    tree: writeTree(state, files),
    parents: [],
    message: "Initial commit",
    author: input.owner,
    committer: input.owner,
  });
  const created = now(state);
  const repo: Repo = {
    id: nextId(state),
    owner: input.owner,
    name: input.name,
    fullName,
    private: input.private ?? false,
    defaultBranch,
    installationId,
    forkOf: null,
    deleteBranchOnMerge: input.deleteBranchOnMerge ?? false,
    mergeQueueBranches: new Set(),
    createdAt: created,
    pushedAt: created,
    branches: new Map([[defaultBranch, root.sha]]),
    lastUpdate: new Map([[defaultBranch, { before: ZERO_SHA, after: root.sha, pusher: input.owner, forced: false }]]),
    collaborators: new Map(),
    labels: new Map(),
    pulls: new Map(),
    checkRuns: [],
    statuses: [],
    nextNumber: 1,
  };
  state.repos.set(fullName.toLowerCase(), repo);
  return repo;
}

/** A fork shares the object store; it starts with the parent's default branch only. */
export function forkRepo(state: State, parent: string, owner: string, installationId?: number): Repo {
  const source = getRepo(state, parent);
  const fork = addRepo(state, {
    owner,
    name: source.name,
    defaultBranch: source.defaultBranch,
    private: source.private,
    installationId: installationId ?? source.installationId,
  });
  fork.forkOf = source.fullName;
  const sha = source.branches.get(source.defaultBranch) as string;
  fork.branches.set(source.defaultBranch, sha);
  fork.lastUpdate.set(source.defaultBranch, { before: ZERO_SHA, after: sha, pusher: owner, forced: false });
  return fork;
}

export interface PushCommitInput {
  repo: string;
  branch: string;
  message: string;
  /** path -> new content, or null to delete the file. */
  files: Record<string, string | null>;
  author?: string;
  committer?: string;
  /** Who pushed (push payload's pusher/sender); default committer, else author. */
  pusher?: string;
}

export function pushCommit(state: State, input: PushCommitInput): string {
  const repo = getRepo(state, input.repo);
  const author = input.author ?? repo.owner;
  const committer = input.committer ?? author;
  ensureUser(state, author);
  ensureUser(state, committer);
  const parent = repo.branches.get(input.branch) ?? (repo.branches.get(repo.defaultBranch) as string);
  const changes = Object.entries(input.files).map(([path, content]) => ({
    path,
    before: undefined,
    after: content === null ? undefined : content,
  }));
  const tree = writeTree(state, applyChanges(treeOfCommit(state, parent), changes));
  const commit = writeCommit(state, { tree, parents: [parent], message: input.message, author, committer });
  setBranch(state, repo, input.branch, commit.sha, input.pusher ?? committer);
  return commit.sha;
}

/** Moves (or creates) a branch, remembering the update for push payloads. */
/** The removal reason the fake gives when a queued pull request's head moves (our wording). */
export const HEAD_MOVED_REASON = "The head branch of the pull request was updated";

export function setBranch(state: State, repo: Repo, branch: string, sha: string, pusher: string): void {
  const before = repo.branches.get(branch) ?? ZERO_SHA;
  const forced = before !== ZERO_SHA && !isAncestor(state, before, sha);
  repo.branches.set(branch, sha);
  repo.lastUpdate.set(branch, { before, after: sha, pusher, forced });
  repo.pushedAt = now(state);
  // GitHub bumps a pull request's updated_at when its head branch moves.
  for (const target of state.repos.values()) {
    for (const pull of target.pulls.values()) {
      if (pull.state !== "open" || pull.headRepo !== repo.fullName || pull.headRef !== branch) continue;
      pull.updatedAt = repo.pushedAt;
      // GitHub's merge queue drops a pull request whose head moved.
      if (pull.queue && pull.queue.headSha !== sha) {
        pull.queue = null;
        pull.queueRemovals.push({ id: nextId(state), reason: HEAD_MOVED_REASON, at: repo.pushedAt, actor: pusher });
        emit(state, { kind: "pull", repo: target.fullName, number: pull.number, action: "dequeued", actor: pusher });
      }
    }
  }
}

export function deleteBranch(state: State, repo: Repo, branch: string, pusher: string): boolean {
  const before = repo.branches.get(branch);
  if (!before) return false;
  repo.branches.delete(branch);
  repo.lastUpdate.set(branch, { before, after: ZERO_SHA, pusher, forced: false });
  // As on GitHub, deleting a branch closes the open pull requests from it.
  for (const target of state.repos.values()) {
    for (const pull of target.pulls.values()) {
      if (pull.state !== "open" || pull.headRepo !== repo.fullName || pull.headRef !== branch) continue;
      Object.assign(pull, { frozenHeadSha: before, state: "closed", closedAt: now(state), updatedAt: now(state) });
      emit(state, { kind: "pull", repo: target.fullName, number: pull.number, action: "closed", actor: pusher });
    }
  }
  return true;
}

export function setCollaborator(state: State, fullName: string, login: string, permission: Permission): void {
  const repo = getRepo(state, fullName);
  ensureUser(state, login);
  if (permission === "none") repo.collaborators.delete(login.toLowerCase());
  else repo.collaborators.set(login.toLowerCase(), permission);
}

export function setUser(state: State, login: string, info: { type?: UserType; id?: number }): void {
  const user = ensureUser(state, login, info.type);
  if (info.type) user.type = info.type;
  if (info.id !== undefined) user.id = info.id;
}

export function setConfig(state: State, fullName: string, yamlText: string, author?: string): string {
  const repo = getRepo(state, fullName);
  return pushCommit(state, {
    repo: fullName,
    branch: repo.defaultBranch,
    message: "Configure Upgrade Queue",
    files: { ".github/upgrade-queue.yml": yamlText },
    author: author ?? repo.owner,
  });
}
