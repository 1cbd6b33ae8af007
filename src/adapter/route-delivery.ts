/**
 * Webhook payload -> the jobs it asks for. Pure: no I/O. Drops at the door what can never
 * matter: the app's own events, forks, deleted branches, edited and deleted comments, comments
 * without a command, reviews that neither approve nor request changes, labels other than the two
 * decision labels. What needs the repository's config or the database (the branch prefix, whether
 * a PR or SHA belongs to an upgrade) is checked later, still without writing anything: by the
 * webhook door when the config is cached (`settles-at-door.ts`), else by `isRelevant`.
 */
import { type ParsedCommand, parseCommands } from "../domain/commands.js";
import { type PullFacts } from "../github/port.js";
import { toPullFacts } from "../github/octokit-port.js";

export interface RepoInfo {
  repository: string;
  installationId: number;
  private: boolean;
  defaultBranch: string;
}

export interface Sender {
  login: string;
  isBot: boolean;
}

export type Job =
  | (RepoInfo & { kind: "push"; branch: string; headSha: string; headMessage: string; pusher: string | null; commitLogins: string[]; touchedFiles: string[] })
  | (RepoInfo & { kind: "pull"; action: "opened" | "reopened" | "synchronize" | "closed" | "ready_for_review" | "edited" | "dequeued"; pull: PullFacts; sender: Sender })
  | (RepoInfo & { kind: "review"; pullNumber: number; headRef: string; sha: string; reviewId: number | null; state: "approved" | "changes_requested"; sender: Sender })
  /** `createdAt`: GitHub's time the comment was written; a `/approve` approves the head as it was then. */
  | (RepoInfo & { kind: "comment"; pullNumber: number; commands: ParsedCommand[]; sender: Sender; createdAt: string | null })
  /** `madeAt`: when the label was added, when the job comes from GitHub's record, not its webhook (reconciliation). */
  | (RepoInfo & { kind: "label"; pullNumber: number; headRef: string; headSha: string; labels: string[]; label: "upgrade:approved" | "upgrade:rejected"; sender: Sender; madeAt?: string })
  | (RepoInfo & {
      kind: "checks";
      sha: string;
      /**
       * Every branch the payload names for the SHA (the check suite's head branch, the pull
       * requests' head refs, a status's `branches`), or null when it names none or its list may
       * be cut short: only a complete, non-empty list lets the door drop the event unread.
       */
      branches: string[] | null;
    });

/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are checked field by field */
type Payload = any;

/** `dequeued`: GitHub's merge queue removed the PR (the read says why). */
const PULL_ACTIONS = new Set(["opened", "reopened", "synchronize", "closed", "ready_for_review", "edited", "dequeued"]);

/** GitHub lists at most this many branches in a `status` payload: a full list may be cut short. */
const STATUS_BRANCHES_LIMIT = 10;

/**
 * `botLogin` and `appId` identify the app's own events (its echoes): either is enough for check
 * runs and suites, which name the app that made them.
 */
export function routeDelivery(event: string, payload: Payload, botLogin: string | null, appId: number | null = null): Job[] {
  if (typeof payload !== "object" || payload === null) return [];
  const repo = repoInfo(payload);
  if (!repo) return [];
  const sender = senderOf(payload);
  if (sender && botLogin && sender.login.toLowerCase() === botLogin.toLowerCase()) return [];
  // Without our own login, a bot's label or comment might be our own echo: drop them all
  // (bots can never decide anyway).
  if (!botLogin && sender?.isBot && (event === "issue_comment" || (event === "pull_request" && payload.action === "labeled"))) return [];
  switch (event) {
    case "push":
      return routePush(repo, payload);
    case "pull_request":
      return routePull(repo, payload, sender);
    case "pull_request_review":
      return routeReview(repo, payload, sender);
    case "issue_comment":
      return routeComment(repo, payload, sender);
    case "check_run": {
      const run = payload.check_run;
      const wanted = payload.action === "completed" || payload.action === "created";
      return routeChecks(repo, wanted ? run?.head_sha : null, run?.app, { botLogin, appId }, suiteBranches(run?.check_suite, run?.pull_requests, run?.check_suite?.pull_requests));
    }
    case "check_suite": {
      const suite = payload.check_suite;
      return routeChecks(repo, payload.action === "completed" ? suite?.head_sha : null, suite?.app, { botLogin, appId }, suiteBranches(suite, suite?.pull_requests, undefined));
    }
    case "status":
      return routeChecks(repo, payload.sha, null, { botLogin: null, appId: null }, statusBranches(payload.branches));
    default:
      return [];
  }
}

