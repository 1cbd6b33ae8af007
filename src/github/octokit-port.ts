/** The GitHub port over an installation's Octokit (Probot's, with its retry and throttling). */
import type { ProbotOctokit } from "probot";
import { CONFIG_PATH } from "../config/repo-config.js";
import type { Permission, UpgradeStatus } from "../domain/types.js";
import type { EnqueueOutcome, GitHubPort, MergeOutcome, PullCommit, PullFacts, PullFile, RepoRef } from "./port.js";
import { CHECK_RUN_NAME, readPull } from "./read-pull.js";

export { CHECK_RUN_NAME };
export const STATE_LABELS: readonly string[] = ["proposed", "approved", "rejected", "expired", "applied", "failed", "rolled_back"].map((s) => `upgrade:${s}`);
/** The state labels a person may add to decide (CONTRACT §3): a decision until the app takes it. */
export type DecisionLabel = "upgrade:approved" | "upgrade:rejected";
export const DECISION_LABELS: readonly string[] = ["upgrade:approved", "upgrade:rejected"] satisfies DecisionLabel[];

type Octokit = ProbotOctokit;
/* eslint-disable @typescript-eslint/no-explicit-any -- response shapes are narrowed field by field */
type Json = any;

function statusOf(error: unknown): number | null {
  return typeof error === "object" && error !== null && "status" in error && typeof (error as { status: unknown }).status === "number"
    ? (error as { status: number }).status
    : null;
}

function messageOf(error: unknown): string {
  const data = (error as { response?: { data?: { message?: string } } }).response?.data;
  return data?.message ?? (error instanceof Error ? error.message : String(error));
}

async function ignoreStatus(work: Promise<unknown>, ...statuses: number[]): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!statuses.includes(statusOf(error) ?? -1)) throw error;
  }
}

/** Text, or the fallback when a field is missing or not a string (webhook payloads are untrusted). */
function text(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

function textOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

const MERGE_MUTATION = `mutation UpgradeQueueMerge($input: MergePullRequestInput!) {
  mergePullRequest(input: $input) { pullRequest { merged mergeCommit { oid parents(first: 1) { nodes { oid } } } } }
}`;

const ENQUEUE_MUTATION = `mutation UpgradeQueueEnqueue($input: EnqueuePullRequestInput!) {
  enqueuePullRequest(input: $input) { mergeQueueEntry { state position } }
}`;

/**
 * GitHub's refusal of a merge, as the outcome the pipeline records: GraphQL answers a refusal
 * with errors (HTTP 200); they are given the REST merge API's status for the same refusal (409
 * head moved, 405 not mergeable or not allowed), so messages read as they always did. Null for
 * a failure that is no answer (5xx, rate limit, network): whether it merged must be read.
 */
function mergeRefusal(error: unknown): MergeOutcome | null {
  const errors = (error as { errors?: Array<{ type?: string; message?: string }> }).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const message = errors.map((e) => e.message ?? "").join("; ");
    if (errors.some((e) => e.type === "RATE_LIMITED")) return null;
    const headMoved = /head branch was modified|expected head|expectedHeadOid/i.test(message);
    return { ok: false, status: headMoved ? 409 : 405, message, headMoved };
  }
  const status = statusOf(error);
  if (status !== null && status < 500 && status !== 429) {
    const message = messageOf(error);
    return { ok: false, status, message, headMoved: status === 409 || /head branch was modified/i.test(message) };
  }
  return null;
}

/** A pull request from a webhook payload or a REST answer; a field of the wrong type reads as absent. */
export function toPullFacts(pull: Json): PullFacts {
  return {
    number: pull.number,
    nodeId: text(pull.node_id),
    title: text(pull.title),
    body: text(pull.body),
    state: pull.state === "closed" ? "closed" : "open",
    merged: pull.merged === true || typeof pull.merged_at === "string",
    mergedBy: textOrNull(pull.merged_by?.login),
    mergeCommitSha: textOrNull(pull.merge_commit_sha),
    headSha: text(pull.head?.sha),
    headRef: text(pull.head?.ref),
    headRepoFullName: textOrNull(pull.head?.repo?.full_name),
    baseRef: text(pull.base?.ref),
    author: textOrNull(pull.user?.login),
    additions: count(pull.additions),
    deletions: count(pull.deletions),
    htmlUrl: text(pull.html_url),
    labels: Array.isArray(pull.labels) ? pull.labels.map((l: Json) => (typeof l === "string" ? l : l?.name)).filter((l: unknown): l is string => typeof l === "string") : [],
    createdAt: textOrNull(pull.created_at),
    updatedAt: text(pull.updated_at),
  };
}

