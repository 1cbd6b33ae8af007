/** Check-run and commit-status endpoints. */
import { addStatus, combinedState, createCheckRun, latestRuns, latestStatuses, updateCheckRun } from "./checks.js";
import { resolveRef } from "./git.js";
import type { Ctx, Reply, Route } from "./http.js";
import { actorOf, isReply, json, notFound, paginate, repoAccess } from "./http.js";
import { checkRunJson, statusJson } from "./serialize-app.js";
import { repoJson } from "./serialize.js";
import type { CheckRun, CommitStatus, Repo } from "./state.js";
import { emit } from "./state.js";

type CheckRunBody = {
  name?: string;
  head_sha?: string;
  status?: CheckRun["status"];
  conclusion?: string;
  output?: { title?: string; summary?: string; text?: string };
  details_url?: string;
  external_id?: string;
};

const CONCLUSIONS = ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"];

function appOnly(ctx: Ctx): Reply | undefined {
  return ctx.auth.kind === "installation" ? undefined : json(403, { message: "You must authenticate via a GitHub App." });
}

function validateRunBody(body: CheckRunBody): Reply | undefined {
  if (body.conclusion !== undefined && !CONCLUSIONS.includes(body.conclusion)) {
    return json(422, { message: `Invalid request.\n\n${body.conclusion} is not a member of the conclusion enum.` });
  }
  if (body.status === "completed" && !body.conclusion) {
    return json(422, { message: "Invalid request.\n\nNo subschema in \"anyOf\" matched.\n\"conclusion\" wasn't supplied." });
  }
  return undefined;
}

function resolveSha(ctx: Ctx, repo: Repo): string | Reply {
  const sha = resolveRef(ctx.state, repo, ctx.params.ref as string);
  return sha ?? json(422, { message: `No commit found for SHA: ${ctx.params.ref}` });
}

function listRuns(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, false);
  if (isReply(repo)) return repo;
  const sha = resolveSha(ctx, repo);
  if (typeof sha !== "string") return sha;
  let runs = repo.checkRuns.filter((r) => r.headSha === sha);
  if (ctx.query.get("filter") !== "all") runs = latestRuns(runs);
  else runs = [...runs].sort((a, b) => b.id - a.id);
  const name = ctx.query.get("check_name");
  const status = ctx.query.get("status");
  const appId = ctx.query.get("app_id");
  if (name) runs = runs.filter((r) => r.name === name);
  if (status) runs = runs.filter((r) => r.status === status);
  const page = paginate(ctx, runs.map((r) => checkRunJson(ctx.state, repo, r)));
  const filtered = appId ? page.items.filter((r) => String(r.app.id) === appId) : page.items;
  return json(200, { total_count: appId ? filtered.length : runs.length, check_runs: filtered }, page.headers);
}

function combined(ctx: Ctx): Reply {
  const repo = repoAccess(ctx, false);
  if (isReply(repo)) return repo;
  const sha = resolveSha(ctx, repo);
  if (typeof sha !== "string") return sha;
  const statuses = latestStatuses(repo, sha);
  return json(200, {
    state: combinedState(statuses),
    statuses: statuses.map((s) => statusJson(ctx.state, repo, s)),
    sha,
    total_count: statuses.length,
    repository: repoJson(ctx.state, repo),
    commit_url: `${ctx.state.baseUrl}/api/v3/repos/${repo.fullName}/commits/${sha}`,
    url: `${ctx.state.baseUrl}/api/v3/repos/${repo.fullName}/commits/${sha}/status`,
  });
}

