/**
 * The GraphQL objects the fake serves (Repository, PullRequest, Commit, the status check rollup,
 * reviews, labels, actors), resolved lazily from the state at the moment a field is read.
 */
import { latestRuns, latestStatuses } from "./checks.js";
import { connection } from "./gql-connection.js";
import type { GqlObject } from "./gql-exec.js";
import { FieldError, object } from "./gql-exec.js";
import type { Auth } from "./http.js";
import { baseShaOf, headShaOf, isMergeable, pullCommits, pullFiles } from "./pulls.js";
import { CI_APP_ID } from "./serialize-app.js";
import { nodeId } from "./serialize.js";
import { queuePosition, requiresMergeQueue } from "./merge-queue.js";
import type { CheckRun, CommitStatus, Pull, QueueRemoval, Repo, Review, State } from "./state.js";
import { atLeast, ensureUser, findRepo, getRepo, roleOf } from "./state.js";

const upper = (value: string | null) => (value === null ? null : value.toUpperCase());

/** Whether the caller may read the repository (what REST's 404 hides, GraphQL calls NOT_FOUND). */
export function canRead(state: State, auth: Auth, repo: Repo): boolean {
  if (auth.kind === "installation") return repo.installationId === auth.installationId;
  if (auth.kind === "user") return atLeast(roleOf(state, repo, auth.login), "read");
  return false;
}

/** GitHub's GraphQL names bots without the `[bot]` suffix (REST keeps it). */
export function actorObject(state: State, login: string | null): GqlObject | null {
  if (!login) return null;
  const user = ensureUser(state, login);
  const bot = user.type === "Bot";
  const shown = bot ? user.login.replace(/\[bot\]$/, "") : user.login;
  return object(bot ? "Bot" : user.type === "Organization" ? "Organization" : "User", {
    login: () => shown,
    databaseId: () => user.id,
    id: () => nodeId(bot ? "BOT" : "U", user.id),
    url: () => `${state.baseUrl}/${bot ? `apps/${shown}` : shown}`,
  });
}

function checkRunObject(state: State, repo: Repo, run: CheckRun): GqlObject {
  const appId = run.appSlug === state.app.slug ? state.app.id : CI_APP_ID;
  return object("CheckRun", {
    id: () => nodeId("CR", run.id),
    databaseId: () => run.id,
    name: () => run.name,
    status: () => upper(run.status),
    conclusion: () => upper(run.conclusion),
    url: () => `${state.baseUrl}/${repo.fullName}/runs/${run.id}`,
    detailsUrl: () => run.detailsUrl,
    externalId: () => run.externalId,
    startedAt: () => run.startedAt,
    completedAt: () => run.completedAt,
    title: () => run.output.title,
    summary: () => run.output.summary,
    checkSuite: () =>
      object("CheckSuite", {
        databaseId: () => run.suiteId,
        app: () => object("App", { databaseId: () => appId, slug: () => run.appSlug, name: () => (appId === state.app.id ? state.app.name : "CI") }),
      }),
  });
}

function statusObject(status: CommitStatus): GqlObject {
  return object("StatusContext", {
    id: () => nodeId("SC", status.id),
    context: () => status.context,
    state: () => upper(status.state),
    targetUrl: () => status.targetUrl,
    description: () => status.description,
    createdAt: () => status.createdAt,
  });
}

const FAILING = ["failure", "timed_out", "cancelled", "action_required", "startup_failure"];

/** The rollup's own state: failing wins, then anything unfinished, else success. */
function rollupState(runs: CheckRun[], statuses: CommitStatus[]): string {
  if (runs.some((r) => FAILING.includes(r.conclusion ?? "")) || statuses.some((s) => s.state === "failure" || s.state === "error")) return "FAILURE";
  if (runs.some((r) => r.status !== "completed") || statuses.some((s) => s.state === "pending")) return "PENDING";
  return "SUCCESS";
}

/** Latest run per (app, name) oldest first, then latest status per context oldest first; null when none. */
function rollupObject(state: State, repo: Repo, sha: string): GqlObject | null {
  const runs = latestRuns(repo.checkRuns.filter((r) => r.headSha === sha)).sort((a, b) => a.id - b.id);
  const statuses = latestStatuses(repo, sha).sort((a, b) => a.id - b.id);
  if (runs.length === 0 && statuses.length === 0) return null;
  const contexts: GqlObject[] = [...runs.map((r) => checkRunObject(state, repo, r)), ...statuses.map(statusObject)];
  return object("StatusCheckRollup", {
    state: () => rollupState(runs, statuses),
    contexts: (args) => connection("contexts", "StatusCheckRollupContextConnection", contexts, args, (c) => c),
  });
}

