/**
 * Real webhook payloads from @octokit/webhooks-examples, with only the fields a test is about
 * overwritten (repository, installation, branch, SHAs, people).
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const index = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{ name: string; examples: Array<Record<string, unknown>> }>;

/* eslint-disable @typescript-eslint/no-explicit-any -- payload templates are edited field by field */
type P = any;

export function examples(name: string): P[] {
  const found = index.find((e) => e.name === name);
  if (!found) throw new Error(`no examples for ${name}`);
  return found.examples.map((e) => structuredClone(e));
}

function example(name: string, pick: (p: P) => boolean): P {
  const found = examples(name).find(pick);
  if (!found) throw new Error(`no ${name} example matches`);
  return found;
}

export const OWNER = "acme";
export const REPO = "agent";
export const FULL = `${OWNER}/${REPO}`;
export const INSTALLATION = 1;

export function sha(seed: string): string {
  return seed.repeat(40).slice(0, 40);
}

function repository(p: P): void {
  p.repository = { ...p.repository, id: 100, name: REPO, full_name: FULL, private: true, default_branch: "main", owner: { ...(p.repository?.owner ?? {}), login: OWNER, type: "Organization" } };
  p.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
}

function user(login: string, type = "User"): P {
  return { login, id: login.length * 1000, type, node_id: `U_${login}`, html_url: `https://github.com/${login}` };
}

export function push(opts: { branch: string; after: string; before?: string; message: string; pusher: string; author?: string }): P {
  const p = example("push", (e) => e.ref && e.head_commit);
  repository(p);
  const commit = {
    ...p.head_commit,
    id: opts.after,
    message: opts.message,
    author: { name: opts.author ?? opts.pusher, email: "a@example.com", username: opts.author ?? opts.pusher },
    committer: { name: opts.pusher, email: "a@example.com", username: opts.pusher },
    added: ["src/feature.ts"],
    modified: [],
    removed: [],
  };
  Object.assign(p, { ref: `refs/heads/${opts.branch}`, before: opts.before ?? "0".repeat(40), after: opts.after, created: !opts.before, deleted: false, forced: false, head_commit: commit, commits: [commit], pusher: { name: opts.pusher, email: "a@example.com" }, sender: user(opts.pusher) });
  return p;
}

export function pullRequest(action: string, opts: { number: number; branch: string; head: string; sender: string; merged?: boolean; fork?: boolean; labels?: string[]; author?: string }): P {
  const p = example("pull_request", (e) => e.action === "opened") ;
  repository(p);
  p.action = action;
  const pr = p.pull_request;
  pr.number = opts.number;
  pr.user = user(opts.author ?? opts.sender);
  pr.head = { ...pr.head, ref: opts.branch, sha: opts.head, repo: { ...p.repository, full_name: opts.fork ? `fork-owner/${REPO}` : FULL } };
  pr.base = { ...pr.base, ref: "main", sha: sha("b"), repo: { ...p.repository } };
  pr.labels = (opts.labels ?? []).map((name, i) => ({ id: i + 1, name, color: "ededed" }));
  pr.state = action === "closed" ? "closed" : "open";
  pr.merged = Boolean(opts.merged);
  pr.merged_at = opts.merged ? "2026-11-20T10:00:00Z" : null;
  pr.merged_by = opts.merged ? user(opts.sender) : null;
  pr.merge_commit_sha = opts.merged ? sha("m") : null;
  p.sender = user(opts.sender);
  return p;
}

export function review(opts: { number: number; branch: string; head: string; reviewer: string; state: "approved" | "changes_requested" | "commented"; commitId?: string; type?: string; id?: number }): P {
  const p = example("pull_request_review", (e) => e.action === "submitted");
  repository(p);
  p.review = { ...p.review, ...(opts.id !== undefined ? { id: opts.id } : {}), state: opts.state, commit_id: opts.commitId ?? opts.head, user: user(opts.reviewer, opts.type) };
  p.pull_request = { ...p.pull_request, number: opts.number, head: { ...p.pull_request.head, ref: opts.branch, sha: opts.head, repo: { full_name: FULL } }, base: { ...p.pull_request.base, ref: "main", repo: { full_name: FULL } } };
  p.sender = user(opts.reviewer, opts.type);
  return p;
}

/** A PR comment; written at `createdAt` (default 2026-11-20T10:30:00Z, after the reads' `updatedAt`). */
export function comment(opts: { number: number; login: string; body: string; action?: string; type?: string; createdAt?: string }): P {
  const p = example("issue_comment", (e) => e.action === "created" && e.issue);
  repository(p);
  p.action = opts.action ?? "created";
  p.issue = { ...p.issue, number: opts.number, pull_request: { url: `https://api.github.com/repos/${FULL}/pulls/${opts.number}` } };
  const createdAt = opts.createdAt ?? "2026-11-20T10:30:00Z";
  p.comment = { ...p.comment, body: opts.body, user: user(opts.login, opts.type), created_at: createdAt, updated_at: createdAt };
  p.sender = user(opts.login, opts.type);
  return p;
}

export function labeled(opts: { number: number; branch: string; head: string; login: string; label: string; type?: string }): P {
  const p = pullRequest("labeled", { number: opts.number, branch: opts.branch, head: opts.head, sender: opts.login, labels: ["upgrade:proposed", opts.label] });
  p.label = { id: 9, name: opts.label, color: "ededed" };
  p.sender = user(opts.login, opts.type);
  return p;
}

export function checkRun(opts: { head: string; name: string; conclusion: string; appSlug?: string }): P {
  const p = example("check_run", (e) => e.action === "completed");
  repository(p);
  p.check_run = { ...p.check_run, name: opts.name, head_sha: opts.head, status: "completed", conclusion: opts.conclusion, app: { ...(p.check_run.app ?? {}), slug: opts.appSlug ?? "github-actions" } };
  p.sender = user("github-actions[bot]", "Bot");
  return p;
}
