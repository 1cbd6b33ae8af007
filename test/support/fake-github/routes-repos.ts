/** Repository, contents, branches, commits, compare and collaborator permission endpoints. */
import { createHash } from "node:crypto";
import { fileDiff } from "./diff.js";
import { ancestors, commitsBetween, diffTrees, mergeBase, resolveRef, treeOfCommit } from "./git.js";
import type { Ctx, Reply, Route } from "./http.js";
import { isReply, json, notFound, paginate, repoAccess } from "./http.js";
import { commitJson, repoJson, userJson } from "./serialize.js";
import type { Repo } from "./state.js";
import { atLeast, findUser, roleOf } from "./state.js";

const API = (ctx: Ctx, repo: Repo) => `${ctx.state.baseUrl}/api/v3/repos/${repo.fullName}`;

function blobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

function wantsRaw(ctx: Ctx): boolean {
  return /application\/vnd\.github(\.v3)?\.raw/.test(String(ctx.headers.accept ?? ""));
}

function contentEntry(ctx: Ctx, repo: Repo, path: string, ref: string, content: string | undefined) {
  const url = `${API(ctx, repo)}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const html = `${ctx.state.baseUrl}/${repo.fullName}/${content === undefined ? "tree" : "blob"}/${ref}/${path}`;
  const base = {
    name: path.split("/").pop() as string,
    path,
    sha: content === undefined ? createHash("sha1").update(path).digest("hex") : blobSha(content),
    size: content === undefined ? 0 : Buffer.byteLength(content),
    url,
    html_url: html,
    git_url: `${API(ctx, repo)}/git/blobs/${content === undefined ? "" : blobSha(content)}`,
    download_url: content === undefined ? null : `${ctx.state.baseUrl}/raw/${repo.fullName}/${ref}/${path}`,
    type: content === undefined ? "dir" : "file",
    _links: { self: url, git: "", html },
  };
  return base;
}

function getContents(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, false);
  if (isReply(repo)) return repo;
  const ref = ctx.query.get("ref") ?? repo.defaultBranch;
  const sha = resolveRef(ctx.state, repo, ref);
  if (!sha) return json(404, { message: `No commit found for the ref ${ref}` });
  const tree = treeOfCommit(ctx.state, sha);
  const path = (ctx.params.path ?? "").replace(/^\/+|\/+$/g, "");
  const content = tree.get(path);
  if (content !== undefined) {
    if (wantsRaw(ctx)) return { status: 200, text: content, headers: { "content-type": "application/vnd.github.raw; charset=utf-8" } };
    const encoded = Buffer.from(content, "utf8").toString("base64").replace(/(.{60})/g, "$1\n");
    return json(200, { ...contentEntry(ctx, repo, path, ref, content), content: encoded, encoding: "base64" });
  }
  const prefix = path === "" ? "" : `${path}/`;
  const children = new Map<string, string | undefined>();
  for (const [file, text] of tree) {
    if (!file.startsWith(prefix)) continue;
    const rest = file.slice(prefix.length);
    const [first, ...more] = rest.split("/");
    children.set(`${prefix}${first}`, more.length > 0 ? undefined : text);
  }
  if (children.size === 0) return notFound();
  return json(200, [...children].map(([p, text]) => contentEntry(ctx, repo, p, ref, text)));
}

function branchReply(ctx: Ctx, repo: Repo, name: string): Reply {
  const sha = repo.branches.get(name);
  if (!sha) return json(404, { message: "Branch not found" });
  const commit = ctx.state.commits.get(sha);
  if (!commit) return notFound();
  return json(200, {
    name,
    commit: commitJson(ctx.state, repo, commit),
    _links: { self: `${API(ctx, repo)}/branches/${name}`, html: `${ctx.state.baseUrl}/${repo.fullName}/tree/${name}` },
    protected: false,
    protection: { enabled: false, required_status_checks: { enforcement_level: "off", contexts: [], checks: [] } },
    protection_url: `${API(ctx, repo)}/branches/${name}/protection`,
  });
}

function permissionReply(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, false);
  if (isReply(repo)) return repo;
  const user = findUser(ctx.state, ctx.params.user as string);
  if (!user) return json(404, { message: `${ctx.params.user} is not a user`, documentation_url: "https://docs.github.com/rest" });
  const role = roleOf(ctx.state, repo, user.login);
  // GitHub's legacy `permission` folds maintain into write and triage into read; `role_name` is exact.
  const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
  const rank = ["none", "read", "triage", "write", "maintain", "admin"].indexOf(role);
  const permissions = { admin: rank >= 5, maintain: rank >= 4, push: rank >= 3, triage: rank >= 2, pull: rank >= 1 };
  return json(200, {
    permission,
    role_name: role === "none" ? "" : role,
    user: { ...userJson(ctx.state, user.login), permissions, role_name: role === "none" ? "" : role },
  });
}

function compareReply(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, false);
  if (isReply(repo)) return repo;
  const [baseRef, headRef] = (ctx.params.basehead ?? "").split("...");
  const base = baseRef ? resolveRef(ctx.state, repo, baseRef) : undefined;
  const head = headRef ? resolveRef(ctx.state, repo, headRef) : undefined;
  if (!base || !head) return notFound();
  const mb = mergeBase(ctx.state, base, head) ?? base;
  const ahead = commitsBetween(ctx.state, base, head);
  const behind = commitsBetween(ctx.state, head, base);
  const files = diffTrees(treeOfCommit(ctx.state, mb), treeOfCommit(ctx.state, head)).map(fileDiff);
  const status = ahead.length && behind.length ? "diverged" : ahead.length ? "ahead" : behind.length ? "behind" : "identical";
  const mbCommit = ctx.state.commits.get(mb);
  return json(200, {
    status,
    ahead_by: ahead.length,
    behind_by: behind.length,
    total_commits: ahead.length,
    merge_base_commit: mbCommit ? commitJson(ctx.state, repo, mbCommit) : null,
    commits: ahead.map((c) => commitJson(ctx.state, repo, c)),
    files,
  });
}

/**
 * PATCH /repos/{owner}/{repo}: only `delete_branch_on_merge` is modelled. GitHub wants admin:
 * user tokens need the admin role; installation tokens are allowed (the app would hold the
 * administration permission).
 */
function updateRepo(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, true);
  if (isReply(repo)) return repo;
  if (ctx.auth.kind === "user" && !atLeast(roleOf(ctx.state, repo, ctx.auth.login), "admin")) {
    return json(403, { message: "Must have admin rights to Repository.", documentation_url: "https://docs.github.com/rest" });
  }
  const body = (ctx.body ?? {}) as { delete_branch_on_merge?: unknown };
  if (body.delete_branch_on_merge !== undefined) {
    if (typeof body.delete_branch_on_merge !== "boolean") {
      return json(422, { message: "Invalid request.\n\nFor 'properties/delete_branch_on_merge', \"" + String(body.delete_branch_on_merge) + "\" is not a boolean." });
    }
    repo.deleteBranchOnMerge = body.delete_branch_on_merge;
  }
  return json(200, repoJson(ctx.state, repo, ctx.auth.kind === "user" ? ctx.auth.login : undefined));
}

export const repoRoutes: Route[] = [
  { method: "PATCH", pattern: "/repos/:owner/:repo", handler: updateRepo },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      if (isReply(repo)) return repo;
      return json(200, repoJson(ctx.state, repo, ctx.auth.kind === "user" ? ctx.auth.login : undefined));
    },
  },
  { method: "GET", pattern: "/repos/:owner/:repo/contents", handler: getContents },
  { method: "GET", pattern: "/repos/:owner/:repo/contents/*path", handler: getContents },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/branches",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      if (isReply(repo)) return repo;
      const list = [...repo.branches].map(([name, sha]) => ({ name, commit: { sha, url: `${API(ctx, repo)}/commits/${sha}` }, protected: false }));
      const page = paginate(ctx, list);
      return json(200, page.items, page.headers);
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/branches/*branch",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      return isReply(repo) ? repo : branchReply(ctx, repo, ctx.params.branch as string);
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/commits",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      if (isReply(repo)) return repo;
      const start = resolveRef(ctx.state, repo, ctx.query.get("sha") ?? repo.defaultBranch);
      if (!start) return notFound();
      const list = ancestors(ctx.state, start).map((sha) => commitJson(ctx.state, repo, ctx.state.commits.get(sha)!));
      const page = paginate(ctx, list);
      return json(200, page.items, page.headers);
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/commits/:ref",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      if (isReply(repo)) return repo;
      const sha = resolveRef(ctx.state, repo, ctx.params.ref as string);
      if (!sha) return json(422, { message: `No commit found for SHA: ${ctx.params.ref}` });
      return json(200, commitJson(ctx.state, repo, ctx.state.commits.get(sha)!, true));
    },
  },
  { method: "GET", pattern: "/repos/:owner/:repo/compare/*basehead", handler: compareReply },
  { method: "GET", pattern: "/repos/:owner/:repo/collaborators/:user/permission", handler: permissionReply },
];
