/**
 * An in-memory, GitHub-compatible server (GitHub Enterprise URL layout) for tests and benchmarks.
 * See README.md in this folder for the endpoints and the GitHub behaviours it copies.
 */
import { randomBytes } from "node:crypto";
import type { Delivery } from "./auto-deliver.js";
import { startAutoDelivery } from "./auto-deliver.js";
import { createCheckRun, addStatus, updateCheckRun } from "./checks.js";
import { resolveRef, treeOfCommit } from "./git.js";
import { operationNameOf } from "./graphql.js";
import type { Fault, FaultResponse, RecordedRequest, RequestMatcher } from "./http.js";
import { addComment as storeComment } from "./labels.js";
import { mergeFromQueue, queuePosition, removeFromQueue } from "./merge-queue.js";
import type { Payloads } from "./payloads.js";
import { createPayloads } from "./payloads.js";
import type { MergeMethod } from "./pulls.js";
import { closePull, mergePull, openPull, reopenPull } from "./pulls.js";
import type { AddRepoInput, PushCommitInput } from "./repos.js";
import * as repos from "./repos.js";
import { CI_APP_ID, checkRunJson } from "./serialize-app.js";
import { commentJson, pullJson, reviewJson } from "./serialize.js";
import { listen } from "./server.js";
import type { WebhookSender } from "./webhooks.js";
import { createWebhookSender } from "./webhooks.js";
import type { CommitStatus, Permission, State, UserType } from "./state.js";
import { botLogin, createState, ensureUser, getPullState, getRepo } from "./state.js";

export type { FaultResponse, RecordedRequest, RequestMatcher } from "./http.js";
export type { Payloads } from "./payloads.js";
export type { Permission } from "./state.js";
export type { Delivery } from "./auto-deliver.js";
export type { WebhookSender } from "./webhooks.js";
export { createWebhookSender, sign } from "./webhooks.js";

/** Matches POST /api/graphql requests running the operation `name` (for `failNext`). */
export function graphqlOperation(name: string): RequestMatcher {
  return (request) => request.method === "POST" && request.path.split("?")[0] === "/api/graphql" && operationNameOf(request.body) === name;
}

export interface RepoSettings {
  /** "Automatically delete head branches": a merged same-repository PR's head branch is deleted. */
  deleteBranchOnMerge?: boolean;
}

export { MERGE_QUEUE_BOT } from "./merge-queue.js";

export interface StartOptions {
  port?: number;
  /** The app id `GET /app` reports and check runs carry (default 1). JWT `iss` is not compared. */
  appId?: number;
  clientId?: string;
  clientSecret?: string;
}

type PullJson = ReturnType<typeof pullJson>;
type CommentJson = ReturnType<typeof commentJson>;
type CheckRunJson = ReturnType<typeof checkRunJson>;
type ReviewJson = ReturnType<typeof reviewJson>;

export interface FakeGitHub {
  url: string;
  host: string;
  appId: number;
  /** The app id of the CI app that `completeCheckRun` acts as (15368), as check runs report it. */
  ciAppId: number;
  clientId: string;
  clientSecret: string;
  /** Login the app's installation tokens act as: `upgrade-queue[bot]`. */
  botLogin: string;
  state: State;
  requests: RecordedRequest[];
  close(): Promise<void>;
  clearRequests(): void;
  /** Pattern: a path string, a RegExp over path+query, or a predicate such as `graphqlOperation(name)`. */
  failNext(method: string, pathPattern: string | RegExp | RequestMatcher, responses: FaultResponse[]): void;
  payloads: Payloads;
  /**
   * Deliver the webhooks GitHub would send for changes made through the API (see
   * auto-deliver.ts); `null` stops. Deliveries are listed in `deliveries`.
   */
  autoDeliver(target: WebhookSender | { url: string; secret: string } | null): void;
  deliveries: Delivery[];
  /** Resolves when every automatic delivery queued so far has been answered. */
  settleDeliveries(): Promise<void>;