export function commitObject(state: State, repo: Repo, sha: string): GqlObject {
  const commit = state.commits.get(sha);
  return object("Commit", {
    id: () => nodeId("C", sha),
    oid: () => sha,
    abbreviatedOid: () => sha.slice(0, 7),
    message: () => commit?.message ?? "",
    messageHeadline: () => (commit?.message ?? "").split("\n")[0],
    committedDate: () => commit?.date ?? null,
    url: () => `${state.baseUrl}/${repo.fullName}/commit/${sha}`,
    parents: (args) => connection("parents", "CommitConnection", commit?.parents ?? [], args, (p) => commitObject(state, repo, p)),
    statusCheckRollup: () => rollupObject(state, repo, sha),
  });
}

function reviewObject(state: State, repo: Repo, review: Review): GqlObject {
  return object("PullRequestReview", {
    id: () => nodeId("PRR", review.id),
    databaseId: () => review.id,
    state: () => review.state,
    body: () => review.body,
    submittedAt: () => review.submittedAt,
    author: () => actorObject(state, review.user),
    authorCanPushToRepository: () => atLeast(roleOf(state, repo, review.user), "write"),
    commit: () => commitObject(state, repo, review.commitId),
  });
}

export function pullObject(state: State, repo: Repo, pull: Pull): GqlObject {
  const head = () => headShaOf(state, pull);
  const files = () => pullFiles(state, repo, pull);
  const mergeable = () => isMergeable(state, repo, pull);
  return object("PullRequest", {
    id: () => pull.nodeId,
    databaseId: () => pull.id,
    number: () => pull.number,
    title: () => pull.title,
    body: () => pull.body ?? "",
    state: () => (pull.merged ? "MERGED" : pull.state === "open" ? "OPEN" : "CLOSED"),
    closed: () => pull.state === "closed",
    merged: () => pull.merged,
    isDraft: () => false,
    mergeable: () => (mergeable() === null ? "UNKNOWN" : mergeable() ? "MERGEABLE" : "CONFLICTING"),
    url: () => `${state.baseUrl}/${repo.fullName}/pull/${pull.number}`,
    createdAt: () => pull.createdAt,
    updatedAt: () => pull.updatedAt,
    closedAt: () => pull.closedAt,
    mergedAt: () => pull.mergedAt,
    additions: () => files().reduce((n, f) => n + f.additions, 0),
    deletions: () => files().reduce((n, f) => n + f.deletions, 0),
    changedFiles: () => files().length,
    author: () => actorObject(state, pull.user),
    mergedBy: () => actorObject(state, pull.mergedBy),
    mergeCommit: () => (pull.mergeCommitSha ? commitObject(state, repo, pull.mergeCommitSha) : null),
    headRefName: () => pull.headRef,
    headRefOid: head,
    headRepository: () => repositoryObject(state, getRepo(state, pull.headRepo)),
    baseRefName: () => pull.baseRef,
    baseRefOid: () => pull.frozenBaseSha ?? baseShaOf(repo, pull),
    // The base branch as it is now (null once deleted), its head commit as `target`.
    baseRef: () => {
      const sha = repo.branches.get(pull.baseRef);
      return sha ? object("Ref", { name: () => pull.baseRef, target: () => commitObject(state, repo, sha) }) : null;
    },
    // The head branch as it is now (null once deleted): the open PRs it heads.
    headRef: () => {
      if (!repo.branches.has(pull.headRef) || pull.headRepo !== repo.fullName) return null;
      return object("Ref", {
        name: () => pull.headRef,
        associatedPullRequests: (args) => {
          const states = Array.isArray(args.states) ? (args.states as string[]) : null;
          const heads = [...repo.pulls.values()].filter((p) => p.headRef === pull.headRef && p.headRepo === repo.fullName);
          const wanted = heads.filter((p) => states === null || states.includes(p.merged ? "MERGED" : p.state === "open" ? "OPEN" : "CLOSED"));
          return connection("associatedPullRequests", "PullRequestConnection", wanted, args, (p) => object("PullRequest", { number: () => p.number }));
        },
      });
    },
    repository: () => repositoryObject(state, repo),
    labels: (args) => connection("labels", "LabelConnection", pull.labels, args, (name) => labelObject(repo, name)),
    reviews: (args) => connection("reviews", "PullRequestReviewConnection", pull.reviews, args, (r) => reviewObject(state, repo, r)),
    commits: (args) =>
      connection("commits", "PullRequestCommitConnection", pullCommits(state, repo, pull), args, (c) =>
        object("PullRequestCommit", { commit: () => commitObject(state, repo, c.sha) }),
      ),
    // GitHub's merge queue: whether the base requires it, the PR's entry, its removals.
    isMergeQueueEnabled: () => requiresMergeQueue(repo, pull.baseRef),
    isInMergeQueue: () => pull.queue !== null,
    mergeQueueEntry: () => (pull.queue ? queueEntryObject(state, repo, pull) : null),
    timelineItems: (args) => connection("timelineItems", "PullRequestTimelineItemsConnection", timelineOf(pull, args.itemTypes), args, (r) => removalObject(state, r)),
  });
}