function toPullCommit(c: Json): PullCommit {
  return { sha: c.sha, message: c.commit?.message ?? "", authorLogin: c.author?.login ?? null, committerLogin: c.committer?.login ?? null };
}

export interface OctokitPortOptions {
  appId: number | null;
  /** Waits between merge attempts after a 5xx or a timeout (ms); tests make it tiny. */
  mergeRetryDelayMs?: number;
}

/** A file of a compare or a PR as the port gives it (`previous_filename` only for renames). */
function changedFile(f: Json): PullFile {
  const file: PullFile = { filename: f.filename, status: f.status, additions: f.additions, deletions: f.deletions, patch: f.patch ?? null };
  if (typeof f.previous_filename === "string") file.previousFilename = f.previous_filename;
  return file;
}

export function createOctokitPort(octokit: Octokit, options: OctokitPortOptions): GitHubPort {
  const retryDelay = options.mergeRetryDelayMs ?? 2000;

  const port: GitHubPort = {
    async readConfig(repo) {
      try {
        const response = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
          ...repo,
          path: CONFIG_PATH,
          mediaType: { format: "raw" },
        });
        return typeof response.data === "string" ? response.data : Buffer.from((response.data as Json).content ?? "", "base64").toString("utf8");
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },

    async createPull(repo, input) {
      try {
        const response = await octokit.request("POST /repos/{owner}/{repo}/pulls", { ...repo, ...input });
        return toPullFacts(response.data);
      } catch (error) {
        if (statusOf(error) === 422 && /already exists/i.test(JSON.stringify((error as Json).response?.data ?? ""))) return "exists";
        throw error;
      }
    },

    async compare(repo, base, head) {
      const response = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", { ...repo, basehead: `${base}...${head}`, per_page: 100 });
      const data = response.data as Json;
      return {
        files: ((data.files ?? []) as Json[]).map(changedFile),
        commits: ((data.commits ?? []) as Json[]).map(toPullCommit),
      };
    },

    async findOpenPullByHead(repo, branch) {
      const response = await octokit.request("GET /repos/{owner}/{repo}/pulls", { ...repo, state: "open", head: `${repo.owner}:${branch}`, per_page: 1 });
      const first = (response.data as Json[])[0];
      return first ? toPullFacts(first) : null;
    },

    async readPull(repo, pullNumber, readOptions) {
      return readPull((query, variables) => octokit.graphql(query, variables), repo, pullNumber, { reviews: readOptions?.reviews === true, appId: options.appId });
    },

    async listPullFiles(repo, pullNumber): Promise<PullFile[]> {
      const files = (await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { ...repo, pull_number: pullNumber, per_page: 100 })) as Json[];
      return files.map(changedFile);
    },

    async listPullCommits(repo, pullNumber): Promise<PullCommit[]> {
      const commits = (await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/commits", { ...repo, pull_number: pullNumber, per_page: 100 })) as Json[];
      return commits.map(toPullCommit);
    },

    async getPermission(repo, login): Promise<Permission> {
      try {
        const response = await octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", { ...repo, username: login });
        const data = response.data as Json;
        // role_name distinguishes maintain and triage, which `permission` folds into write/read.
        const role = data.role_name as string | undefined;
        if (role === "maintain" || role === "triage") return role;
        return (["admin", "write", "read", "none"].includes(data.permission) ? data.permission : "none") as Permission;
      } catch (error) {
        if (statusOf(error) === 404) return "none";
        throw error;
      }
    },

    async findCheckRun(repo, sha) {
      const response = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
        ...repo,
        ref: sha,
        check_name: CHECK_RUN_NAME,
        ...(options.appId !== null ? { app_id: options.appId } : {}),
        per_page: 1,
      });
      const run = ((response.data as Json).check_runs ?? [])[0];
      return run ? { id: String(run.id), summary: textOrNull(run.output?.summary) } : null;
    },

    async upsertCheckRun(repo, input) {
      const body: Record<string, unknown> = {
        name: CHECK_RUN_NAME,
        details_url: input.detailsUrl,
        output: { title: input.view.title, summary: input.view.summary },
        ...(input.view.conclusion === null ? { status: "in_progress" } : { status: "completed", conclusion: input.view.conclusion }),
      };
      if (input.id) {
        await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...repo, check_run_id: Number(input.id), ...body });
        return input.id;
      }
      const response = await octokit.request("POST /repos/{owner}/{repo}/check-runs", { ...repo, head_sha: input.headSha, ...body } as Json);
      return String((response.data as Json).id);
    },

    async setStateLabel(repo, pullNumber, status: UpgradeStatus, present) {
      const wanted = `upgrade:${status}`;
      if (present === null) {
        // Adding a label that does not exist yet creates it in the repository.
        await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", { ...repo, issue_number: pullNumber, labels: [wanted] });
        return;
      }
      const others = present.filter((name) => !STATE_LABELS.includes(name));
      if (present.includes(wanted) && others.length === present.length - 1) return;
      // One request sets the whole list: the other labels as the fresh read gave them, and the
      // state label (created in the repository on first use, as adding does).
      await octokit.request("PUT /repos/{owner}/{repo}/issues/{issue_number}/labels", { ...repo, issue_number: pullNumber, labels: [...others, wanted] });
    },

    async removeLabel(repo, pullNumber, name) {
      await ignoreStatus(octokit.request("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", { ...repo, issue_number: pullNumber, name }), 404);
    },

    async comment(repo, pullNumber, body) {
      await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...repo, issue_number: pullNumber, body });
    },

    async commentsSince(repo, pullNumber, since) {
      const response = await octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...repo, issue_number: pullNumber, since: since.toISOString(), per_page: 100 });
      return (response.data as Json[]).map((c) => ({ author: textOrNull(c.user?.login), body: text(c.body) }));
    },

    async lastLabeled(repo, pullNumber, name) {
      const events = (await octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/events", { ...repo, issue_number: pullNumber, per_page: 100 })) as Json[];
      const last = events.filter((e) => e?.event === "labeled" && typeof e.label?.name === "string" && e.label.name.toLowerCase() === name.toLowerCase() && typeof e.actor?.login === "string").at(-1);
      if (!last || typeof last.created_at !== "string") return null;
      return { login: last.actor.login as string, isBot: last.actor.type === "Bot", at: last.created_at as string };
    },

    async closePull(repo, pullNumber) {
      await octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", { ...repo, pull_number: pullNumber, state: "closed" });
    },

    async getBranchHead(repo, branch) {
      const response = await octokit.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { ...repo, ref: `heads/${branch}` });
      return (response.data as Json).object.sha as string;
    },

    async firstParent(repo, sha) {
      const response = await octokit.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", { ...repo, commit_sha: sha });
      return ((response.data as Json).parents?.[0]?.sha as string | undefined) ?? null;
    },

    async merge(repo, pull, input): Promise<MergeOutcome> {
      for (let attempt = 1; ; attempt++) {
        try {
          // One request merges and answers with the merge commit's first parent: the exact base
          // head the merge went onto (`previousSha`), with no second read.
          const data = (await octokit.graphql(MERGE_MUTATION, {
            input: { pullRequestId: pull.nodeId, expectedHeadOid: input.sha, mergeMethod: input.method.toUpperCase(), commitHeadline: input.title },
            // Never let the retry plugin repeat a merge: a refusal is an answer, and after a 5xx
            // the merge may have happened, which only a fresh read can tell.
            request: { retries: 0 },
          })) as Json;
          const commit = data?.mergePullRequest?.pullRequest?.mergeCommit;
          if (typeof commit?.oid !== "string") throw new Error("GitHub answered the merge without a merge commit");
          return { ok: true, sha: commit.oid, previousSha: textOrNull(commit.parents?.nodes?.[0]?.oid) };
        } catch (error) {
          const refusal = mergeRefusal(error);
          if (refusal) return refusal;
          // 5xx, 429 or no answer: did it merge anyway?
          const now = await port.readPull(repo, pull.number).catch(() => null);
          if (now?.merged && now.mergeCommitSha) return { ok: true, sha: now.mergeCommitSha, previousSha: null };
          if (attempt >= 3) return { ok: false, status: statusOf(error) ?? 0, message: messageOf(error), headMoved: false };
          await new Promise((resolve) => setTimeout(resolve, retryDelay * attempt));
        }
      }
    },

    async enqueue(repo, pull, input): Promise<EnqueueOutcome> {
      for (let attempt = 1; ; attempt++) {
        try {
          const data = (await octokit.graphql(ENQUEUE_MUTATION, {
            input: { pullRequestId: pull.nodeId, expectedHeadOid: input.sha },
            // As with the merge: a refusal is an answer, and after a 5xx only a read can tell.
            request: { retries: 0 },
          })) as Json;
          const entry = data?.enqueuePullRequest?.mergeQueueEntry;
          return { ok: true, position: typeof entry?.position === "number" ? entry.position : null };
        } catch (error) {
          const refusal = mergeRefusal(error);
          if (refusal && !refusal.ok && attempt === 1) return refusal;
          // 5xx, 429 or no answer (or a refusal of a retry, whose first try may have been taken):
          // is it in the queue (or merged by it) anyway?
          const now = await port.readPull(repo, pull.number).catch(() => null);
          if (now && (now.mergeQueue.queued || now.merged)) return { ok: true, position: now.mergeQueue.position };
          if (refusal && !refusal.ok) return refusal;
          if (attempt >= 3) return { ok: false, status: statusOf(error) ?? 0, message: messageOf(error), headMoved: false };
          await new Promise((resolve) => setTimeout(resolve, retryDelay * attempt));
        }
      }
    },

    async deleteBranch(repo, branch) {
      await ignoreStatus(octokit.request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", { ...repo, ref: `heads/${branch}` }), 404, 422);
    },

    async restoreTree(repo, input) {
      const head = await port.getBranchHead(repo, input.branch);
      if (head !== input.expectedHead) return { ok: false, reason: `${input.branch} is at ${head.slice(0, 7)}, not ${input.expectedHead.slice(0, 7)}` };
      const target = await octokit.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", { ...repo, commit_sha: input.treeOf });
      const commit = await octokit.request("POST /repos/{owner}/{repo}/git/commits", {
        ...repo,
        message: input.message,
        tree: (target.data as Json).tree.sha,
        parents: [input.expectedHead],
      });
      const sha = (commit.data as Json).sha as string;
      try {
        // Not forced: if the branch moved meanwhile, GitHub refuses instead of losing work.
        await octokit.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...repo, ref: `heads/${input.branch}`, sha, force: false });
      } catch (error) {
        if (statusOf(error) === 422) return { ok: false, reason: messageOf(error) };
        throw error;
      }
      return { ok: true, sha };
    },

    async openRevertPull(_repo, pullNodeId, title, body) {
      const result = (await octokit.graphql(
        `mutation($id: ID!, $title: String!, $body: String!) {
          revertPullRequest(input: { pullRequestId: $id, title: $title, body: $body }) {
            revertPullRequest { number url }
          }
        }`,
        { id: pullNodeId, title, body },
      )) as Json;
      const pr = result.revertPullRequest.revertPullRequest;
      return { number: pr.number, url: pr.url ?? null };
    },

    async listInstallationRepositories() {
      const repos = (await octokit.paginate("GET /installation/repositories", { per_page: 100 })) as Json[];
      return repos.map((r) => ({ fullName: r.full_name, private: r.private !== false, defaultBranch: r.default_branch ?? "main" }));
    },

    async listPulls(repo, state, since) {
      const pulls: PullFacts[] = [];
      for await (const page of octokit.paginate.iterator("GET /repos/{owner}/{repo}/pulls", { ...repo, state, sort: "updated", direction: "desc", per_page: 100 })) {
        for (const raw of page.data as Json[]) {
          const pull = toPullFacts(raw);
          if (since && state === "closed" && pull.updatedAt && new Date(pull.updatedAt) < since) return pulls;
          pulls.push(pull);
        }
      }
      return pulls;
    },
  };
  return port;
}