function repoInfo(payload: Payload): RepoInfo | null {
  const repository = payload.repository;
  const installationId = payload.installation?.id;
  if (!isRepositoryName(repository?.full_name) || !isId(installationId)) return null;
  return {
    repository: repository.full_name,
    installationId,
    private: repository.private !== false,
    defaultBranch: typeof repository.default_branch === "string" ? repository.default_branch : (repository.master_branch ?? "main"),
  };
}

function senderOf(payload: Payload): Sender | null {
  const login = payload.sender?.login;
  if (typeof login !== "string") return null;
  return { login, isBot: payload.sender.type === "Bot" || login.endsWith("[bot]") };
}

/** `owner/name` as GitHub allows them: anything else (a NUL byte, a path) never reaches a query. */
function isRepositoryName(value: unknown): value is string {
  return typeof value === "string" && value.length <= 200 && /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(value);
}

/** A positive integer that fits the database's Int columns (pull numbers, installation ids). */
function isId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 && value <= 2_147_483_647;
}

function isSha(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{40}$/i.test(value);
}

function routePush(repo: RepoInfo, payload: Payload): Job[] {
  const ref = payload.ref;
  if (typeof ref !== "string" || !ref.startsWith("refs/heads/") || ref.includes("\u0000") || payload.deleted === true || !isSha(payload.after)) return [];
  const commits: Payload[] = Array.isArray(payload.commits) ? payload.commits : [];
  const logins = new Set<string>();
  const touched = new Set<string>();
  for (const commit of commits) {
    for (const who of [commit?.author?.username, commit?.committer?.username]) if (typeof who === "string") logins.add(who);
    for (const list of [commit?.added, commit?.modified, commit?.removed]) if (Array.isArray(list)) for (const f of list) if (typeof f === "string") touched.add(f);
  }
  return [
    {
      ...repo,
      kind: "push",
      branch: ref.slice("refs/heads/".length),
      headSha: payload.after,
      headMessage: typeof payload.head_commit?.message === "string" ? payload.head_commit.message : "",
      pusher: typeof payload.pusher?.name === "string" ? payload.pusher.name : (payload.sender?.login ?? null),
      commitLogins: [...logins],
      touchedFiles: [...touched],
    },
  ];
}

function isFork(pull: Payload): boolean {
  const head = pull?.head?.repo?.full_name;
  const base = pull?.base?.repo?.full_name;
  return typeof head !== "string" || typeof base !== "string" || head !== base;
}

function routePull(repo: RepoInfo, payload: Payload, sender: Sender | null): Job[] {
  const pull = payload.pull_request;
  const action = payload.action;
  if (payload.action === "labeled") return routeLabel(repo, payload, sender);
  if (!sender || !PULL_ACTIONS.has(action) || !isId(pull?.number)) return [];
  // A revert PR that merges may roll an upgrade back, whatever its branch; every other
  // pull request must come from a branch of this repository.
  if (isFork(pull) && !(action === "closed" && pull.merged)) return [];
  if (!isSha(pull.head?.sha)) return [];
  return [{ ...repo, kind: "pull", action, pull: toPullFacts(pull), sender }];
}

