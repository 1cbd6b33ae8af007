/**
 * POST /api/graphql: only the `revertPullRequest` mutation is understood (by pattern, not by a
 * GraphQL parser); every other document gets a GraphQL error, as an unsupported field would.
 */
import type { Ctx, Reply } from "./http.js";
import { actorOf, json } from "./http.js";
import { GitHubError, revertPull } from "./pulls.js";
import type { Pull, Repo } from "./state.js";
import { emit } from "./state.js";

const gqlError = (message: string, type?: string): Reply =>
  json(200, { data: null, errors: [{ ...(type ? { type } : {}), message, locations: [{ line: 1, column: 1 }] }] });

/** An argument of the mutation's input: from `input: $var`, `arg: $var` or an inline string. */
function argument(query: string, variables: Record<string, unknown>, name: string): string | undefined {
  const input = variables.input as Record<string, unknown> | undefined;
  if (typeof input?.[name] === "string") return input[name] as string;
  const match = new RegExp(`${name}\\s*:\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|\\$(\\w+))`).exec(query);
  if (!match) return undefined;
  if (match[1] !== undefined) return JSON.parse(`"${match[1]}"`) as string;
  const value = variables[match[2] as string];
  if (typeof value === "string") return value;
  const nested = (value as Record<string, unknown> | undefined)?.[name];
  return typeof nested === "string" ? nested : undefined;
}

function findByNodeId(ctx: Ctx, id: string): { repo: Repo; pull: Pull } | undefined {
  for (const repo of ctx.state.repos.values()) {
    for (const pull of repo.pulls.values()) if (pull.nodeId === id) return { repo, pull };
  }
  return undefined;
}

export function handleGraphql(ctx: Ctx): Reply {
  if (ctx.auth.kind === "none") return json(401, { message: "This endpoint requires you to be authenticated." });
  if (ctx.auth.kind === "bad" || ctx.auth.kind === "jwt") return json(401, { message: "Bad credentials" });
  const body = (ctx.body ?? {}) as { query?: unknown; variables?: Record<string, unknown> };
  const query = typeof body.query === "string" ? body.query : "";
  const variables = body.variables ?? {};
  if (!/\bmutation\b/.test(query) || !/\brevertPullRequest\s*\(/.test(query)) {
    return gqlError("fake-github: only the revertPullRequest mutation is supported");
  }
  const pullRequestId = argument(query, variables, "pullRequestId");
  if (!pullRequestId) return gqlError("Argument 'pullRequestId' on InputObject 'RevertPullRequestInput' is required.");
  const found = findByNodeId(ctx, pullRequestId);
  const auth = ctx.auth;
  if (!found || (auth.kind === "installation" && found.repo.installationId !== auth.installationId)) {
    return gqlError(`Could not resolve to a node with the global id of '${pullRequestId}'`, "NOT_FOUND");
  }
  try {
    const revert = revertPull(ctx.state, found.repo, found.pull, actorOf(ctx), {
      title: argument(query, variables, "title"),
      body: argument(query, variables, "body"),
    });
    emit(ctx.state, { kind: "push", repo: found.repo.fullName, branch: revert.headRef });
    emit(ctx.state, { kind: "pull", repo: found.repo.fullName, number: revert.number, action: "opened", actor: actorOf(ctx) });
    const url = `${ctx.state.baseUrl}/${found.repo.fullName}/pull/${revert.number}`;
    const node = { id: revert.nodeId, number: revert.number, url, title: revert.title, state: "OPEN", headRefName: revert.headRef };
    const original = { id: found.pull.nodeId, number: found.pull.number, url: `${ctx.state.baseUrl}/${found.repo.fullName}/pull/${found.pull.number}` };
    return json(200, { data: { revertPullRequest: { clientMutationId: null, revertPullRequest: node, pullRequest: original } } });
  } catch (error) {
    if (error instanceof GitHubError) return gqlError(error.message, "UNPROCESSABLE");
    throw error;
  }
}
