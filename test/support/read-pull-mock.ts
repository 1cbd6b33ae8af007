/**
 * The app's one read of a pull request (GraphQL `UpgradeQueuePull`, src/github/read-pull.ts) as
 * an exact nock mock: the request must name the PR and ask for reviews exactly when `reviews`
 * says so; the answer is built from a short spec the way GitHub shapes it.
 */
import { API, nock } from "./nock.js";
import { FULL } from "./payloads.js";

export interface RunSpec {
  name: string;
  status?: "queued" | "in_progress" | "completed";
  conclusion?: string | null;
}

export interface ReviewSpec {
  id: number;
  author: string;
  state?: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  commit: string;
  canPush: boolean;
}

export interface PullSpec {
  head: string;
  branch?: string;
  state?: "open" | "closed";
  merged?: boolean;
  mergedBy?: string | null;
  mergeCommit?: string | null;
  labels?: string[];
  /** Check runs on the head (CI's; `ownCheckRun` adds the app's own). */
  checks?: RunSpec[];
  statuses?: Array<{ context: string; state: string }>;
  reviews?: ReviewSpec[];
  author?: string;
  title?: string;
  body?: string;
  deleteBranchOnMerge?: boolean;
  /** The app's own `Upgrade Queue` check run on the head, by id. */
  ownCheckRun?: number;
  additions?: number;
  deletions?: number;
  /** Other open PRs whose head is this PR's branch (default: none). */
  otherOpenPullsOnHead?: number[];
  /** Check names on the base branch's head (default: none). */
  baseChecks?: string[];
  /** GitHub's merge queue as the PR sees it (default: the base requires none). */
  mergeQueue?: { enabled?: boolean; position?: number | null; removal?: { reason: string; at?: string; actor?: string } };
  /** GitHub's `updatedAt` (default 2026-11-20T10:00:00Z, after the PR was opened: a push bumps it). */
  updatedAt?: string;
}

/** The GraphQL answer GitHub gives for `spec`. */
export function pullAnswer(number: number, spec: PullSpec, withReviews: boolean) {
  const runs = (spec.checks ?? []).map((run, i) => ({
    __typename: "CheckRun",
    databaseId: 600 + i,
    name: run.name,
    status: (run.status ?? "completed").toUpperCase(),
    conclusion: run.status && run.status !== "completed" ? null : (run.conclusion ?? "success").toUpperCase(),
    url: `https://ci.example.com/${600 + i}`,
    detailsUrl: `https://ci.example.com/${600 + i}`,
    startedAt: `2026-11-20T09:0${i}:00Z`,
    checkSuite: { app: { databaseId: 99 } },
  }));
  if (spec.ownCheckRun !== undefined) {
    runs.push({ __typename: "CheckRun", databaseId: spec.ownCheckRun, name: "Upgrade Queue", status: "IN_PROGRESS", conclusion: null, url: "", detailsUrl: "", startedAt: "2026-11-20T08:59:00Z", checkSuite: { app: { databaseId: 1 } } } as (typeof runs)[number]);
  }
  const statuses = (spec.statuses ?? []).map((s, i) => ({ __typename: "StatusContext", context: s.context, state: s.state.toUpperCase(), targetUrl: null, createdAt: `2026-11-20T09:1${i}:00Z` }));
  const contexts = [...runs, ...statuses];
  const merged = spec.merged ?? false;
  return {
    data: {
      repository: {
        deleteBranchOnMerge: spec.deleteBranchOnMerge ?? false,
        pullRequest: {
          id: `PR_${number}`,
          number,
          title: spec.title ?? "Teach the agent to cache embeddings",
          body: spec.body ?? "",
          state: merged ? "MERGED" : (spec.state ?? "open").toUpperCase(),
          merged,
          url: `https://github.com/${FULL}/pull/${number}`,
          createdAt: "2026-11-20T09:00:00Z",
          updatedAt: spec.updatedAt ?? "2026-11-20T10:00:00Z",
          additions: spec.additions ?? 1,
          deletions: spec.deletions ?? 0,
          // GraphQL names a bot without REST's `[bot]`: the app's own merge comes back as GitHub shapes it.
          mergedBy: merged && spec.mergedBy ? (spec.mergedBy.endsWith("[bot]") ? { __typename: "Bot", login: spec.mergedBy.slice(0, -5) } : { __typename: "User", login: spec.mergedBy }) : null,
          mergeCommit: merged && spec.mergeCommit ? { oid: spec.mergeCommit } : null,
          author: { __typename: "User", login: spec.author ?? "agent" },
          headRefName: spec.branch ?? "self-modify/x",
          headRefOid: spec.head,
          headRepository: { nameWithOwner: FULL },
          headRef: { associatedPullRequests: { nodes: [...(merged || spec.state === "closed" ? [] : [number]), ...(spec.otherOpenPullsOnHead ?? [])].map((n) => ({ number: n })) } },
          baseRefName: "main",
          baseRef: {
            target: {
              statusCheckRollup: spec.baseChecks?.length
                ? { contexts: { nodes: spec.baseChecks.map((name) => ({ __typename: "CheckRun", name, checkSuite: { app: { databaseId: 99 } } })) } }
                : null,
            },
          },
          labels: { nodes: (spec.labels ?? []).map((name) => ({ name })) },
          isMergeQueueEnabled: spec.mergeQueue?.enabled ?? false,
          isInMergeQueue: typeof spec.mergeQueue?.position === "number",
          mergeQueueEntry: typeof spec.mergeQueue?.position === "number" ? { state: "AWAITING_CHECKS", position: spec.mergeQueue.position } : null,
          timelineItems: {
            nodes: spec.mergeQueue?.removal
              ? [{ reason: spec.mergeQueue.removal.reason, createdAt: spec.mergeQueue.removal.at ?? "2026-11-20T10:05:00Z", actor: { __typename: "Bot", login: (spec.mergeQueue.removal.actor ?? "github-merge-queue[bot]").replace(/\[bot\]$/, "") } }]
              : [],
          },
          ...(withReviews
            ? {
                reviews: {
                  nodes: (spec.reviews ?? []).map((r) => ({
                    databaseId: r.id,
                    state: r.state ?? "APPROVED",
                    authorCanPushToRepository: r.canPush,
                    author: { __typename: "User", login: r.author },
                    commit: { oid: r.commit },
                  })),
                },
              }
            : {}),
          commits: {
            nodes: [{ commit: { oid: spec.head, statusCheckRollup: contexts.length === 0 ? null : { contexts: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: contexts } } } }],
          },
        },
      },
    },
  };
}

/** One `UpgradeQueuePull` read of PR `number`, answered from `spec`. */
export function readPull(number: number, spec: PullSpec, options: { reviews?: boolean; optional?: boolean } = {}): void {
  const reviews = options.reviews ?? false;
  nock(API)
    .post("/graphql", (body) => typeof body.query === "string" && body.query.includes("query UpgradeQueuePull") && body.variables?.number === number && body.variables?.reviews === reviews)
    .optionally(options.optional ?? false)
    .reply(200, pullAnswer(number, spec, reviews));
}
