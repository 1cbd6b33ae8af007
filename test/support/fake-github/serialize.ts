/**
 * REST response shapes, field names as GitHub's (the subset the app and tests can read).
 * URLs follow the GitHub Enterprise layout: html at `<url>/o/r`, API at `<url>/api/v3/...`.
 */
import { fileDiff } from "./diff.js";
import { diffTrees, treeOfCommit } from "./git.js";
import { baseShaOf, headShaOf, isMergeable, pullChanges, pullCommits } from "./pulls.js";
import type { Comment, Commit, Label, Pull, Repo, Review, State } from "./state.js";
import { ensureUser, getRepo, roleOf } from "./state.js";

export const api = (state: State) => `${state.baseUrl}/api/v3`;
export const nodeId = (prefix: string, id: number | string) => `${prefix}_${Buffer.from(String(id)).toString("base64url")}`;

export function userJson(state: State, login: string) {
  const user = ensureUser(state, login);
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type === "Bot" ? "BOT" : "U", user.id),
    avatar_url: `${state.baseUrl}/avatars/u/${user.id}`,
    gravatar_id: "",
    url: `${api(state)}/users/${encodeURIComponent(user.login)}`,
    html_url: `${state.baseUrl}/${user.type === "Bot" ? "apps/" + user.login.replace(/\[bot\]$/, "") : user.login}`,
    type: user.type,
    site_admin: false,
  };
}

