/**
 * Exact GitHub request mocks (nock, through test/support/nock.ts) shared by the rule tests.
 * Each helper mocks one request with its method, path and body; a request the code makes that
 * no helper mocked fails the test in `expectAllMocksUsed()`.
 */
import { expect } from "vitest";
import { API, nock } from "../support/nock.js";
import { FULL } from "../support/payloads.js";
import { type RunSpec, readPull } from "../support/read-pull-mock.js";

export { type PullSpec, type ReviewSpec, type RunSpec, readPull } from "../support/read-pull-mock.js";

export const repoPath = `/repos/${FULL}`;
export const CONFIG_PATH = /\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/;

/** An installation token; optional where a second app instance may find it already cached. */
export function token(options: { optional?: boolean } = {}): void {
  nock(API)
    .post("/app/installations/1/access_tokens")
    .optionally(options.optional ?? false)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
}

/** The repository's `.github/upgrade-queue.yml` (null: there is none). */
export function config(yaml: string | null, repository = FULL): void {
  const path = new RegExp(`/repos/${repository}/contents/\\.github(%2F|/)upgrade-queue\\.yml`);
  if (yaml === null) nock(API).get(path).reply(404, { message: "Not Found" });
  else nock(API).get(path).reply(200, yaml);
}

/** The collaborator-permission lookup, as GitHub answers it (legacy `permission` + `role_name`). */
export function permission(login: string, level: "admin" | "maintain" | "write" | "triage" | "read", options: { optional?: boolean } = {}): void {
  const legacy = level === "maintain" ? "write" : level === "triage" ? "read" : level;
  nock(API)
    .get(`${repoPath}/collaborators/${login}/permission`)
    .optionally(options.optional ?? false)
    .reply(200, { permission: legacy, role_name: level, user: { login } });
}

type Body = Record<string, any>;

/**
 * The state label moves `from` -> `to` and the check run follows. One request sets the PR's
 * labels: the other labels the pass read (`others`) and the new state label.
 */
export function stateChange(pull: number, from: string | null, to: string, checkRun?: (body: Body) => boolean, checkRunId = 77, others: string[] = []): void {
  void from; // the PUT replaces it: named at call sites for the reader
  setLabels(pull, [...others, `upgrade:${to}`]);
  updateCheckRun(checkRun ?? (() => true), checkRunId);
}

/** `PUT /issues/:n/labels` with exactly `labels`. */
export function setLabels(pull: number, labels: string[]): void {
  nock(API).put(`${repoPath}/issues/${pull}/labels`, { labels }).reply(200, labels.map((name, i) => ({ id: i + 1, name })));
}

export function updateCheckRun(match: (body: Body) => boolean = () => true, checkRunId = 77): void {
  nock(API).patch(`${repoPath}/check-runs/${checkRunId}`, match).reply(200, { id: checkRunId });
}

/** A new `Upgrade Queue` check run on `sha`. */
export function createCheckRun(sha: string, id: number, match: (body: Body) => boolean = () => true): void {
  nock(API)
    .post(`${repoPath}/check-runs`, (body) => body.name === "Upgrade Queue" && body.head_sha === sha && match(body))
    .reply(201, { id });
}

/** One PR comment; the returned list receives its body so the test can assert on all of it. */
export function expectComment(pull: number, ...parts: string[]): string[] {
  const bodies: string[] = [];
  nock(API)
    .post(`${repoPath}/issues/${pull}/comments`, (body) => {
      const ok = parts.every((part) => String(body.body).includes(part));
      if (ok) bodies.push(body.body);
      return ok;
    })
    .reply(201, { id: 1 });
  return bodies;
}

export function closePull(pull: number): void {
  nock(API).patch(`${repoPath}/pulls/${pull}`, { state: "closed" }).reply(200, {});
}

export function deleteBranch(branch: string): void {
  const encoded = branch.split("/").join("(%2F|/)");
  nock(API).delete(new RegExp(`/repos/acme/agent/git/refs/heads(%2F|/)${encoded}$`)).reply(204);
}

export function branchHead(branch: string, sha: string): void {
  nock(API).get(new RegExp(`/repos/acme/agent/git/ref/heads(%2F|/)${branch}$`)).reply(200, { ref: `refs/heads/${branch}`, object: { sha, type: "commit" } });
}

/**
 * The merge (GraphQL `mergePullRequest`) with exactly the approved SHA as `expectedHeadOid`,
 * answered with the merge commit and its first parent (the base head before the merge:
 * `previousSha`). `gate: "reread"` when the pass has not read the PR yet (an approval by comment
 * or label, a command, a timer): the app reads it (head and checks, all green here, `labels` on
 * it) just before merging; `"fresh"` when the pass already read it (test results, a review).
 */
export function merge(
  pull: number,
  body: { sha: string; merge_method?: string; commit_title?: string },
  mergeSha: string,
  options: { parent: string; gate: "reread" | "fresh"; labels?: string[] },
): void {
  if (options.gate === "reread") readPull(pull, { head: body.sha, checks: [{ name: "test", conclusion: "success" }], labels: options.labels ?? [] });
  mergeMutation(pull, { expectedHeadOid: body.sha, mergeMethod: (body.merge_method ?? "squash").toUpperCase(), commitHeadline: body.commit_title ?? `Teach the agent to cache embeddings (#${pull})` }, { merged: mergeSha, parent: options.parent });
}

