/**
 * The one read a pass decides from: the pull request as GitHub has it now, with the check runs
 * and commit statuses of its head commit, in a single GraphQL query (`statusCheckRollup` holds
 * both kinds). It replaces the REST pairs (check-runs + status) the gate used to read, and the
 * PR read beside them.
 */
import type { ObservedCheck } from "../domain/test-gate.js";
import type { MergeQueueFacts, PullSnapshot, RepoRef, ReviewFacts } from "./port.js";

/** The operation name is what the fake GitHub and the request counters recognise. */
export const READ_PULL_QUERY = `query UpgradeQueuePull($owner: String!, $repo: String!, $number: Int!, $reviews: Boolean!, $after: String) {
  repository(owner: $owner, name: $repo) {
    deleteBranchOnMerge
    pullRequest(number: $number) {
      id number title body state merged url createdAt updatedAt additions deletions
      isMergeQueueEnabled isInMergeQueue mergeQueueEntry { state position }
      timelineItems(last: 1, itemTypes: [REMOVED_FROM_MERGE_QUEUE_EVENT]) {
        nodes { ... on RemovedFromMergeQueueEvent { reason createdAt actor { __typename login } } }
      }
      mergedBy { __typename login }
      mergeCommit { oid }
      author { __typename login }
      headRefName headRefOid headRepository { nameWithOwner }
      headRef { associatedPullRequests(states: [OPEN], first: 5) { nodes { number } } }
      baseRefName
      baseRef { target { ... on Commit { statusCheckRollup { contexts(first: 100) { nodes {
        __typename
        ... on CheckRun { name checkSuite { app { databaseId } } }
        ... on StatusContext { context }
      } } } } } }
      labels(first: 100) { nodes { name } }
      reviews(last: 100) @include(if: $reviews) {
        nodes { databaseId state authorCanPushToRepository author { __typename login } commit { oid } }
      }
      commits(last: 1) {
        nodes { commit { oid statusCheckRollup { contexts(first: 100, after: $after) {
          pageInfo { hasNextPage endCursor }
          nodes {
            __typename
            ... on CheckRun { databaseId name status conclusion url detailsUrl startedAt checkSuite { app { databaseId } } }
            ... on StatusContext { context state targetUrl createdAt }
          }
        } } } }
      }
    }
  }
}`;

export const CHECK_RUN_NAME = "Upgrade Queue";

/* eslint-disable @typescript-eslint/no-explicit-any -- GraphQL answers are narrowed field by field */
type Json = any;
type Graphql = (query: string, variables: Record<string, unknown>) => Promise<unknown>;

const text = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);
const textOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);
/** GraphQL names a bot account without the `[bot]` that REST and webhooks add: one form here. */
const login = (actor: Json): string | null => {
  const name = textOrNull(actor?.login);
  return name !== null && actor?.__typename === "Bot" && !name.endsWith("[bot]") ? `${name}[bot]` : name;
};
const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/** Reads the PR; follows the rollup's pages (more than 100 checks on one commit). */
export async function readPull(graphql: Graphql, repo: RepoRef, number: number, options: { reviews: boolean; appId: number | null }): Promise<PullSnapshot> {
  const contexts: Json[] = [];
  let after: string | null = null;
  let first: Json = null;
  for (let page = 0; page < 20; page++) {
    const data = (await graphql(READ_PULL_QUERY, { owner: repo.owner, repo: repo.repo, number, reviews: options.reviews && page === 0, after })) as Json;
    const pull = data?.repository?.pullRequest;
    if (!pull) throw new Error(`${repo.owner}/${repo.repo}#${number}: GitHub returned no pull request`);
    first ??= data;
    // A page read after the head moved would mix two commits' checks: the first page's head wins.
    if (pull.headRefOid !== first.repository.pullRequest.headRefOid) break;
    const rollup = pull.commits?.nodes?.[0]?.commit?.statusCheckRollup?.contexts;
    contexts.push(...((rollup?.nodes ?? []) as Json[]));
    if (!rollup?.pageInfo?.hasNextPage) break;
    after = rollup.pageInfo.endCursor;
  }
  return toSnapshot(first, contexts, options.appId);
}

