/**
 * Webhook payload builders, GitHub-shaped, read from the fake's state. Builders for events that
 * *are* a user's action (a review, a comment, a label) also apply that action to the state, as
 * GitHub would have before delivering the webhook; `status` records the status if it is not
 * already the latest for its context. Event names to send them with: push -> `push`,
 * pullRequest/label -> `pull_request`, review -> `pull_request_review`, issueComment ->
 * `issue_comment`, checkRun -> `check_run`, checkSuite -> `check_suite`, status -> `status`.
 */
import { addStatus, latestStatuses } from "./checks.js";
import { ZERO_SHA, ancestors, commitsBetween, diffTrees, treeOfCommit } from "./git.js";
import { issueJson } from "./issue-json.js";
import { addComment, addLabels, ensureLabel, removeLabel } from "./labels.js";
import { envelope, pushRepo, template } from "./payload-parts.js";
import { headShaOf } from "./pulls.js";
import { checkRunJson, ciAppJson, statusJson } from "./serialize-app.js";
import { commentJson, commitJson, labelJson, pullJson, reviewJson, userJson } from "./serialize.js";
import type { Comment, Commit, CommitStatus, Repo, Review, State } from "./state.js";
import { botLogin, ensureUser, getPullState, getRepo, nextId, now } from "./state.js";

type Payload = Record<string, unknown>;

function pushCommitJson(state: State, repo: Repo, commit: Commit) {
  const parent = commit.parents[0];
  const changes = diffTrees(parent ? treeOfCommit(state, parent) : new Map(), treeOfCommit(state, commit.sha));
  const person = (login: string) => {
    const user = ensureUser(state, login);
    return { name: login, email: `${user.id}+${login}@users.noreply.github.com`, username: login };
  };
  return {
    id: commit.sha,
    tree_id: commit.tree,
    distinct: true,
    message: commit.message,
    timestamp: commit.date,
    url: `${state.baseUrl}/${repo.fullName}/commit/${commit.sha}`,
    author: person(commit.author),
    committer: commit.committer === "web-flow" ? { name: "GitHub", email: "noreply@github.com", username: "web-flow" } : person(commit.committer),
    added: changes.filter((c) => c.before === undefined).map((c) => c.path),
    removed: changes.filter((c) => c.after === undefined).map((c) => c.path),
    modified: changes.filter((c) => c.before !== undefined && c.after !== undefined).map((c) => c.path),
  };
}