function routeLabel(repo: RepoInfo, payload: Payload, sender: Sender | null): Job[] {
  const name = payload.label?.name;
  const pull = payload.pull_request;
  if (!sender || (name !== "upgrade:approved" && name !== "upgrade:rejected") || isFork(pull) || !isId(pull?.number) || !isSha(pull?.head?.sha)) return [];
  const labels = Array.isArray(pull.labels) ? pull.labels.map((l: Payload) => l?.name).filter((l: unknown) => typeof l === "string") : [];
  return [{ ...repo, kind: "label", pullNumber: pull.number, headRef: typeof pull.head.ref === "string" ? pull.head.ref : "", headSha: pull.head.sha, labels, label: name, sender }];
}

function routeReview(repo: RepoInfo, payload: Payload, sender: Sender | null): Job[] {
  const review = payload.review;
  const pull = payload.pull_request;
  if (payload.action !== "submitted" || !sender || isFork(pull) || !isId(pull?.number)) return [];
  const state = String(review?.state ?? "").toLowerCase();
  if (state !== "approved" && state !== "changes_requested") return [];
  if (!isSha(review.commit_id)) return [];
  // Review ids outgrew 32 bits on GitHub: any positive safe integer.
  const reviewId = typeof review.id === "number" && Number.isSafeInteger(review.id) && review.id > 0 ? review.id : null;
  return [{ ...repo, kind: "review", pullNumber: pull.number, headRef: pull.head?.ref ?? "", sha: review.commit_id, reviewId, state, sender }];
}

function routeComment(repo: RepoInfo, payload: Payload, sender: Sender | null): Job[] {
  // Edited and deleted comments never trigger anything; only comments on pull requests count.
  if (payload.action !== "created" || !sender || !payload.issue?.pull_request || !isId(payload.issue.number)) return [];
  const body = payload.comment?.body;
  if (typeof body !== "string" || !body.includes("/")) return [];
  const commands = parseCommands(body);
  if (commands.length === 0) return [];
  const createdAt = typeof payload.comment?.created_at === "string" ? payload.comment.created_at : null;
  return [{ ...repo, kind: "comment", pullNumber: payload.issue.number, commands, sender, createdAt }];
}

function routeChecks(repo: RepoInfo, sha: unknown, app: Payload, self: { botLogin: string | null; appId: number | null }, branches: string[] | null): Job[] {
  if (!isSha(sha)) return [];
  // Our own check run's events are dropped at the door.
  if (self.botLogin && typeof app?.slug === "string" && `${app.slug}[bot]` === self.botLogin) return [];
  if (self.appId !== null && app?.id === self.appId) return [];
  return [{ ...repo, kind: "checks", sha, branches }];
}

function branchNames(names: unknown[]): string[] | null {
  const valid = names.filter((name): name is string => typeof name === "string" && name !== "");
  // A name that is not a string (or a list that holds one) says the payload is not what it
  // seems: then it names nothing the door may rely on.
  return valid.length > 0 && valid.length === names.length ? [...new Set(valid)] : null;
}

/** A check suite's head branch and the head refs of the pull requests GitHub matched to it. */
function suiteBranches(suite: Payload, ...pullLists: unknown[]): string[] | null {
  const names: unknown[] = [];
  if (suite?.head_branch !== null && suite?.head_branch !== undefined) names.push(suite.head_branch);
  for (const pulls of pullLists) {
    if (pulls === undefined || pulls === null) continue;
    if (!Array.isArray(pulls)) return null;
    for (const pull of pulls as Payload[]) names.push(pull?.head?.ref);
  }
  return branchNames(names);
}

/** The branches a `status` payload says contain the SHA; at the limit, GitHub may have left some out. */
function statusBranches(branches: unknown): string[] | null {
  if (!Array.isArray(branches) || branches.length >= STATUS_BRANCHES_LIMIT) return null;
  return branchNames(branches.map((b: Payload) => b?.name));
}