function toSnapshot(data: Json, contexts: Json[], appId: number | null): PullSnapshot {
  const pull = data.repository.pullRequest;
  const state = pull.state === "OPEN" ? "open" : "closed";
  return {
    number: pull.number,
    nodeId: text(pull.id),
    title: text(pull.title),
    body: text(pull.body),
    state,
    merged: pull.merged === true,
    mergedBy: login(pull.mergedBy),
    mergeCommitSha: textOrNull(pull.mergeCommit?.oid),
    headSha: text(pull.headRefOid),
    headRef: text(pull.headRefName),
    headRepoFullName: textOrNull(pull.headRepository?.nameWithOwner),
    baseRef: text(pull.baseRefName),
    author: login(pull.author),
    additions: count(pull.additions),
    deletions: count(pull.deletions),
    htmlUrl: text(pull.url),
    labels: ((pull.labels?.nodes ?? []) as Json[]).map((l) => l?.name).filter((l): l is string => typeof l === "string"),
    createdAt: textOrNull(pull.createdAt),
    updatedAt: text(pull.updatedAt),
    checks: toChecks(contexts, appId),
    ownCheckRunId: ownCheckRun(contexts, appId),
    baseCheckNames: baseCheckNames(pull.baseRef?.target?.statusCheckRollup?.contexts?.nodes ?? [], appId),
    deleteBranchOnMerge: data.repository.deleteBranchOnMerge === true,
    reviews: pull.reviews ? ((pull.reviews.nodes ?? []) as Json[]).map(toReview) : null,
    mergeQueue: toMergeQueue(pull),
    otherOpenPullsOnHead: ((pull.headRef?.associatedPullRequests?.nodes ?? []) as Json[]).map((p) => p?.number).filter((n): n is number => typeof n === "number" && n !== pull.number),
  };
}

/** The merge queue as the PR sees it; a GitHub without merge queues answers none of it (all off). */
function toMergeQueue(pull: Json): MergeQueueFacts {
  const removal = ((pull.timelineItems?.nodes ?? []) as Json[]).at(-1);
  return {
    enabled: pull.isMergeQueueEnabled === true,
    queued: pull.isInMergeQueue === true,
    position: typeof pull.mergeQueueEntry?.position === "number" ? pull.mergeQueueEntry.position : null,
    lastRemoval: typeof removal?.createdAt === "string" ? { reason: textOrNull(removal.reason), at: removal.createdAt, actor: login(removal.actor) } : null,
  };
}

function toReview(r: Json): ReviewFacts {
  return { id: count(r.databaseId), author: login(r.author), state: text(r.state), commitSha: textOrNull(r.commit?.oid), authorCanPush: r.authorCanPushToRepository === true };
}

const isOwn = (run: Json, appId: number | null): boolean => run.name === CHECK_RUN_NAME && (appId === null || run.checkSuite?.app?.databaseId === appId);

/** Distinct check names on the base branch's head (its first 100 contexts), the app's own left out. */
function baseCheckNames(contexts: Json[], appId: number | null): string[] {
  const names = new Set<string>();
  for (const c of contexts) {
    if (c?.__typename === "CheckRun" && !isOwn(c, appId) && typeof c.name === "string") names.add(c.name);
    if (c?.__typename === "StatusContext" && typeof c.context === "string") names.add(c.context);
  }
  return [...names];
}

function ownCheckRun(contexts: Json[], appId: number | null): string | null {
  const own = contexts.find((c) => c?.__typename === "CheckRun" && isOwn(c, appId));
  return own && typeof own.databaseId === "number" ? String(own.databaseId) : null;
}

/** Check runs (oldest first, the app's own left out) then statuses, as the test gate wants them. */
function toChecks(contexts: Json[], appId: number | null): ObservedCheck[] {
  const runs = contexts
    .filter((c) => c?.__typename === "CheckRun")
    .filter((run) => !(run.name === CHECK_RUN_NAME || (appId !== null && run.checkSuite?.app?.databaseId === appId)))
    .sort((a, b) => text(a.startedAt).localeCompare(text(b.startedAt)) || count(a.databaseId) - count(b.databaseId));
  const statuses = contexts.filter((c) => c?.__typename === "StatusContext").sort((a, b) => text(a.createdAt).localeCompare(text(b.createdAt)));
  return [
    ...runs.map((run) => ({ name: text(run.name), completed: run.status === "COMPLETED", conclusion: typeof run.conclusion === "string" ? run.conclusion.toLowerCase() : null, url: textOrNull(run.url) ?? textOrNull(run.detailsUrl) })),
    ...statuses.map((s) => {
      const state = text(s.state).toLowerCase();
      return { name: text(s.context), completed: state !== "pending" && state !== "expected", conclusion: state, url: textOrNull(s.targetUrl) };
    }),
  ];
}
