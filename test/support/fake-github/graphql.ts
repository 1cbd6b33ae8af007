/**
 * POST /api/graphql: documents are parsed and executed (gql-parse.ts, gql-exec.ts) over the
 * objects in gql-objects.ts, so a query gets exactly the fields it selects. Roots: the query
 * `repository(owner:, name:)`; the mutations `revertPullRequest`, `mergePullRequest` and
 * `enqueuePullRequest`.
 * Anything else is refused as GitHub refuses an unknown field. Answers are HTTP 200 with
 * `errors` (and `data` where GraphQL keeps it), except authentication failures (401).
 */
import type { Args } from "./gql-exec.js";
import { DocumentError, FieldError, execute, object } from "./gql-exec.js";
import { canRead, findRepository, pullObject, queueEntryObject } from "./gql-objects.js";
import { enqueuePull } from "./merge-queue.js";
import { GraphqlSyntaxError, parseDocument } from "./gql-parse.js";
import type { Document } from "./gql-parse.js";
import type { Ctx, Reply } from "./http.js";
import { actorOf, json } from "./http.js";
import type { MergeMethod } from "./pulls.js";
import { GitHubError, revertPull } from "./pulls.js";
import { mergeThroughApi } from "./routes-pulls.js";
import type { Pull, Repo } from "./state.js";
import { atLeast, emit, roleOf } from "./state.js";

/** The input object of a mutation; a missing required field is a document error, as on GitHub. */
function inputOf(args: Args, type: string, required: string[]): Record<string, unknown> {
  const input = (typeof args.input === "object" && args.input !== null ? args.input : {}) as Record<string, unknown>;
  for (const name of required) {
    if (typeof input[name] !== "string") throw new DocumentError(`Argument '${name}' on InputObject '${type}' is required. Expected type ID!`);
  }
  return input;
}

const optionalText = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

function findByNodeId(ctx: Ctx, id: string): { repo: Repo; pull: Pull } {
  for (const repo of ctx.state.repos.values()) {
    if (!canRead(ctx.state, ctx.auth, repo)) continue;
    for (const pull of repo.pulls.values()) if (pull.nodeId === id) return { repo, pull };
  }
  throw new FieldError(`Could not resolve to a node with the global id of '${id}'`, "NOT_FOUND");
}

/** Runs a state change, turning the REST refusals into GraphQL's UNPROCESSABLE field errors. */
function unprocessable<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof GitHubError) throw new FieldError(error.message, "UNPROCESSABLE");
    throw error;
  }
}

function mayWrite(ctx: Ctx, repo: Repo, mutation: string): void {
  if (ctx.auth.kind === "user" && !atLeast(roleOf(ctx.state, repo, ctx.auth.login), "write")) {
    throw new FieldError(`${ctx.auth.login} does not have the correct permissions to execute \`${mutation}\``, "FORBIDDEN");
  }
}

function revertPullRequest(ctx: Ctx, args: Args) {
  const input = inputOf(args, "RevertPullRequestInput", ["pullRequestId"]);
  const found = findByNodeId(ctx, input.pullRequestId as string);
  mayWrite(ctx, found.repo, "RevertPullRequest");
  const by = actorOf(ctx);
  const revert = unprocessable(() => revertPull(ctx.state, found.repo, found.pull, by, { title: optionalText(input.title), body: optionalText(input.body) }));
  emit(ctx.state, { kind: "push", repo: found.repo.fullName, branch: revert.headRef });
  emit(ctx.state, { kind: "pull", repo: found.repo.fullName, number: revert.number, action: "opened", actor: by });
  return object("RevertPullRequestPayload", {
    clientMutationId: () => input.clientMutationId ?? null,
    revertPullRequest: () => pullObject(ctx.state, found.repo, revert),
    pullRequest: () => pullObject(ctx.state, found.repo, found.pull),
  });
}

const MERGE_METHODS: Record<string, MergeMethod> = { MERGE: "merge", SQUASH: "squash", REBASE: "rebase" };

/** Does what REST's merge does (state, webhooks, head branch deletion); refusals as field errors. */
function mergePullRequest(ctx: Ctx, args: Args) {
  const input = inputOf(args, "MergePullRequestInput", ["pullRequestId"]);
  const method = input.mergeMethod ?? "MERGE";
  if (typeof method !== "string" || !MERGE_METHODS[method]) {
    throw new DocumentError(`Argument 'mergeMethod' on InputObject 'MergePullRequestInput' has an invalid value (${String(method)}). Expected type 'PullRequestMergeMethod'.`);
  }
  const found = findByNodeId(ctx, input.pullRequestId as string);
  mayWrite(ctx, found.repo, "MergePullRequest");
  unprocessable(() =>
    mergeThroughApi(ctx, found.repo, found.pull, {
      sha: optionalText(input.expectedHeadOid),
      method: MERGE_METHODS[method],
      commitTitle: optionalText(input.commitHeadline),
      commitMessage: optionalText(input.commitBody),
      by: actorOf(ctx),
    }),
  );
  return object("MergePullRequestPayload", {
    clientMutationId: () => input.clientMutationId ?? null,
    pullRequest: () => pullObject(ctx.state, found.repo, found.pull),
  });
}

/** Adds the pull request to its base branch's merge queue; refusals as field errors. */
function enqueuePullRequest(ctx: Ctx, args: Args) {
  const input = inputOf(args, "EnqueuePullRequestInput", ["pullRequestId"]);
  const found = findByNodeId(ctx, input.pullRequestId as string);
  mayWrite(ctx, found.repo, "EnqueuePullRequest");
  unprocessable(() => enqueuePull(ctx.state, found.repo, found.pull, { expectedHeadOid: optionalText(input.expectedHeadOid), by: actorOf(ctx) }));
  return object("EnqueuePullRequestPayload", {
    clientMutationId: () => input.clientMutationId ?? null,
    mergeQueueEntry: () => queueEntryObject(ctx.state, found.repo, found.pull),
  });
}

/** The operation a request runs: `operationName`, else the document's only operation. */
export function operationNameOf(body: unknown): string | null {
  const { query, operationName } = (body ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof operationName === "string") return operationName;
  const match = typeof query === "string" ? /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([A-Za-z_]\w*)/.exec(query) : null;
  return match?.[1] ?? null;
}

export function handleGraphql(ctx: Ctx): Reply {
  if (ctx.auth.kind === "none") return json(401, { message: "This endpoint requires you to be authenticated." });
  if (ctx.auth.kind === "bad" || ctx.auth.kind === "jwt") return json(401, { message: "Bad credentials" });
  const body = (ctx.body ?? {}) as { query?: unknown; variables?: Record<string, unknown> | null; operationName?: unknown };
  let doc: Document;
  try {
    doc = parseDocument(typeof body.query === "string" ? body.query : "");
  } catch (error) {
    if (error instanceof GraphqlSyntaxError) return json(200, { errors: [{ message: error.message }] });
    throw error;
  }
  const root = {
    query: object("Query", { repository: (args) => findRepository(ctx.state, ctx.auth, args.owner, args.name) }),
    mutation: object("Mutation", {
      revertPullRequest: (args) => revertPullRequest(ctx, args),
      mergePullRequest: (args) => mergePullRequest(ctx, args),
      enqueuePullRequest: (args) => enqueuePullRequest(ctx, args),
    }),
  };
  const operationName = typeof body.operationName === "string" ? body.operationName : null;
  return json(200, execute(doc, operationName, root, body.variables ?? {}));
}
