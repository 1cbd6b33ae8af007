/** Pull request endpoints: list, create, read (JSON or diff), update, files, commits, reviews, merge. */
import { unifiedDiff } from "./diff.js";
import type { Ctx, Reply, Route } from "./http.js";
import { actorOf, fromError, isReply, json, notFound, paginate, repoAccess } from "./http.js";
import type { MergeInput, MergeMethod } from "./pulls.js";
import { GitHubError, closePull, deletesHeadOnMerge, headShaOf, mergePull, openPull, pullChanges, pullCommits, pullFiles, reopenPull } from "./pulls.js";
import { commitJson, pullJson, reviewJson } from "./serialize.js";
import type { Pull, Repo } from "./state.js";
import { emit, getRepo, now } from "./state.js";

type Found = { repo: Repo; pull: Pull };

function findPull(ctx: Ctx, write: boolean): Found | Reply {
  const repo = repoAccess(ctx, write);
  if (isReply(repo)) return repo;
  const pull = repo.pulls.get(Number(ctx.params.number));
  return pull ? { repo, pull } : notFound();
}

function guard(fn: () => Reply): Reply {
  try {
    return fn();
  } catch (error) {
    if (error instanceof GitHubError) return fromError(error);
    throw error;
  }
}

function listPulls(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, false);
  if (isReply(repo)) return repo;
  const state = ctx.query.get("state") ?? "open";
  const head = ctx.query.get("head");
  const base = ctx.query.get("base");
  const sort = ctx.query.get("sort") ?? "created";
  const direction = ctx.query.get("direction") ?? (sort === "created" ? "desc" : "asc");
  let list = [...repo.pulls.values()].filter((p) => state === "all" || p.state === state);
  if (head) {
    const [owner, branch] = head.includes(":") ? head.split(":", 2) : [undefined, head];
    list = list.filter((p) => p.headRef === branch && (!owner || getRepo(ctx.state, p.headRepo).owner.toLowerCase() === owner.toLowerCase()));
  }
  if (base) list = list.filter((p) => p.baseRef === base);
  const key = (p: Pull) => (sort === "updated" ? p.updatedAt : p.createdAt);
  list.sort((a, b) => (key(a) === key(b) ? a.number - b.number : key(a) < key(b) ? -1 : 1));
  if (direction === "desc") list.reverse();
  const page = paginate(ctx, list);
  return json(200, page.items.map((p) => pullJson(ctx.state, repo, p)), page.headers);
}

function getPull(ctx: Ctx): Reply {
  const found = findPull(ctx, false);
  if (isReply(found)) return found;
  const accept = String(ctx.headers.accept ?? "");
  if (/vnd\.github(\.v3)?\.(diff|patch)/.test(accept)) {
    return { status: 200, text: unifiedDiff(pullChanges(ctx.state, found.repo, found.pull)) };
  }
  return json(200, pullJson(ctx.state, found.repo, found.pull));
}

function updatePull(ctx: Ctx): Reply {
  const found = findPull(ctx, true);
  if (isReply(found)) return found;
  const { repo, pull } = found;
  const body = (ctx.body ?? {}) as { title?: string; body?: string; state?: string; base?: string };
  return guard(() => {
    const edited = body.title !== undefined || body.body !== undefined || body.base !== undefined;
    if (body.title !== undefined) pull.title = body.title;
    if (body.body !== undefined) pull.body = body.body;
    if (body.base !== undefined) pull.baseRef = body.base;
    const change = { kind: "pull" as const, repo: repo.fullName, number: pull.number, actor: actorOf(ctx) };
    if (edited) emit(ctx.state, { ...change, action: "edited" });
    if (body.state === "closed" && pull.state === "open") {
      closePull(ctx.state, pull);
      emit(ctx.state, { ...change, action: "closed" });
    } else if (body.state === "open" && pull.state === "closed") {
      reopenPull(ctx.state, repo, pull);
      emit(ctx.state, { ...change, action: "reopened" });
    } else pull.updatedAt = now(ctx.state);
    return json(200, pullJson(ctx.state, repo, pull));
  });
}

