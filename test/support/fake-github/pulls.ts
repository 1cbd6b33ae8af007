/** Pull request state: opening, diffing, merging, closing and reverting. */
import type { FileDiff } from "./diff.js";
import { fileDiff } from "./diff.js";
import type { Change } from "./git.js";
import {
  ZERO_SHA,
  isAncestor,
  applyChanges,
  commitsBetween,
  diffTrees,
  mergeBase,
  mergeTrees,
  readTree,
  treeOfCommit,
  writeCommit,
  writeTree,
} from "./git.js";
import { deleteBranch, setBranch } from "./repos.js";
import type { Commit, Pull, Repo, State } from "./state.js";
import { ensureUser, getRepo, nextId, now } from "./state.js";

export type MergeMethod = "merge" | "squash" | "rebase";

/** A failure GitHub would answer with an HTTP status. */
export class GitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function headShaOf(state: State, pull: Pull): string {
  if (pull.frozenHeadSha) return pull.frozenHeadSha;
  const sha = getRepo(state, pull.headRepo).branches.get(pull.headRef);
  return sha ?? ZERO_SHA;
}

export function baseShaOf(repo: Repo, pull: Pull): string {
  return repo.branches.get(pull.baseRef) ?? ZERO_SHA;
}

/** The commit the PR's diff starts from: the merge base, frozen once merged. */
export function diffBaseOf(state: State, repo: Repo, pull: Pull): string {
  if (pull.frozenBaseSha) return pull.frozenBaseSha;
  return mergeBase(state, baseShaOf(repo, pull), headShaOf(state, pull)) ?? baseShaOf(repo, pull);
}

export function pullChanges(state: State, repo: Repo, pull: Pull): Change[] {
  const head = headShaOf(state, pull);
  if (!state.commits.has(head)) return [];
  return diffTrees(treeOfCommit(state, diffBaseOf(state, repo, pull)), treeOfCommit(state, head));
}

export function pullFiles(state: State, repo: Repo, pull: Pull): FileDiff[] {
  return pullChanges(state, repo, pull).map(fileDiff);
}

export function pullCommits(state: State, repo: Repo, pull: Pull): Commit[] {
  const head = headShaOf(state, pull);
  if (!state.commits.has(head)) return [];
  return commitsBetween(state, diffBaseOf(state, repo, pull), head);
}

/** GitHub's `mergeable`: false when base moved and a file changed on both sides. */
export function isMergeable(state: State, repo: Repo, pull: Pull): boolean | null {
  if (pull.merged || pull.state === "closed") return null;
  return conflictsOf(state, repo, pull).length === 0;
}

function conflictsOf(state: State, repo: Repo, pull: Pull): string[] {
  const base = diffBaseOf(state, repo, pull);
  const head = headShaOf(state, pull);
  return mergeTrees(treeOfCommit(state, base), treeOfCommit(state, head), treeOfCommit(state, baseShaOf(repo, pull)))
    .conflicts;
}

export interface OpenPullInput {
  title: string;
  /** `branch` or `owner:branch` (a fork's branch). */
  head: string;
  base?: string;
  body?: string | null;
  user: string;
}

