/**
 * REST response shapes, field names as GitHub's (the subset the app and tests can read).
 * URLs follow the GitHub Enterprise layout: html at `<url>/o/r`, API at `<url>/api/v3/...`.
 */
import { fileDiff } from "./diff.js";
import { diffTrees, treeOfCommit } from "./git.js";
import { baseShaOf, headShaOf, isMergeable, pullChanges, pullCommits } from "./pulls.js";
import type { CheckRun, Comment, Commit, CommitStatus, Installation, Label, Pull, Repo, Review, State } from "./state.js";
import { ensureUser, getRepo, roleOf } from "./state.js";

const api = (state: State) => `${state.baseUrl}/api/v3`;
const nodeId = (prefix: string, id: number | string) => `${prefix}_${Buffer.from(String(id)).toString("base64url")}`;

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
    delete_branch_on_merge: false,
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

export function checkRunJson(state: State, repo: Repo, run: CheckRun) {
  const app = run.appSlug === state.app.slug ? appJson(state) : ciAppJson(state);
  return {
    id: run.id,
    node_id: nodeId("CR", run.id),
    head_sha: run.headSha,
    external_id: run.externalId,
    url: `${api(state)}/repos/${repo.fullName}/check-runs/${run.id}`,
    html_url: `${state.baseUrl}/${repo.fullName}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: { ...run.output, annotations_count: 0, annotations_url: `${api(state)}/repos/${repo.fullName}/check-runs/${run.id}/annotations` },
    name: run.name,
    check_suite: { id: run.suiteId },
    app,
    pull_requests: [...repo.pulls.values()]
      .filter((p) => p.state === "open" && headShaOf(state, p) === run.headSha && p.headRepo === repo.fullName)
      .map((p) => ({
        url: `${api(state)}/repos/${repo.fullName}/pulls/${p.number}`,
        id: p.id,
        number: p.number,
        head: { ref: p.headRef, sha: headShaOf(state, p), repo: { id: repo.id, url: `${api(state)}/repos/${repo.fullName}`, name: repo.name } },
        base: { ref: p.baseRef, sha: baseShaOf(repo, p), repo: { id: repo.id, url: `${api(state)}/repos/${repo.fullName}`, name: repo.name } },
      })),
  };
}

export function statusJson(state: State, repo: Repo, status: CommitStatus) {
  return {
    url: `${api(state)}/repos/${repo.fullName}/statuses/${status.sha}`,
    id: status.id,
    node_id: nodeId("SC", status.id),
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    creator: userJson(state, status.creator),
  };
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

export function appJson(state: State) {
  return {
    id: state.app.id,
    slug: state.app.slug,
    node_id: nodeId("A", state.app.id),
    client_id: state.app.clientId,
    owner: userJson(state, state.app.owner),
    name: state.app.name,
    description: "Holds self-modifications behind a human approval gate",
    external_url: "http://localhost:3000",
    html_url: `${state.baseUrl}/apps/${state.app.slug}`,
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    permissions: { checks: "write", contents: "write", issues: "write", metadata: "read", pull_requests: "write", statuses: "read" },
    events: ["check_run", "check_suite", "issue_comment", "pull_request", "pull_request_review", "push", "status"],
  };
}

/** The third-party CI app that `completeCheckRun` acts as. */
export function ciAppJson(state: State) {
  return { ...appJson(state), id: 15368, slug: "ci", node_id: nodeId("A", 15368), name: "CI", owner: userJson(state, "ci-org") };
}

export function installationJson(state: State, installation: Installation) {
  const account = ensureUser(state, installation.account);
  return {
    id: installation.id,
    account: userJson(state, installation.account),
    repository_selection: "selected",
    access_tokens_url: `${api(state)}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${api(state)}/installation/repositories`,
    html_url: `${state.baseUrl}/settings/installations/${installation.id}`,
    app_id: state.app.id,
    app_slug: state.app.slug,
    target_id: account.id,
    target_type: account.type === "Organization" ? "Organization" : "User",
    permissions: appJson(state).permissions,
    events: appJson(state).events,
    created_at: installation.createdAt,
    updated_at: installation.createdAt,
    single_file_name: null,
    suspended_at: null,
    suspended_by: null,
  };
}
