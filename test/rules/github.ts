/**
 * Exact GitHub request mocks (nock, through test/support/nock.ts) shared by the rule tests.
 * Each helper mocks one request with its method, path and body; a request the code makes that
 * no helper mocked fails the test in `expectAllMocksUsed()`.
 */
import { expect } from "vitest";
import { API, nock } from "../support/nock.js";
import { FULL } from "../support/payloads.js";

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

/** The state label moves `from` -> `to` (the old label is removed) and the check run follows. */
export function stateChange(pull: number, from: string | null, to: string, checkRun?: (body: Body) => boolean, checkRunId = 77): void {
  nock(API).post(`${repoPath}/issues/${pull}/labels`, { labels: [`upgrade:${to}`] }).reply(200, []);
  if (from) nock(API).delete(`${repoPath}/issues/${pull}/labels/upgrade%3A${from}`).reply(200, []);
  updateCheckRun(checkRun ?? (() => true), checkRunId);
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
 * The merge API called with exactly the approved SHA, then the merge commit read for its first
 * parent (the base head before the merge: `previousSha`). `gate: "reread"` when the merge is
 * started by anything but test results (an approval, a command, a timer): the app reads the test
 * gate (all green here) just before merging; `"fresh"` when test results started it.
 */
export function merge(pull: number, body: { sha: string; merge_method?: string; commit_title?: string }, mergeSha: string, options: { parent: string; gate: "reread" | "fresh" }): void {
  if (options.gate === "reread") checks(body.sha, [{ name: "test", conclusion: "success" }]);
  nock(API)
    .put(`${repoPath}/pulls/${pull}/merge`, (actual) => {
      expect(actual).toMatchObject({ merge_method: "squash", commit_title: `Teach the agent to cache embeddings (#${pull})`, ...body });
      return true;
    })
    .reply(200, { sha: mergeSha, merged: true, message: "Pull Request successfully merged" });
  nock(API)
    .get(`${repoPath}/git/commits/${mergeSha}`)
    .reply(200, { sha: mergeSha, tree: { sha: "f".repeat(40) }, parents: [{ sha: options.parent }] });
}

export interface RunSpec {
  name: string;
  status?: "queued" | "in_progress" | "completed";
  conclusion?: string | null;
}

/** The check runs and commit statuses on `sha` (what the test gate reads). */
export function checks(sha: string, runs: RunSpec[], statuses: Array<{ context: string; state: string }> = []): void {
  nock(API)
    .get(`${repoPath}/commits/${sha}/check-runs`)
    .query(true)
    .reply(200, {
      total_count: runs.length,
      check_runs: runs.map((run, i) => ({
        id: 600 + i,
        name: run.name,
        head_sha: sha,
        status: run.status ?? "completed",
        conclusion: run.status && run.status !== "completed" ? null : (run.conclusion ?? "success"),
        started_at: `2026-11-20T09:0${i}:00Z`,
        html_url: `https://ci.example.com/${600 + i}`,
        app: { id: 99, slug: "github-actions" },
      })),
    });
  nock(API)
    .get(`${repoPath}/commits/${sha}/status`)
    .query(true)
    .reply(200, { state: "pending", statuses: statuses.map((s, i) => ({ id: 900 + i, context: s.context, state: s.state, target_url: null })) });
}

/**
 * The base branch head's checks (`main`), read when an upgrade's gate turns green: a head that
 * reports fewer distinct check names has weakened tests (CONTRACT §2).
 */
export function baseChecks(runs: RunSpec[] = [{ name: "test" }], statuses: Array<{ context: string; state: string }> = []): void {
  checks("main", runs, statuses);
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