export function openPull(state: State, repo: Repo, input: OpenPullInput): Pull {
  const [headOwner, headRef] = input.head.includes(":") ? input.head.split(":", 2) : [repo.owner, input.head];
  const headRepo =
    (headOwner as string).toLowerCase() === repo.owner.toLowerCase()
      ? repo
      : [...state.repos.values()].find((r) => r.owner.toLowerCase() === headOwner?.toLowerCase() && r.forkOf === repo.fullName);
  const base = input.base ?? repo.defaultBranch;
  if (!headRepo || !headRepo.branches.has(headRef as string)) {
    throw new GitHubError(422, "Validation Failed", {
      errors: [{ resource: "PullRequest", field: "head", code: "invalid" }],
    });
  }
  if (!repo.branches.has(base)) {
    throw new GitHubError(422, "Validation Failed", {
      errors: [{ resource: "PullRequest", field: "base", code: "invalid" }],
    });
  }
  const existing = [...repo.pulls.values()].find(
    (p) => p.state === "open" && p.headRepo === headRepo.fullName && p.headRef === headRef && p.baseRef === base,
  );
  if (existing) {
    throw new GitHubError(422, "Validation Failed", {
      errors: [
        { resource: "PullRequest", code: "custom", message: `A pull request already exists for ${headRepo.owner}:${headRef}.` },
      ],
    });
  }
  const headSha = headRepo.branches.get(headRef as string) as string;
  if (commitsBetween(state, repo.branches.get(base) as string, headSha).length === 0) {
    throw new GitHubError(422, "Validation Failed", {
      errors: [{ resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${headRef}` }],
    });
  }
  ensureUser(state, input.user);
  const id = nextId(state);
  const created = now(state);
  const pull: Pull = {
    number: repo.nextNumber,
    id,
    nodeId: `PR_kwDO${Buffer.from(`${repo.id}:${repo.nextNumber}`).toString("base64url")}`,
    title: input.title,
    body: input.body ?? null,
    user: input.user,
    headRepo: headRepo.fullName,
    headRef: headRef as string,
    frozenHeadSha: null,
    baseRef: base,
    frozenBaseSha: null,
    state: "open",
    merged: false,
    mergedAt: null,
    mergedBy: null,
    mergeCommitSha: null,
    closedAt: null,
    createdAt: created,
    updatedAt: created,
    labels: [],
    comments: [],
    labelEvents: [],
    reviews: [],
    queue: null,
    queueRemovals: [],
  };
  repo.nextNumber += 1;
  repo.pulls.set(pull.number, pull);
  return pull;
}

export function closePull(state: State, pull: Pull): void {
  pull.frozenHeadSha = headShaOf(state, pull);
  pull.state = "closed";
  pull.closedAt = now(state);
  pull.updatedAt = pull.closedAt;
}

export function reopenPull(state: State, repo: Repo, pull: Pull): void {
  if (pull.merged) throw new GitHubError(422, "Validation Failed", { errors: [{ code: "custom", message: "merged" }] });
  const headRepo = getRepo(state, pull.headRepo);
  // GitHub keeps one open pull request per head and base: a reopen is refused as a new PR would be.
  if (reopenBlockedBy(repo, pull)) {
    throw new GitHubError(422, "Validation Failed", {
      errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${headRepo.owner}:${pull.headRef}.` }],
    });
  }
  if (nothingToMerge(state, repo, pull)) {
    throw new GitHubError(422, "Validation Failed", { errors: [{ resource: "PullRequest", code: "custom", message: `No commits between ${pull.baseRef} and ${pull.headRef}` }] });
  }
  if (headRewritten(state, pull)) {
    throw new GitHubError(422, "Validation Failed", {
      errors: [{ resource: "PullRequest", code: "custom", message: "This pull request cannot be reopened: the head branch was force-pushed or recreated." }],
    });
  }
  if (!headRepo.branches.has(pull.headRef)) {
    setBranch(state, headRepo, pull.headRef, pull.frozenHeadSha as string, pull.user);
  }
  pull.frozenHeadSha = null;
  pull.state = "open";
  pull.closedAt = null;
  pull.updatedAt = now(state);
  void repo;
}

/** Another open pull request with this one's head and base (GitHub then refuses to reopen it). */
export function reopenBlockedBy(repo: Repo, pull: Pull): Pull | undefined {
  return [...repo.pulls.values()].find((p) => p !== pull && p.state === "open" && p.headRepo === pull.headRepo && p.headRef === pull.headRef && p.baseRef === pull.baseRef);
}

/** The branch (or, deleted, the head it had) has no commit the base lacks: as for a new PR, GitHub refuses. */
export function nothingToMerge(state: State, repo: Repo, pull: Pull): boolean {
  const tip = getRepo(state, pull.headRepo).branches.get(pull.headRef) ?? pull.frozenHeadSha;
  return tip !== null && tip !== undefined && commitsBetween(state, repo.branches.get(pull.baseRef) as string, tip).length === 0;
}

/**
 * GitHub will not reopen a pull request whose head branch was force-pushed or recreated since it
 * was closed ("the head branch was force-pushed or recreated"): its tip no longer descends from
 * the head the PR had. A deleted branch is restored at that head (GitHub's "Restore branch").
 */
export function headRewritten(state: State, pull: Pull): boolean {
  const tip = getRepo(state, pull.headRepo).branches.get(pull.headRef);
  return tip !== undefined && pull.frozenHeadSha !== null && tip !== pull.frozenHeadSha && !isAncestor(state, pull.frozenHeadSha, tip);
}

export interface MergeInput {
  sha?: string;
  method?: MergeMethod;
  commitTitle?: string;
  commitMessage?: string;
  by: string;
  /** The merge queue merging its entry (the only way in when the base requires the queue). */
  throughQueue?: boolean;
}