function merge(ctx: Ctx): Reply {
  const found = findPull(ctx, true);
  if (isReply(found)) return found;
  const body = (ctx.body ?? {}) as { sha?: string; merge_method?: MergeMethod; commit_title?: string; commit_message?: string };
  if (body.merge_method && !["merge", "squash", "rebase"].includes(body.merge_method)) {
    return json(422, { message: "Invalid request.\n\nmerge_method is not a valid value." });
  }
  return guard(() => {
    const sha = mergeThroughApi(ctx, found.repo, found.pull, {
      sha: body.sha,
      method: body.merge_method,
      commitTitle: body.commit_title,
      commitMessage: body.commit_message,
      by: actorOf(ctx),
    });
    return json(200, { sha, merged: true, message: "Pull Request successfully merged" });
  });
}

/** A merge through the API (REST or GraphQL): the merge, then its webhooks in GitHub's order. */
export function mergeThroughApi(ctx: Ctx, repo: Repo, pull: Pull, input: MergeInput): string {
  const deletesHead = deletesHeadOnMerge(ctx.state, repo, pull);
  const sha = mergePull(ctx.state, repo, pull, input);
  emit(ctx.state, { kind: "pull", repo: repo.fullName, number: pull.number, action: "closed", actor: input.by });
  emit(ctx.state, { kind: "push", repo: repo.fullName, branch: pull.baseRef });
  if (deletesHead) emit(ctx.state, { kind: "push", repo: repo.fullName, branch: pull.headRef });
  return sha;
}

export const pullRoutes: Route[] = [
  { method: "GET", pattern: "/repos/:owner/:repo/pulls", handler: listPulls },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/pulls",
    handler: (ctx) => {
      const repo = repoAccess(ctx, true);
      if (isReply(repo)) return repo;
      const body = (ctx.body ?? {}) as { title?: string; head?: string; base?: string; body?: string };
      if (!body.title || !body.head || !body.base) {
        return json(422, { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "missing_field" }] });
      }
      const input = { title: body.title, head: body.head, base: body.base, body: body.body ?? null, user: actorOf(ctx) };
      return guard(() => {
        const pull = openPull(ctx.state, repo, input);
        emit(ctx.state, { kind: "pull", repo: repo.fullName, number: pull.number, action: "opened", actor: input.user });
        return json(201, pullJson(ctx.state, repo, pull));
      });
    },
  },
  { method: "GET", pattern: "/repos/:owner/:repo/pulls/:number", handler: getPull },
  { method: "PATCH", pattern: "/repos/:owner/:repo/pulls/:number", handler: updatePull },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/pulls/:number/files",
    handler: (ctx) => {
      const found = findPull(ctx, false);
      if (isReply(found)) return found;
      const { repo, pull } = found;
      const sha = headShaOf(ctx.state, pull);
      const files = pullFiles(ctx.state, repo, pull).map((f) => ({
        sha,
        ...f,
        blob_url: `${ctx.state.baseUrl}/${repo.fullName}/blob/${sha}/${f.filename}`,
        raw_url: `${ctx.state.baseUrl}/${repo.fullName}/raw/${sha}/${f.filename}`,
        contents_url: `${ctx.state.baseUrl}/api/v3/repos/${repo.fullName}/contents/${f.filename}?ref=${sha}`,
      }));
      const page = paginate(ctx, files);
      return json(200, page.items, page.headers);
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/pulls/:number/commits",
    handler: (ctx) => {
      const found = findPull(ctx, false);
      if (isReply(found)) return found;
      const page = paginate(ctx, pullCommits(ctx.state, found.repo, found.pull).map((c) => commitJson(ctx.state, found.repo, c)));
      return json(200, page.items, page.headers);
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/pulls/:number/reviews",
    handler: (ctx) => {
      const found = findPull(ctx, false);
      if (isReply(found)) return found;
      const { repo, pull } = found;
      const page = paginate(ctx, pull.reviews.map((r) => reviewJson(ctx.state, repo, pull.number, r)));
      return json(200, page.items, page.headers);
    },
  },
  { method: "PUT", pattern: "/repos/:owner/:repo/pulls/:number/merge", handler: merge },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/pulls/:number/merge",
    handler: (ctx) => {
      const found = findPull(ctx, false);
      if (isReply(found)) return found;
      return found.pull.merged ? { status: 204 } : notFound();
    },
  },
];