const TIMELINE_TYPES = ["REMOVED_FROM_MERGE_QUEUE_EVENT"];

/** The timeline's events of the types asked for; the fake models only removals from the queue. */
function timelineOf(pull: Pull, itemTypes: unknown): QueueRemoval[] {
  const types = Array.isArray(itemTypes) ? (itemTypes as unknown[]) : null;
  if (types === null) throw new FieldError("fake-github: timelineItems needs itemTypes (only REMOVED_FROM_MERGE_QUEUE_EVENT is modelled)");
  const unknown = types.find((t) => typeof t !== "string" || !TIMELINE_TYPES.includes(t));
  if (unknown !== undefined) throw new FieldError(`fake-github: timeline item type ${String(unknown)} is not modelled`);
  return types.length === 0 ? [] : pull.queueRemovals;
}

function removalObject(state: State, removal: QueueRemoval): GqlObject {
  return object("RemovedFromMergeQueueEvent", {
    id: () => nodeId("RFMQE", removal.id),
    reason: () => removal.reason,
    createdAt: () => removal.at,
    actor: () => actorObject(state, removal.actor),
  });
}

export function queueEntryObject(state: State, repo: Repo, pull: Pull): GqlObject {
  const entry = pull.queue as NonNullable<Pull["queue"]>;
  return object("MergeQueueEntry", {
    id: () => nodeId("MQE", entry.seq),
    // The queue's CI is not modelled: an entry waits for the test to merge or remove it.
    state: () => "AWAITING_CHECKS",
    position: () => queuePosition(repo, pull),
    enqueuedAt: () => entry.enqueuedAt,
    enqueuer: () => actorObject(state, entry.by),
    headCommit: () => commitObject(state, repo, entry.headSha),
    pullRequest: () => pullObject(state, repo, pull),
  });
}

function labelObject(repo: Repo, name: string): GqlObject {
  const label = repo.labels.get(name.toLowerCase());
  return object("Label", {
    id: () => nodeId("LA", label?.id ?? 0),
    name: () => label?.name ?? name,
    color: () => label?.color ?? "ededed",
    description: () => label?.description ?? null,
  });
}

export function repositoryObject(state: State, repo: Repo): GqlObject {
  return object("Repository", {
    id: () => nodeId("R", repo.id),
    databaseId: () => repo.id,
    name: () => repo.name,
    nameWithOwner: () => repo.fullName,
    owner: () => actorObject(state, repo.owner),
    isPrivate: () => repo.private,
    isFork: () => repo.forkOf !== null,
    url: () => `${state.baseUrl}/${repo.fullName}`,
    deleteBranchOnMerge: () => repo.deleteBranchOnMerge,
    defaultBranchRef: () => object("Ref", { name: () => repo.defaultBranch, target: () => commitObject(state, repo, repo.branches.get(repo.defaultBranch) as string) }),
    pullRequest: (args) => {
      const pull = repo.pulls.get(Number(args.number));
      if (!pull) throw new FieldError(`Could not resolve to a PullRequest with the number of ${String(args.number)}.`, "NOT_FOUND");
      return pullObject(state, repo, pull);
    },
  });
}

/** `repository(owner:, name:)`: NOT_FOUND for a repository the caller cannot see, as GitHub. */
export function findRepository(state: State, auth: Auth, owner: unknown, name: unknown): GqlObject {
  const repo = findRepo(state, `${String(owner)}/${String(name)}`);
  if (!repo || !canRead(state, auth, repo)) {
    throw new FieldError(`Could not resolve to a Repository with the name '${String(owner)}/${String(name)}'.`, "NOT_FOUND");
  }
  return repositoryObject(state, repo);
}