export function repoJson(state: State, repo: Repo, viewer?: string) {
  const repoUrl = `${api(state)}/repos/${repo.fullName}`;
  const base = {
    id: repo.id,
    node_id: nodeId("R", repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner: userJson(state, repo.owner),
    html_url: `${state.baseUrl}/${repo.fullName}`,
    description: null,
    fork: repo.forkOf !== null,
    url: repoUrl,
    pulls_url: `${repoUrl}/pulls{/number}`,
    created_at: repo.createdAt,
    updated_at: repo.pushedAt,
    pushed_at: repo.pushedAt,
    clone_url: `${state.baseUrl}/${repo.fullName}.git`,
    visibility: repo.private ? "private" : "public",
    archived: false,
    disabled: false,
    default_branch: repo.defaultBranch,
    open_issues_count: [...repo.pulls.values()].filter((p) => p.state === "open").length,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    delete_branch_on_merge: repo.deleteBranchOnMerge,
  };
  if (!viewer) return base;
  const role = roleOf(state, repo, viewer);
  const rank = ["none", "read", "triage", "write", "maintain", "admin"].indexOf(role);
  return {
    ...base,
    permissions: { admin: rank >= 5, maintain: rank >= 4, push: rank >= 3, triage: rank >= 2, pull: rank >= 1 },
    role_name: role,
  };
}

export function labelJson(state: State, repo: Repo, label: Label) {
  return {
    id: label.id,
    node_id: nodeId("LA", label.id),
    url: `${api(state)}/repos/${repo.fullName}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: false,
    description: label.description,
  };
}

export function labelsJson(state: State, repo: Repo, names: string[]) {
  return names.map((name) => repo.labels.get(name.toLowerCase())).flatMap((l) => (l ? [labelJson(state, repo, l)] : []));
}

export function associationOf(state: State, repo: Repo, login: string): string {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return "OWNER";
  return repo.collaborators.has(login.toLowerCase()) ? "COLLABORATOR" : "NONE";
}

function branchJson(state: State, repo: Repo, ref: string, sha: string) {
  return { label: `${repo.owner}:${ref}`, ref, sha, user: userJson(state, repo.owner), repo: repoJson(state, repo) };
}

export function pullJson(state: State, repo: Repo, pull: Pull) {
  const url = `${api(state)}/repos/${repo.fullName}/pulls/${pull.number}`;
  const html = `${state.baseUrl}/${repo.fullName}/pull/${pull.number}`;
  const files = pullChanges(state, repo, pull).map(fileDiff);
  const mergeable = isMergeable(state, repo, pull);
  return {
    url,
    id: pull.id,
    node_id: pull.nodeId,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api(state)}/repos/${repo.fullName}/issues/${pull.number}`,
    commits_url: `${url}/commits`,
    statuses_url: `${api(state)}/repos/${repo.fullName}/statuses/${headShaOf(state, pull)}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userJson(state, pull.user),
    body: pull.body,
    labels: labelsJson(state, repo, pull.labels),
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    milestone: null,
    draft: false,
    head: branchJson(state, getRepo(state, pull.headRepo), pull.headRef, headShaOf(state, pull)),
    base: branchJson(state, repo, pull.baseRef, baseShaOf(repo, pull)),
    author_association: associationOf(state, repo, pull.user),
    auto_merge: null,
    merged: pull.merged,
    mergeable,
    rebaseable: mergeable,
    mergeable_state: mergeable === null ? "unknown" : mergeable ? "clean" : "dirty",
    merged_by: pull.mergedBy ? userJson(state, pull.mergedBy) : null,
    comments: pull.comments.length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: pullCommits(state, repo, pull).length,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    changed_files: files.length,
  };
}

function gitActor(state: State, login: string, date: string) {
  const user = ensureUser(state, login);
  const email = login === "web-flow" ? "noreply@github.com" : `${user.id}+${login}@users.noreply.github.com`;
  return { name: login === "web-flow" ? "GitHub" : login, email, date };
}

export function gitCommitJson(state: State, repo: Repo, commit: Commit) {
  return {
    sha: commit.sha,
    node_id: nodeId("C", commit.sha),
    url: `${api(state)}/repos/${repo.fullName}/git/commits/${commit.sha}`,
    html_url: `${state.baseUrl}/${repo.fullName}/commit/${commit.sha}`,
    author: gitActor(state, commit.author, commit.date),
    committer: gitActor(state, commit.committer, commit.date),
    message: commit.message,
    tree: { sha: commit.tree, url: `${api(state)}/repos/${repo.fullName}/git/trees/${commit.tree}` },
    parents: commit.parents.map((sha) => ({ sha, url: `${api(state)}/repos/${repo.fullName}/git/commits/${sha}` })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null },
  };
}

/** The REST "commit" (GET /commits/:sha, /pulls/:n/commits): git data plus linked accounts. */
export function commitJson(state: State, repo: Repo, commit: Commit, withFiles = false) {
  const git = gitCommitJson(state, repo, commit);
  const { sha, node_id, html_url, parents } = git;
  const result = {
    sha,
    node_id,
    url: `${api(state)}/repos/${repo.fullName}/commits/${sha}`,
    html_url,
    commit: { author: git.author, committer: git.committer, message: git.message, tree: git.tree, url: git.url, comment_count: 0, verification: git.verification },
    author: userJson(state, commit.author),
    committer: userJson(state, commit.committer),
    parents: parents.map((p) => ({ ...p, html_url: `${state.baseUrl}/${repo.fullName}/commit/${p.sha}` })),
  };
  if (!withFiles) return result;
  const parentTree = commit.parents[0] ? treeOfCommit(state, commit.parents[0]) : new Map<string, string>();
  const files = diffTrees(parentTree, treeOfCommit(state, commit.sha)).map(fileDiff);
  const additions = files.reduce((n, f) => n + f.additions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  return { ...result, stats: { additions, deletions, total: additions + deletions }, files };
}

export function commentJson(state: State, repo: Repo, number: number, comment: Comment) {
  return {
    id: comment.id,
    node_id: nodeId("IC", comment.id),
    url: `${api(state)}/repos/${repo.fullName}/issues/comments/${comment.id}`,
    html_url: `${state.baseUrl}/${repo.fullName}/pull/${number}#issuecomment-${comment.id}`,
    issue_url: `${api(state)}/repos/${repo.fullName}/issues/${number}`,
    body: comment.body,
    user: userJson(state, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: associationOf(state, repo, comment.user),
  };
}

export function reviewJson(state: State, repo: Repo, number: number, review: Review) {
  const html = `${state.baseUrl}/${repo.fullName}/pull/${number}#pullrequestreview-${review.id}`;
  const pullUrl = `${api(state)}/repos/${repo.fullName}/pulls/${number}`;
  return {
    id: review.id,
    node_id: nodeId("PRR", review.id),
    user: userJson(state, review.user),
    body: review.body,
    state: review.state,
    html_url: html,
    pull_request_url: pullUrl,
    author_association: associationOf(state, repo, review.user),
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    submitted_at: review.submittedAt,
    commit_id: review.commitId,
  };
}