export const checkRoutes: Route[] = [
  { method: "GET", pattern: "/repos/:owner/:repo/commits/:ref/check-runs", handler: listRuns },
  { method: "GET", pattern: "/repos/:owner/:repo/commits/:ref/status", handler: combined },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/commits/:ref/statuses",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      if (isReply(repo)) return repo;
      const sha = resolveSha(ctx, repo);
      if (typeof sha !== "string") return sha;
      const list = repo.statuses.filter((s) => s.sha === sha).reverse();
      const page = paginate(ctx, list.map((s) => statusJson(ctx.state, repo, s)));
      return json(200, page.items, page.headers);
    },
  },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/statuses/:sha",
    handler: (ctx) => {
      const repo = repoAccess(ctx, true);
      if (isReply(repo)) return repo;
      const body = (ctx.body ?? {}) as { state?: CommitStatus["state"]; context?: string; target_url?: string; description?: string };
      if (!body.state || !["error", "failure", "pending", "success"].includes(body.state)) {
        return json(422, { message: "Validation Failed", errors: [{ resource: "Status", code: "custom", field: "state" }] });
      }
      const sha = ctx.params.sha as string;
      if (!ctx.state.commits.has(sha)) return json(422, { message: `No commit found for SHA: ${sha}` });
      const status = addStatus(ctx.state, repo, {
        sha,
        context: body.context ?? "default",
        state: body.state,
        targetUrl: body.target_url,
        description: body.description,
        creator: actorOf(ctx),
      });
      emit(ctx.state, { kind: "status", repo: repo.fullName, sha, context: status.context, state: status.state });
      return json(201, statusJson(ctx.state, repo, status));
    },
  },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/check-runs",
    handler: (ctx) => {
      const repo = repoAccess(ctx, true);
      if (isReply(repo)) return repo;
      const denied = appOnly(ctx);
      if (denied) return denied;
      const body = (ctx.body ?? {}) as CheckRunBody;
      if (!body.name || !body.head_sha) return json(422, { message: "Invalid request.\n\n\"name\", \"head_sha\" weren't supplied." });
      const invalid = validateRunBody(body);
      if (invalid) return invalid;
      if (!ctx.state.commits.has(body.head_sha)) return json(422, { message: `No commit found for SHA: ${body.head_sha}` });
      const run = createCheckRun(ctx.state, repo, {
        name: body.name,
        headSha: body.head_sha,
        status: body.status,
        conclusion: body.conclusion,
        output: body.output,
        detailsUrl: body.details_url,
        externalId: body.external_id,
        appSlug: ctx.state.app.slug,
      });
      emit(ctx.state, { kind: "checkRun", repo: repo.fullName, id: run.id, action: "created" });
      if (run.status === "completed") emit(ctx.state, { kind: "checkRun", repo: repo.fullName, id: run.id, action: "completed" });
      return json(201, checkRunJson(ctx.state, repo, run));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/check-runs/:id",
    handler: (ctx) => {
      const repo = repoAccess(ctx, false);
      if (isReply(repo)) return repo;
      const run = repo.checkRuns.find((r) => r.id === Number(ctx.params.id));
      return run ? json(200, checkRunJson(ctx.state, repo, run)) : notFound();
    },
  },
  {
    method: "PATCH",
    pattern: "/repos/:owner/:repo/check-runs/:id",
    handler: (ctx) => {
      const repo = repoAccess(ctx, true);
      if (isReply(repo)) return repo;
      const denied = appOnly(ctx);
      if (denied) return denied;
      const run = repo.checkRuns.find((r) => r.id === Number(ctx.params.id));
      if (!run) return notFound();
      if (run.appSlug !== ctx.state.app.slug) return json(403, { message: "Invalid app_id `" + ctx.state.app.id + "` - check run can only be modified by the GitHub App that created it." });
      const body = (ctx.body ?? {}) as CheckRunBody;
      const invalid = validateRunBody(body);
      if (invalid) return invalid;
      const wasCompleted = run.status === "completed";
      updateCheckRun(ctx.state, run, {
        name: body.name,
        status: body.status,
        conclusion: body.conclusion,
        output: body.output,
        detailsUrl: body.details_url,
        externalId: body.external_id,
      });
      if (!wasCompleted && run.status === "completed") emit(ctx.state, { kind: "checkRun", repo: repo.fullName, id: run.id, action: "completed" });
      return json(200, checkRunJson(ctx.state, repo, run));
    },
  },
];