  addRepo(input: AddRepoInput): { fullName: string; id: number; headSha: string };
  forkRepo(parent: string, owner: string): { fullName: string };
  setRepoSettings(repo: string, settings: RepoSettings): void;
  /**
   * Branch protection requires GitHub's merge queue on `branch` (`false` lifts it): direct merges
   * are refused (405 "Changes must be made through the merge queue"), `enqueuePullRequest` works.
   */
  requireMergeQueue(repo: string, branch: string, required?: boolean): void;
  /** The queue merges PR `n`'s entry (a real merge, by `github-merge-queue[bot]`); returns the merge commit. Not delivered. */
  mergeFromQueue(repo: string, n: number, opts?: { method?: MergeMethod }): string;
  /** The queue drops PR `n` with `reason` (a timeline event); send `payloads.dequeued` for its webhook. */
  removeFromQueue(repo: string, n: number, reason: string, actor?: string): void;
  /** PR `n`'s place in its base's merge queue (1 = next), or null. */
  queuePositionOf(repo: string, n: number): number | null;
  pushCommit(input: PushCommitInput): string;
  setCollaborator(repo: string, login: string, permission: Permission): void;
  setUser(login: string, info: { type?: UserType; id?: number }): void;
  setConfig(repo: string, yamlText: string): string;
  setOAuthUser(login: string | null): void;
  deleteBranch(repo: string, branch: string, by?: string): void;
  openPull(input: { repo: string; head: string; base?: string; title: string; body?: string; user: string }): number;
  mergePull(repo: string, n: number, opts: { by: string; method?: MergeMethod; sha?: string }): string;
  closePull(repo: string, n: number): void;
  reopenPull(repo: string, n: number): void;
  addComment(repo: string, n: number, login: string, body: string): CommentJson;
  completeCheckRun(input: { repo: string; sha: string; name: string; conclusion: string | null; status?: "queued" | "in_progress" | "completed" }): CheckRunJson;
  setStatus(input: { repo: string; sha: string; context: string; state: CommitStatus["state"]; targetUrl?: string }): void;
  /** A token as the OAuth flow or the app's JWT exchange would mint it, for direct Octokit use. */
  tokenFor(owner: { installationId: number } | { login: string }): string;

  getPull(repo: string, n: number): PullJson;
  getBranchSha(repo: string, branch: string): string | undefined;
  getFile(repo: string, path: string, ref?: string): string | undefined;
  labelsOf(repo: string, n: number): string[];
  commentsOf(repo: string, n: number): CommentJson[];
  reviewsOf(repo: string, n: number): ReviewJson[];
  checkRunsFor(repo: string, sha: string): CheckRunJson[];
}

