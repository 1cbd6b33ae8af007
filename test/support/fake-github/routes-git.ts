/** Git database endpoints: refs (heads only), commits, trees and blobs. */
import { blobSha, isAncestor, writeBlob, writeCommit, writeTree } from "./git.js";
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

/**
 * Trees are flat snapshots here, so every listing is what `?recursive=1` gives on GitHub (minus
 * the `tree` entries of folders). Listed files get their blob sha, and become readable through
 * `GET git/blobs/:sha`, as on GitHub.
 */
function getTree(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, false);
  if (isReply(repo)) return repo;
  const sha = ctx.params.sha as string;
  const tree = ctx.state.trees.get(sha) ?? ctx.state.trees.get(ctx.state.commits.get(sha)?.tree ?? "");
  if (!tree) return notFound();
  const entries = [...tree].map(([path, content]) => ({ path, mode: "100644", type: "blob", sha: writeBlob(ctx.state, content), size: Buffer.byteLength(content) }));
  return json(200, { sha, tree: entries, truncated: false });
}

type TreeEntryInput = { path?: unknown; mode?: unknown; type?: unknown; sha?: unknown; content?: unknown };

/** `POST git/trees`: `base_tree` plus entries; `sha: null` deletes a path, `content` writes it inline. */
function createTree(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, true);
  if (isReply(repo)) return repo;
  const body = (ctx.body ?? {}) as { base_tree?: unknown; tree?: unknown };
  if (!Array.isArray(body.tree)) return json(422, { message: "Invalid request.\n\n\"tree\" wasn't supplied." });
  const base = typeof body.base_tree === "string" ? ctx.state.trees.get(body.base_tree) : new Map<string, string>();
  if (!base) return json(422, { message: "base_tree is not a valid tree sha" });
  const files = new Map(base);
  for (const entry of body.tree as TreeEntryInput[]) {
    if (typeof entry.path !== "string" || entry.path === "" || entry.path.startsWith("/")) return json(422, { message: "tree.path contains a malformed path component" });
    if (entry.mode !== "100644" && entry.mode !== "100755") return json(422, { message: `tree.mode ${String(entry.mode)} is not modelled by the fake` });
    if (entry.sha === null) files.delete(entry.path);
    else if (typeof entry.content === "string") files.set(entry.path, entry.content);
    else if (typeof entry.sha === "string" && ctx.state.blobs.has(entry.sha)) files.set(entry.path, ctx.state.blobs.get(entry.sha) as string);
    else return json(422, { message: "tree.sha is not a valid blob" });
  }
  const sha = writeTree(ctx.state, files);
  const entries = [...files].map(([path, content]) => ({ path, mode: "100644", type: "blob", sha: blobSha(content), size: Buffer.byteLength(content) }));
  return json(201, { sha, url: `${ctx.state.baseUrl}/api/v3/repos/${repo.fullName}/git/trees/${sha}`, tree: entries, truncated: false });
}

function getBlob(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, false);
  if (isReply(repo)) return repo;
  const sha = ctx.params.sha as string;
  const content = ctx.state.blobs.get(sha);
  if (content === undefined) return notFound();
  const encoded = Buffer.from(content, "utf8").toString("base64");
  return json(200, { sha, node_id: `B_${sha}`, size: Buffer.byteLength(content), url: `${ctx.state.baseUrl}/api/v3/repos/${repo.fullName}/git/blobs/${sha}`, content: encoded, encoding: "base64" });
}

/** `POST git/blobs` with `encoding` `utf-8` (default) or `base64`. Content is stored as UTF-8 text. */
function createBlob(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, true);
  if (isReply(repo)) return repo;
  const body = (ctx.body ?? {}) as { content?: unknown; encoding?: unknown };
  if (typeof body.content !== "string") return json(422, { message: "Invalid request.\n\n\"content\" wasn't supplied." });
  const encoding = body.encoding ?? "utf-8";
  if (encoding !== "utf-8" && encoding !== "base64") return json(422, { message: `encoding must be utf-8 or base64` });
  const content = encoding === "base64" ? Buffer.from(body.content, "base64").toString("utf8") : body.content;
  const sha = writeBlob(ctx.state, content);
  return json(201, { sha, url: `${ctx.state.baseUrl}/api/v3/repos/${repo.fullName}/git/blobs/${sha}` });
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
  { method: "GET", pattern: "/repos/:owner/:repo/git/trees/:sha", handler: getTree },
  { method: "POST", pattern: "/repos/:owner/:repo/git/trees", handler: createTree },
  { method: "GET", pattern: "/repos/:owner/:repo/git/blobs/:sha", handler: getBlob },
  { method: "POST", pattern: "/repos/:owner/:repo/git/blobs", handler: createBlob },
];