/** PUT /pulls/:n/merge semantics, including GitHub's 405/409 refusals. */
export function mergePull(state: State, repo: Repo, pull: Pull, input: MergeInput): string {
  if (pull.merged || pull.state === "closed") throw new GitHubError(405, "Pull Request is not mergeable");
  if (!input.throughQueue && repo.mergeQueueBranches.has(pull.baseRef)) throw new GitHubError(405, "Changes must be made through the merge queue");
  const head = headShaOf(state, pull);
  if (input.sha && input.sha !== head) {
    throw new GitHubError(409, "Head branch was modified. Review and try the merge again.");
  }
  const baseTip = baseShaOf(repo, pull);
  const base = diffBaseOf(state, repo, pull);
  const merged = mergeTrees(treeOfCommit(state, base), treeOfCommit(state, head), treeOfCommit(state, baseTip));
  if (merged.conflicts.length > 0) throw new GitHubError(405, "Pull Request is not mergeable");
  const method = input.method ?? "merge";
  const commits = commitsBetween(state, base, head);
  const tree = writeTree(state, merged.tree);
  let tip: string;
  if (method === "rebase") {
    tip = baseTip;
    let cursor = readTree(state, treeOfCommitSha(state, baseTip));
    for (const c of commits) {
      const parentTree = treeOfCommit(state, c.parents[0] ?? base);
      cursor = applyChanges(cursor, diffTrees(parentTree, readTree(state, c.tree)));
      tip = writeCommit(state, { tree: writeTree(state, cursor), parents: [tip], message: c.message, author: c.author, committer: "web-flow" }).sha;
    }
  } else {
    const title =
      input.commitTitle ??
      (method === "squash" ? `${pull.title} (#${pull.number})` : `Merge pull request #${pull.number} from ${getRepo(state, pull.headRepo).owner}/${pull.headRef}`);
    const body = input.commitMessage ?? (method === "squash" ? commits.map((c) => `* ${c.message}`).join("\n\n") : pull.title);
    tip = writeCommit(state, {
      tree,
      parents: method === "merge" ? [baseTip, head] : [baseTip],
      message: body ? `${title}\n\n${body}` : title,
      author: method === "squash" ? pull.user : input.by,
      committer: "web-flow",
    }).sha;
  }
  setBranch(state, repo, pull.baseRef, tip, input.by);
  pull.frozenBaseSha = base;
  pull.frozenHeadSha = head;
  pull.merged = true;
  pull.mergedAt = now(state);
  pull.mergedBy = input.by;
  pull.mergeCommitSha = tip;
  pull.queue = null;
  pull.state = "closed";
  pull.closedAt = pull.mergedAt;
  pull.updatedAt = pull.mergedAt;
  if (deletesHeadOnMerge(state, repo, pull)) deleteBranch(state, repo, pull.headRef, input.by);
  return tip;
}

/**
 * "Automatically delete head branches": only a same-repository head, never the default branch
 * nor a branch another open PR targets (GitHub keeps those too).
 */
export function deletesHeadOnMerge(state: State, repo: Repo, pull: Pull): boolean {
  if (!repo.deleteBranchOnMerge || pull.headRepo !== repo.fullName || pull.headRef === repo.defaultBranch) return false;
  return ![...repo.pulls.values()].some((p) => p.state === "open" && p.baseRef === pull.headRef);
}

function treeOfCommitSha(state: State, sha: string): string {
  const commit = state.commits.get(sha);
  if (!commit) throw new Error(`fake-github: no commit ${sha}`);
  return commit.tree;
}

/** The "Revert" button / revertPullRequest mutation: a branch and PR undoing a merged PR. */
export function revertPull(state: State, repo: Repo, pull: Pull, by: string, opts: { title?: string; body?: string } = {}): Pull {
  if (!pull.merged) throw new GitHubError(422, "Pull request is not merged");
  const baseTip = baseShaOf(repo, pull);
  const undo = pullChanges(state, repo, pull).map((c) => ({ path: c.path, before: c.after, after: c.before }));
  const current = treeOfCommit(state, baseTip);
  const conflicts = undo.filter((c) => current.get(c.path) !== c.before);
  if (conflicts.length > 0) throw new GitHubError(422, "Revert could not be created automatically: conflicts");
  const branch = uniqueBranch(repo, `revert-${pull.number}-${pull.headRef}`);
  const commit = writeCommit(state, {
    tree: writeTree(state, applyChanges(current, undo)),
    parents: [baseTip],
    message: `Revert "${pull.title}"\n\nThis reverts commit ${pull.mergeCommitSha}.`,
    author: by,
    committer: "web-flow",
  });
  setBranch(state, repo, branch, commit.sha, by);
  return openPull(state, repo, {
    title: opts.title ?? `Revert "${pull.title}"`,
    head: branch,
    base: pull.baseRef,
    body: opts.body ?? `Reverts ${repo.fullName}#${pull.number}`,
    user: by,
  });
}

function uniqueBranch(repo: Repo, wanted: string): string {
  let name = wanted;
  for (let i = 2; repo.branches.has(name); i += 1) name = `${wanted}-${i}`;
  return name;
}