export async function startFakeGitHub(opts: StartOptions = {}): Promise<FakeGitHub> {
  const state = createState("http://127.0.0.1", {
    id: opts.appId ?? 1,
    clientId: opts.clientId ?? "Iv1.fakeclientid0001",
    clientSecret: opts.clientSecret ?? "fake-client-secret",
  });
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const server = await listen(state, opts.port ?? 0, requests, faults, (url) => {
    state.baseUrl = url;
  });
  const deliveries: Delivery[] = [];
  let delivery: { settled(): Promise<void> } | null = null;
  const pull = (repo: string, n: number) => {
    const r = getRepo(state, repo);
    return { r, p: getPullState(r, n) };
  };

  return {
    url: server.url,
    host: server.host,
    appId: state.app.id,
    ciAppId: CI_APP_ID,
    clientId: state.app.clientId,
    clientSecret: state.app.clientSecret,
    botLogin: botLogin(state),
    state,
    requests,
    close: () => server.close(),
    clearRequests: () => {
      requests.length = 0;
    },
    failNext: (method, pathPattern, responses) => {
      faults.push({ method: method.toUpperCase(), pattern: pathPattern, responses: [...responses] });
    },
    payloads: createPayloads(state),
    autoDeliver: (target) => {
      state.onChange = null;
      if (!target) return;
      const sender = "send" in target ? target : createWebhookSender(target);
      delivery = startAutoDelivery(state, sender, deliveries);
    },
    deliveries,
    settleDeliveries: async () => {
      await delivery?.settled();
    },

    addRepo: (input) => {
      const repo = repos.addRepo(state, input);
      return { fullName: repo.fullName, id: repo.id, headSha: repo.branches.get(repo.defaultBranch) as string };
    },
    forkRepo: (parent, owner) => ({ fullName: repos.forkRepo(state, parent, owner).fullName }),
    setRepoSettings: (repo, settings) => {
      const r = getRepo(state, repo);
      if (settings.deleteBranchOnMerge !== undefined) r.deleteBranchOnMerge = settings.deleteBranchOnMerge;
    },
    requireMergeQueue: (repo, branch, required = true) => {
      const r = getRepo(state, repo);
      if (required) r.mergeQueueBranches.add(branch);
      else r.mergeQueueBranches.delete(branch);
    },
    mergeFromQueue: (repo, n, o) => {
      const { r, p } = pull(repo, n);
      return mergeFromQueue(state, r, p, o?.method);
    },
    removeFromQueue: (repo, n, reason, actor) => removeFromQueue(state, pull(repo, n).p, reason, actor),
    queuePositionOf: (repo, n) => {
      const { r, p } = pull(repo, n);
      return queuePosition(r, p);
    },
    pushCommit: (input) => repos.pushCommit(state, input),
    setCollaborator: (repo, login, permission) => repos.setCollaborator(state, repo, login, permission),
    setUser: (login, info) => repos.setUser(state, login, info),
    setConfig: (repo, yamlText) => repos.setConfig(state, repo, yamlText),
    setOAuthUser: (login) => {
      state.oauthUser = login;
      if (login) ensureUser(state, login);
    },
    deleteBranch: (repo, branch, by) => {
      const r = getRepo(state, repo);
      repos.deleteBranch(state, r, branch, by ?? r.owner);
    },
    openPull: (input) => openPull(state, getRepo(state, input.repo), input).number,
    mergePull: (repo, n, o) => {
      const { r, p } = pull(repo, n);
      return mergePull(state, r, p, { by: o.by, method: o.method, sha: o.sha });
    },
    closePull: (repo, n) => closePull(state, pull(repo, n).p),
    reopenPull: (repo, n) => {
      const { r, p } = pull(repo, n);
      reopenPull(state, r, p);
    },
    addComment: (repo, n, login, body) => {
      const { r, p } = pull(repo, n);
      return commentJson(state, r, n, storeComment(state, p, login, body));
    },
    completeCheckRun: (input) => {
      const r = getRepo(state, input.repo);
      const status = input.status ?? (input.conclusion ? "completed" : "in_progress");
      const existing = [...r.checkRuns].reverse().find((c) => c.headSha === input.sha && c.name === input.name && c.appSlug === "ci");
      const conclusion = status === "completed" ? input.conclusion : null;
      const run =
        existing && existing.status !== "completed"
          ? (updateCheckRun(state, existing, { status, conclusion }), existing)
          : createCheckRun(state, r, { name: input.name, headSha: input.sha, status, conclusion, appSlug: "ci", detailsUrl: `${state.baseUrl}/ci/${input.name}` });
      return checkRunJson(state, r, run);
    },
    setStatus: (input) => {
      addStatus(state, getRepo(state, input.repo), { sha: input.sha, context: input.context, state: input.state, targetUrl: input.targetUrl, creator: "ci[bot]" });
    },
    tokenFor: (owner) => {
      const token = "login" in owner ? `ghu_${randomBytes(18).toString("base64url")}` : `ghs_${randomBytes(18).toString("base64url")}`;
      state.tokens.set(token, "login" in owner ? { kind: "user", login: owner.login } : { kind: "installation", installationId: owner.installationId });
      return token;
    },

    getPull: (repo, n) => {
      const { r, p } = pull(repo, n);
      return pullJson(state, r, p);
    },
    getBranchSha: (repo, branch) => getRepo(state, repo).branches.get(branch),
    getFile: (repo, path, ref) => {
      const r = getRepo(state, repo);
      const sha = resolveRef(state, r, ref ?? r.defaultBranch);
      return sha ? treeOfCommit(state, sha).get(path) : undefined;
    },
    labelsOf: (repo, n) => [...pull(repo, n).p.labels],
    commentsOf: (repo, n) => {
      const { r, p } = pull(repo, n);
      return p.comments.map((c) => commentJson(state, r, n, c));
    },
    reviewsOf: (repo, n) => {
      const { r, p } = pull(repo, n);
      return p.reviews.map((v) => reviewJson(state, r, n, v));
    },
    checkRunsFor: (repo, sha) => {
      const r = getRepo(state, repo);
      return r.checkRuns.filter((c) => c.headSha === sha).map((c) => checkRunJson(state, r, c));
    },
  };
}