/** One `UpgradeQueueMerge` mutation with exactly `input` (plus the PR's node id), and its answer. */
export function mergeMutation(
  pull: number,
  input: { expectedHeadOid: string; mergeMethod: string; commitHeadline: string },
  answer: { merged: string; parent: string } | { error: string; type?: string } | { status: number },
): void {
  const scope = nock(API).post("/graphql", (body) => {
    if (typeof body.query !== "string" || !body.query.includes("mutation UpgradeQueueMerge")) return false;
    expect(body.variables.input).toEqual({ pullRequestId: `PR_${pull}`, ...input });
    return true;
  });
  if ("status" in answer) scope.reply(answer.status, { message: "Server Error" });
  else if ("error" in answer) scope.reply(200, { data: { mergePullRequest: null }, errors: [{ type: answer.type ?? "UNPROCESSABLE", message: answer.error, path: ["mergePullRequest"] }] });
  else scope.reply(200, { data: { mergePullRequest: { pullRequest: { merged: true, mergeCommit: { oid: answer.merged, parents: { nodes: [{ oid: answer.parent }] } } } } } });
}

/**
 * One `UpgradeQueueEnqueue` mutation (GraphQL `enqueuePullRequest`) with exactly the PR's node id
 * and `expectedHeadOid`, answered with the queue entry, or refused as GitHub refuses.
 */
export function enqueueMutation(pull: number, expectedHeadOid: string, answer: { position: number } | { error: string; type?: string }): void {
  const scope = nock(API).post("/graphql", (body) => {
    if (typeof body.query !== "string" || !body.query.includes("mutation UpgradeQueueEnqueue")) return false;
    expect(body.variables.input).toEqual({ pullRequestId: `PR_${pull}`, expectedHeadOid });
    return true;
  });
  if ("error" in answer) scope.reply(200, { data: { enqueuePullRequest: null }, errors: [{ type: answer.type ?? "UNPROCESSABLE", message: answer.error, path: ["enqueuePullRequest"] }] });
  else scope.reply(200, { data: { enqueuePullRequest: { mergeQueueEntry: { state: "AWAITING_CHECKS", position: answer.position } } } });
}

/**
 * The PR read with the checks and commit statuses on its head `sha` (what the test gate reads
 * when a check event arrives, or a SHA becomes the head).
 */
export function checks(pull: number, sha: string, runs: RunSpec[], statuses: Array<{ context: string; state: string }> = [], labels: string[] = []): void {
  readPull(pull, { head: sha, checks: runs, statuses, labels });
}

export interface FileSpec {
  filename: string;
  additions?: number;
  deletions?: number;
}

/** `GET /pulls/:n/files` and `GET /pulls/:n/commits` (what the app reads about a PR's head). */
export function pullContents(pull: number, files: FileSpec[], commits: Array<{ sha: string; message?: string; author?: string; committer?: string }>): void {
  nock(API)
    .get(`${repoPath}/pulls/${pull}/files`)
    .query(true)
    .reply(200, files.map((f) => ({ filename: f.filename, status: "modified", additions: f.additions ?? 1, deletions: f.deletions ?? 0, patch: "@@ -1 +1 @@\n-a\n+b" })));
  nock(API)
    .get(`${repoPath}/pulls/${pull}/commits`)
    .query(true)
    .reply(
      200,
      commits.map((c) => ({ sha: c.sha, commit: { message: c.message ?? "Change" }, author: c.author ? { login: c.author } : null, committer: c.committer ? { login: c.committer } : null })),
    );
}

/** `GET /compare/<base>...<head>` (what the app reads before opening a PR for a pushed branch). */
export function compare(head: string, files: FileSpec[], commits: Array<{ sha: string; message: string; author?: string }>): void {
  nock(API)
    .get(`${repoPath}/compare/main...${head}`)
    .query(true)
    .reply(200, {
      files: files.map((f) => ({ filename: f.filename, status: "modified", additions: f.additions ?? 1, deletions: f.deletions ?? 0, patch: "@@ -1 +1 @@\n-a\n+b" })),
      commits: commits.map((c) => ({ sha: c.sha, commit: { message: c.message }, author: { login: c.author ?? "agent" }, committer: { login: c.author ?? "agent" } })),
    });
}

/** `POST /pulls` answered with a new open PR `number` from `branch` at `head`. */
export function createPull(number: number, branch: string, head: string, match: (body: Body) => boolean = () => true): void {
  nock(API)
    .post(`${repoPath}/pulls`, (body) => body.head === branch && body.base === "main" && match(body))
    .reply(201, {
      number,
      node_id: `PR_${number}`,
      title: "Teach the agent to cache embeddings",
      body: "",
      state: "open",
      user: { login: "upgrade-queue[bot]", type: "Bot" },
      head: { ref: branch, sha: head, repo: { full_name: FULL } },
      base: { ref: "main", sha: "b".repeat(40), repo: { full_name: FULL } },
      labels: [],
      html_url: `https://github.com/${FULL}/pull/${number}`,
    });
}
