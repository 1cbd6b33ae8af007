/** Git database endpoints: refs (heads only), commits and trees. */
import { isAncestor, writeCommit } from "./git.js";
import type { Ctx, Reply, Route } from "./http.js";
import { actorOf, isReply, json, notFound, repoAccess } from "./http.js";
import { deleteBranch, setBranch } from "./repos.js";
import { gitCommitJson } from "./serialize.js";
import type { Repo } from "./state.js";
import { emit } from "./state.js";

const refJson = (ctx: Ctx, repo: Repo, branch: string, sha: string) => ({
  ref: `refs/heads/${branch}`,
  node_id: `REF_${Buffer.from(`${repo.id}:${branch}`).toString("base64url")}`,
  url: `${ctx.state.baseUrl}/api/v3/repos/${repo.fullName}/git/refs/heads/${branch}`,
  object: { sha, type: "commit", url: `${ctx.state.baseUrl}/api/v3/repos/${repo.fullName}/git/commits/${sha}` },
});

/** `heads/x`, `refs/heads/x` -> `x`; other namespaces (tags) are not modelled. */
function branchOf(ref: string | undefined): string | undefined {
  const match = /^(?:refs\/)?heads\/(.+)$/.exec(ref ?? "");
  return match?.[1];
}

function getRef(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, false);
  if (isReply(repo)) return repo;
  const branch = branchOf(ctx.params.ref);
  const sha = branch && repo.branches.get(branch);
  return sha ? json(200, refJson(ctx, repo, branch, sha)) : notFound();
}

function updateRef(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, true);
  if (isReply(repo)) return repo;
  const branch = branchOf(ctx.params.ref);
  const current = branch && repo.branches.get(branch);
  if (!branch || !current) return json(422, { message: "Reference does not exist" });
  const body = (ctx.body ?? {}) as { sha?: string; force?: boolean };
  if (!body.sha || !ctx.state.commits.has(body.sha)) return json(422, { message: "Object does not exist" });
  if (!body.force && !isAncestor(ctx.state, current, body.sha)) return json(422, { message: "Update is not a fast forward" });
  setBranch(ctx.state, repo, branch, body.sha, actorOf(ctx));
  emit(ctx.state, { kind: "push", repo: repo.fullName, branch });
  return json(200, refJson(ctx, repo, branch, body.sha));
}

function removeRef(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, true);
  if (isReply(repo)) return repo;
  const branch = branchOf(ctx.params.ref);
  if (!branch || !deleteBranch(ctx.state, repo, branch, actorOf(ctx))) return json(422, { message: "Reference does not exist" });
  emit(ctx.state, { kind: "push", repo: repo.fullName, branch });
  return { status: 204 };
}

export const gitRoutes: Route[] = [
  { method: "GET", pattern: "/repos/:owner/:repo/git/ref/*ref", handler: getRef },
  { method: "GET", pattern: "/repos/:owner/:repo/git/refs/*ref", handler: getRef },
  { method: "PATCH", pattern: "/repos/:owner/:repo/git/refs/*ref", handler: updateRef },
  { method: "DELETE", pattern: "/repos/:owner/:repo/git/refs/*ref", handler: removeRef },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/git/refs",
    handler: (ctx) => {
      const repo = repoAccess(ctx, true);
      if (isReply(repo)) return repo;
      const body = (ctx.body ?? {}) as { ref?: string; sha?: string };
      const branch = /^refs\/heads\/(.+)$/.exec(body.ref ?? "")?.[1];
      if (!branch) return json(422, { message: "Reference name must start with 'refs/' and have at least two slashes." });
      if (repo.branches.has(branch)) return json(422, { message: "Reference already exists" });
      if (!body.sha || !ctx.state.commits.has(body.sha)) return json(422, { message: "Object does not exist" });
      setBranch(ctx.state, repo, branch, body.sha, actorOf(ctx));
      emit(ctx.state, { kind: "push", repo: repo.fullName, branch });
      return json(201, refJson(ctx, repo, branch, body.sha));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/git/commits/:sha",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      if (isReply(repo)) return repo;
      const commit = ctx.state.commits.get(ctx.params.sha as string);
      return commit ? json(200, gitCommitJson(ctx.state, repo, commit)) : notFound();
    },
  },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/git/commits",
    handler: (ctx) => {
      const repo = repoAccess(ctx, true);
      if (isReply(repo)) return repo;
      const body = (ctx.body ?? {}) as { message?: string; tree?: string; parents?: string[] };
      if (typeof body.message !== "string") return json(422, { message: "Invalid request.\n\n\"message\" wasn't supplied." });
      if (!body.tree || !ctx.state.trees.has(body.tree)) return json(422, { message: "Tree SHA does not exist" });
      const parents = body.parents ?? [];
      if (parents.some((p) => !ctx.state.commits.has(p))) return json(422, { message: "Parent SHA does not exist or is not a commit object" });
      const actor = actorOf(ctx);
      const commit = writeCommit(ctx.state, { tree: body.tree, parents, message: body.message, author: actor, committer: actor });
      return json(201, gitCommitJson(ctx.state, repo, commit));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/git/trees/:sha",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      if (isReply(repo)) return repo;
      const sha = ctx.params.sha as string;
      const tree = ctx.state.trees.get(sha) ?? ctx.state.trees.get(ctx.state.commits.get(sha)?.tree ?? "");
      if (!tree) return notFound();
      const entries = [...tree].map(([path, content]) => ({ path, mode: "100644", type: "blob", size: Buffer.byteLength(content) }));
      return json(200, { sha, tree: entries, truncated: false });
    },
  },
];