export function push(state: State, fullName: string, branch: string, opts: { before?: string; after?: string; pusher?: string } = {}): Payload {
  const repo = getRepo(state, fullName);
  const update = repo.lastUpdate.get(branch);
  const after = opts.after ?? update?.after ?? repo.branches.get(branch) ?? ZERO_SHA;
  const before =
    opts.before ?? (update && update.after === after ? update.before : (state.commits.get(after)?.parents[0] ?? ZERO_SHA));
  const pusher = opts.pusher ?? update?.pusher ?? repo.owner;
  let commits: Commit[] = [];
  if (after !== ZERO_SHA) {
    const from = before !== ZERO_SHA ? before : branch === repo.defaultBranch ? undefined : repo.branches.get(repo.defaultBranch);
    commits = from ? commitsBetween(state, from, after) : ancestors(state, after).reverse().map((sha) => state.commits.get(sha) as Commit);
  }
  const tpl = template("push");
  const json = commits.slice(-20).map((c) => pushCommitJson(state, repo, c));
  const pusherUser = ensureUser(state, pusher);
  return envelope(
    state,
    repo,
    tpl,
    pusher,
    {
      ref: `refs/heads/${branch}`,
      before,
      after,
      created: before === ZERO_SHA,
      deleted: after === ZERO_SHA,
      forced: before !== ZERO_SHA && after !== ZERO_SHA && !ancestors(state, after).includes(before),
      base_ref: null,
      compare: `${state.baseUrl}/${repo.fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
      commits: json,
      head_commit: json[json.length - 1] ?? null,
      pusher: { name: pusherUser.login, email: `${pusherUser.id}+${pusherUser.login}@users.noreply.github.com` },
    },
    pushRepo(state, repo, tpl),
  );
}

export function pullRequest(state: State, fullName: string, n: number, action: string, sender: string, extra: Payload = {}): Payload {
  const repo = getRepo(state, fullName);
  const pull = getPullState(repo, n);
  const fields: Payload = { action, number: n, pull_request: pullJson(state, repo, pull) };
  // `dequeued` names GitHub's reason for the latest removal from the merge queue.
  if (action === "dequeued") fields.reason = pull.queueRemovals.at(-1)?.reason ?? "";
  if (action === "synchronize" && extra.before === undefined) {
    const update = getRepo(state, pull.headRepo).lastUpdate.get(pull.headRef);
    fields.before = update?.before ?? ZERO_SHA;
    fields.after = headShaOf(state, pull);
  }
  return envelope(state, repo, template("pull_request", action), sender, { ...fields, ...extra });
}

function review(state: State, fullName: string, n: number, login: string, kind: "approved" | "changes_requested" | "commented", commitId?: string): Payload {
  const repo = getRepo(state, fullName);
  const pull = getPullState(repo, n);
  ensureUser(state, login);
  const stored: Review = {
    id: nextId(state),
    user: login,
    state: kind.toUpperCase() as Review["state"],
    body: "",
    commitId: commitId ?? headShaOf(state, pull),
    submittedAt: now(state),
  };
  pull.reviews.push(stored);
  pull.updatedAt = stored.submittedAt;
  const reviewPayload = { ...reviewJson(state, repo, n, stored), state: kind };
  const pr = pullJson(state, repo, pull);
  return envelope(state, repo, template("pull_request_review", "submitted"), login, { action: "submitted", review: reviewPayload, pull_request: pr });
}

function issueComment(state: State, fullName: string, n: number, action: "created" | "edited" | "deleted", login: string, body: string): Payload {
  const repo = getRepo(state, fullName);
  const pull = getPullState(repo, n);
  const extra: Payload = {};
  let comment = [...pull.comments].reverse().find((c) => c.user.toLowerCase() === login.toLowerCase() && (action !== "deleted" || c.body === body));
  if (action === "created" || !comment) comment = addComment(state, pull, login, body);
  if (action === "edited") {
    extra.changes = { body: { from: comment.body } };
    comment.body = body;
    comment.updatedAt = now(state);
  }
  if (action === "deleted") pull.comments.splice(pull.comments.indexOf(comment), 1);
  return commentPayload(state, repo, n, action, comment, extra);
}

/** An issue_comment event for an existing comment (nothing changed). */
export function commentPayload(state: State, repo: Repo, n: number, action: string, comment: Comment, extra: Payload = {}): Payload {
  const pull = getPullState(repo, n);
  return envelope(state, repo, template("issue_comment", action), comment.user, {
    action,
    issue: issueJson(state, repo, pull),
    comment: commentJson(state, repo, n, comment),
    ...extra,
  });
}

function label(state: State, fullName: string, n: number, action: "labeled" | "unlabeled", login: string, name: string): Payload {
  const repo = getRepo(state, fullName);
  const pull = getPullState(repo, n);
  ensureLabel(state, repo, name);
  if (action === "labeled") addLabels(state, repo, pull, [name], login);
  else removeLabel(state, pull, name, login);
  return labelPayload(state, repo, n, action, login, name);
}

/** A label event for the current state (nothing changed). */
export function labelPayload(state: State, repo: Repo, n: number, action: "labeled" | "unlabeled", login: string, name: string): Payload {
  const pull = getPullState(repo, n);
  return envelope(state, repo, template("pull_request", action), login, {
    action,
    number: n,
    pull_request: pullJson(state, repo, pull),
    label: labelJson(state, repo, ensureLabel(state, repo, name)),
  });
}

function suiteJson(state: State, repo: Repo, sha: string, suiteId: number, status: string, conclusion: string | null, app: unknown) {
  const branch = [...repo.branches].find(([name, head]) => head === sha && name !== repo.defaultBranch)?.[0] ?? null;
  const commit = state.commits.get(sha);
  const pulls = [...repo.pulls.values()].filter((p) => p.state === "open" && headShaOf(state, p) === sha);
  return {
    id: suiteId,
    node_id: `CS_${suiteId}`,
    head_branch: branch,
    head_sha: sha,
    status,
    conclusion,
    url: `${state.baseUrl}/api/v3/repos/${repo.fullName}/check-suites/${suiteId}`,
    before: commit?.parents[0] ?? ZERO_SHA,
    after: sha,
    pull_requests: checkRunJsonPulls(state, repo, pulls.map((p) => p.number)),
    app,
    created_at: commit?.date ?? now(state),
    updated_at: now(state),
    latest_check_runs_count: repo.checkRuns.filter((r) => r.headSha === sha && r.suiteId === suiteId).length,
    check_runs_url: `${state.baseUrl}/api/v3/repos/${repo.fullName}/check-suites/${suiteId}/check-runs`,
    head_commit: commit
      ? { id: commit.sha, tree_id: commit.tree, message: commit.message, timestamp: commit.date, author: { name: commit.author, email: "" }, committer: { name: commit.committer, email: "" } }
      : null,
  };
}

function checkRunJsonPulls(state: State, repo: Repo, numbers: number[]) {
  return numbers.map((n) => {
    const p = getPullState(repo, n);
    const ref = (r: string, sha: string) => ({ ref: r, sha, repo: { id: repo.id, url: `${state.baseUrl}/api/v3/repos/${repo.fullName}`, name: repo.name } });
    return { url: `${state.baseUrl}/api/v3/repos/${repo.fullName}/pulls/${n}`, id: p.id, number: n, head: ref(p.headRef, headShaOf(state, p)), base: ref(p.baseRef, repo.branches.get(p.baseRef) ?? ZERO_SHA) };
  });
}

export function checkRun(state: State, fullName: string, action: string, id: number): Payload {
  const repo = getRepo(state, fullName);
  const run = repo.checkRuns.find((r) => r.id === id);
  if (!run) throw new Error(`fake-github: no check run ${id} in ${fullName}`);
  const json = checkRunJson(state, repo, run);
  const check_run = { ...json, check_suite: suiteJson(state, repo, run.headSha, run.suiteId, run.status, run.conclusion, json.app) };
  const sender = run.appSlug === state.app.slug ? botLogin(state) : "ci[bot]";
  return envelope(state, repo, template("check_run", action), sender, { action, check_run });
}

function checkSuite(state: State, fullName: string, sha: string, conclusion: string): Payload {
  const repo = getRepo(state, fullName);
  const suiteId = repo.checkRuns.find((r) => r.headSha === sha && r.appSlug === "ci")?.suiteId ?? nextId(state);
  const check_suite = suiteJson(state, repo, sha, suiteId, "completed", conclusion, ciAppJson(state));
  return envelope(state, repo, template("check_suite", "completed"), "ci[bot]", { action: "completed", check_suite });
}

export function status(state: State, fullName: string, sha: string, context: string, value: CommitStatus["state"]): Payload {
  const repo = getRepo(state, fullName);
  const commit = state.commits.get(sha);
  if (!commit) throw new Error(`fake-github: no commit ${sha}`);
  let stored = latestStatuses(repo, sha).find((s) => s.context === context);
  if (!stored || stored.state !== value) stored = addStatus(state, repo, { sha, context, state: value, creator: "ci[bot]" });
  const json = statusJson(state, repo, stored);
  const branches = [...repo.branches]
    .filter(([, head]) => head === sha)
    .map(([name]) => ({ name, commit: { sha, url: `${state.baseUrl}/api/v3/repos/${repo.fullName}/commits/${sha}` }, protected: false }));
  return envelope(state, repo, template("status"), stored.creator, {
    id: json.id,
    sha,
    name: repo.fullName,
    target_url: json.target_url,
    avatar_url: userJson(state, stored.creator).avatar_url,
    context,
    description: json.description,
    state: value,
    commit: commitJson(state, repo, commit),
    branches,
    created_at: json.created_at,
    updated_at: json.updated_at,
  });
}

/** The builders as the fake exposes them (`fake.payloads.*`), bound to its state. */
export function createPayloads(state: State) {
  return {
    push: (repo: string, branch: string, opts?: { before?: string; after?: string; pusher?: string }) => push(state, repo, branch, opts),
    pullRequest: (action: string, repo: string, n: number, sender: string, extra?: Record<string, unknown>) =>
      pullRequest(state, repo, n, action, sender, extra),
    /** `pull_request` `dequeued`: the latest removal from the merge queue, its reason and who removed it. */
    dequeued: (repo: string, n: number) => {
      const removal = getPullState(getRepo(state, repo), n).queueRemovals.at(-1);
      if (!removal) throw new Error(`fake-github: ${repo}#${n} was never removed from a merge queue`);
      return pullRequest(state, repo, n, "dequeued", removal.actor);
    },
    review: (repo: string, n: number, login: string, reviewState: "approved" | "changes_requested" | "commented", commitId?: string) =>
      review(state, repo, n, login, reviewState, commitId),
    issueComment: (action: "created" | "edited" | "deleted", repo: string, n: number, login: string, body: string) =>
      issueComment(state, repo, n, action, login, body),
    label: (action: "labeled" | "unlabeled", repo: string, n: number, login: string, name: string) => label(state, repo, n, action, login, name),
    checkRun: (action: "created" | "completed" | "rerequested" | "requested_action", repo: string, checkRunId: number) =>
      checkRun(state, repo, action, checkRunId),
    checkSuite: (repo: string, sha: string, conclusion: string) => checkSuite(state, repo, sha, conclusion),
    status: (repo: string, sha: string, context: string, value: CommitStatus["state"]) => status(state, repo, sha, context, value),
  };
}

export type Payloads = ReturnType<typeof createPayloads>;
