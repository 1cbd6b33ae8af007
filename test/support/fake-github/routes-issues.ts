/** Issue-side endpoints of pull requests: the issue itself, its labels and comments; repo labels. */
import type { Ctx, Reply, Route } from "./http.js";
import { actorOf, isReply, json, notFound, paginate, repoAccess } from "./http.js";
import { issueJson } from "./issue-json.js";
import { addComment, addLabels, ensureLabel, removeLabel } from "./labels.js";
import { commentJson, labelJson, labelsJson, userJson } from "./serialize.js";
import type { Pull, Repo } from "./state.js";
import { emit, now } from "./state.js";

type Found = { repo: Repo; pull: Pull };

function findIssue(ctx: Ctx, write: boolean): Found | Reply {
  const repo = repoAccess(ctx, write);
  if (isReply(repo)) return repo;
  const pull = repo.pulls.get(Number(ctx.params.number));
  return pull ? { repo, pull } : notFound();
}

function labelNames(body: unknown): string[] | undefined {
  const raw = Array.isArray(body) ? body : (body as { labels?: unknown } | undefined)?.labels;
  if (!Array.isArray(raw)) return undefined;
  return raw.map((l: unknown) => (typeof l === "string" ? l : String((l as { name?: unknown }).name)));
}

function setOrAddLabels(replace: boolean) {
  return (ctx: Ctx): Reply => {
    const found = findIssue(ctx, true);
    if (isReply(found)) return found;
    const names = labelNames(ctx.body);
    if (!names) return json(422, { message: "Invalid request.\n\nNo subschema in \"anyOf\" matched." });
    const before = [...found.pull.labels];
    const actor = actorOf(ctx);
    if (replace) for (const name of before) if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) removeLabel(ctx.state, found.pull, name, actor);
    addLabels(ctx.state, found.repo, found.pull, names, actor);
    const change = { kind: "label" as const, repo: found.repo.fullName, number: found.pull.number, actor };
    const has = (list: string[], name: string) => list.some((l) => l.toLowerCase() === name.toLowerCase());
    for (const name of before) if (!has(found.pull.labels, name)) emit(ctx.state, { ...change, action: "unlabeled", name });
    for (const name of found.pull.labels) if (!has(before, name)) emit(ctx.state, { ...change, action: "labeled", name });
    return json(200, labelsJson(ctx.state, found.repo, found.pull.labels));
  };
}

function findComment(repo: Repo, id: number): { pull: Pull; index: number } | undefined {
  for (const pull of repo.pulls.values()) {
    const index = pull.comments.findIndex((c) => c.id === id);
    if (index >= 0) return { pull, index };
  }
  return undefined;
}

export const issueRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/issues/:number",
    handler: (ctx) => {
      const found = findIssue(ctx, false);
      return isReply(found) ? found : json(200, issueJson(ctx.state, found.repo, found.pull));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/issues/:number/labels",
    handler: (ctx) => {
      const found = findIssue(ctx, false);
      return isReply(found) ? found : json(200, labelsJson(ctx.state, found.repo, found.pull.labels));
    },
  },
  { method: "POST", pattern: "/repos/:owner/:repo/issues/:number/labels", handler: setOrAddLabels(false) },
  { method: "PUT", pattern: "/repos/:owner/:repo/issues/:number/labels", handler: setOrAddLabels(true) },
  {
    method: "DELETE",
    pattern: "/repos/:owner/:repo/issues/:number/labels/*name",
    handler: (ctx) => {
      const found = findIssue(ctx, true);
      if (isReply(found)) return found;
      const name = ctx.params.name as string;
      if (!removeLabel(ctx.state, found.pull, name, actorOf(ctx))) return json(404, { message: "Label does not exist" });
      emit(ctx.state, { kind: "label", repo: found.repo.fullName, number: found.pull.number, action: "unlabeled", name, actor: actorOf(ctx) });
      return json(200, labelsJson(ctx.state, found.repo, found.pull.labels));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/issues/:number/events",
    handler: (ctx) => {
      const found = findIssue(ctx, false);
      if (isReply(found)) return found;
      const { repo, pull } = found;
      const events = pull.labelEvents.map((e) => ({
        id: e.id,
        node_id: `LE_${e.id}`,
        url: `${ctx.state.baseUrl}/api/v3/repos/${repo.fullName}/issues/events/${e.id}`,
        actor: userJson(ctx.state, e.actor),
        event: e.event,
        commit_id: null,
        commit_url: null,
        created_at: e.createdAt,
        label: { name: e.label, color: repo.labels.get(e.label.toLowerCase())?.color ?? "ededed" },
        performed_via_github_app: null,
      }));
      const page = paginate(ctx, events);
      return json(200, page.items, page.headers);
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/issues/:number/comments",
    handler: (ctx) => {
      const found = findIssue(ctx, false);
      if (isReply(found)) return found;
      const { repo, pull } = found;
      // `since`: only comments updated at or after it, as GitHub filters them.
      const since = ctx.query.get("since");
      const listed = since ? pull.comments.filter((c) => Date.parse(c.updatedAt) >= Date.parse(since)) : pull.comments;
      const page = paginate(ctx, listed.map((c) => commentJson(ctx.state, repo, pull.number, c)));
      return json(200, page.items, page.headers);
    },
  },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/issues/:number/comments",
    handler: (ctx) => {
      const found = findIssue(ctx, true);
      if (isReply(found)) return found;
      const body = (ctx.body as { body?: unknown } | undefined)?.body;
      if (typeof body !== "string" || body === "") return json(422, { message: "Validation Failed", errors: [{ resource: "IssueComment", code: "missing_field", field: "body" }] });
      const comment = addComment(ctx.state, found.pull, actorOf(ctx), body);
      emit(ctx.state, { kind: "comment", repo: found.repo.fullName, number: found.pull.number, commentId: comment.id });
      return json(201, commentJson(ctx.state, found.repo, found.pull.number, comment));
    },
  },
  {
    method: "PATCH",
    pattern: "/repos/:owner/:repo/issues/comments/:id",
    handler: (ctx) => {
      const repo = repoAccess(ctx, true);
      if (isReply(repo)) return repo;
      const hit = findComment(repo, Number(ctx.params.id));
      const body = (ctx.body as { body?: unknown } | undefined)?.body;
      if (!hit) return notFound();
      const comment = hit.pull.comments[hit.index]!;
      if (typeof body === "string") comment.body = body;
      comment.updatedAt = now(ctx.state);
      return json(200, commentJson(ctx.state, repo, hit.pull.number, comment));
    },
  },
  {
    method: "DELETE",
    pattern: "/repos/:owner/:repo/issues/comments/:id",
    handler: (ctx) => {
      const repo = repoAccess(ctx, true);
      if (isReply(repo)) return repo;
      const hit = findComment(repo, Number(ctx.params.id));
      if (!hit) return notFound();
      hit.pull.comments.splice(hit.index, 1);
      return { status: 204 };
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/labels",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      if (isReply(repo)) return repo;
      const page = paginate(ctx, [...repo.labels.values()].map((l) => labelJson(ctx.state, repo, l)));
      return json(200, page.items, page.headers);
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/labels/*name",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      if (isReply(repo)) return repo;
      const label = repo.labels.get((ctx.params.name as string).toLowerCase());
      return label ? json(200, labelJson(ctx.state, repo, label)) : notFound();
    },
  },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/labels",
    handler: (ctx) => {
      const repo = repoAccess(ctx, true);
      if (isReply(repo)) return repo;
      const body = (ctx.body ?? {}) as { name?: string; color?: string; description?: string };
      if (!body.name) return json(422, { message: "Validation Failed", errors: [{ resource: "Label", code: "missing_field", field: "name" }] });
      if (repo.labels.has(body.name.toLowerCase())) {
        return json(422, { message: "Validation Failed", errors: [{ resource: "Label", code: "already_exists", field: "name" }] });
      }
      const label = ensureLabel(ctx.state, repo, body.name, (body.color ?? "ededed").replace(/^#/, ""), body.description ?? null);
      return json(201, labelJson(ctx.state, repo, label));
    },
  },
];
