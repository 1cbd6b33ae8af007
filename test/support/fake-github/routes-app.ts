/** App and installation endpoints (JWT), the installation's repositories, users. */
import { randomBytes } from "node:crypto";
import type { Ctx, Reply, Route } from "./http.js";
import { json, notFound, paginate } from "./http.js";
import { appJson, installationJson } from "./serialize-app.js";
import { repoJson, userJson } from "./serialize.js";
import type { Repo, State } from "./state.js";
import { atLeast, findUser, roleOf } from "./state.js";

function requireJwt(ctx: Ctx): Reply | undefined {
  if (ctx.auth.kind === "jwt") return undefined;
  return json(401, { message: "A JSON web token could not be decoded", documentation_url: "https://docs.github.com/rest" });
}

function requireUser(ctx: Ctx): Reply | string {
  if (ctx.auth.kind === "user") return ctx.auth.login;
  if (ctx.auth.kind === "none") return json(401, { message: "Requires authentication" });
  if (ctx.auth.kind === "installation") return json(403, { message: "Resource not accessible by integration" });
  return json(401, { message: "Bad credentials" });
}

function readableRepos(state: State, login: string, installationId: number): Repo[] {
  return [...state.repos.values()].filter(
    (r) => r.installationId === installationId && atLeast(roleOf(state, r, login), "read"),
  );
}

function installationFor(ctx: Ctx, pick: (r: Repo) => boolean): Reply {
  const denied = requireJwt(ctx);
  if (denied) return denied;
  const repo = [...ctx.state.repos.values()].find(pick);
  const installation = repo && ctx.state.installations.get(repo.installationId);
  return installation ? json(200, installationJson(ctx.state, installation)) : notFound();
}

export const appRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/app",
    handler: (ctx) => requireJwt(ctx) ?? json(200, appJson(ctx.state)),
  },
  {
    method: "GET",
    pattern: "/app/installations",
    handler: (ctx) => {
      const denied = requireJwt(ctx);
      if (denied) return denied;
      const page = paginate(ctx, [...ctx.state.installations.values()].map((i) => installationJson(ctx.state, i)));
      return json(200, page.items, page.headers);
    },
  },
  {
    method: "GET",
    pattern: "/app/installations/:id",
    handler: (ctx) => {
      const denied = requireJwt(ctx);
      if (denied) return denied;
      const installation = ctx.state.installations.get(Number(ctx.params.id));
      return installation ? json(200, installationJson(ctx.state, installation)) : notFound();
    },
  },
  {
    method: "POST",
    pattern: "/app/installations/:id/access_tokens",
    handler: (ctx) => {
      const denied = requireJwt(ctx);
      if (denied) return denied;
      const id = Number(ctx.params.id);
      if (!ctx.state.installations.has(id)) return notFound();
      const token = `ghs_${randomBytes(18).toString("base64url")}`;
      ctx.state.tokens.set(token, { kind: "installation", installationId: id });
      const expiresAt = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      return json(201, {
        token,
        expires_at: expiresAt,
        permissions: appJson(ctx.state).permissions,
        repository_selection: "selected",
      });
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/installation",
    handler: (ctx) => installationFor(ctx, (r) => r.fullName.toLowerCase() === `${ctx.params.owner}/${ctx.params.repo}`.toLowerCase()),
  },
  {
    method: "GET",
    pattern: "/orgs/:org/installation",
    handler: (ctx) => installationFor(ctx, (r) => r.owner.toLowerCase() === ctx.params.org?.toLowerCase()),
  },
  {
    method: "GET",
    pattern: "/users/:user/installation",
    handler: (ctx) => installationFor(ctx, (r) => r.owner.toLowerCase() === ctx.params.user?.toLowerCase()),
  },
  {
    method: "GET",
    pattern: "/installation/repositories",
    handler: (ctx) => {
      const auth = ctx.auth;
      if (auth.kind !== "installation") return json(403, { message: "This endpoint requires an installation token" });
      const repos = [...ctx.state.repos.values()].filter((r) => r.installationId === auth.installationId);
      const page = paginate(ctx, repos.map((r) => repoJson(ctx.state, r)));
      return json(200, { total_count: repos.length, repository_selection: "selected", repositories: page.items }, page.headers);
    },
  },
  {
    method: "GET",
    pattern: "/user",
    handler: (ctx) => {
      const login = requireUser(ctx);
      return typeof login === "string" ? json(200, userJson(ctx.state, login)) : login;
    },
  },
  {
    method: "GET",
    pattern: "/user/installations",
    handler: (ctx) => {
      const login = requireUser(ctx);
      if (typeof login !== "string") return login;
      const list = [...ctx.state.installations.values()].filter((i) => readableRepos(ctx.state, login, i.id).length > 0);
      const page = paginate(ctx, list.map((i) => installationJson(ctx.state, i)));
      return json(200, { total_count: list.length, installations: page.items }, page.headers);
    },
  },
  {
    method: "GET",
    pattern: "/user/installations/:id/repositories",
    handler: (ctx) => {
      const login = requireUser(ctx);
      if (typeof login !== "string") return login;
      const repos = readableRepos(ctx.state, login, Number(ctx.params.id));
      if (repos.length === 0) return notFound();
      const page = paginate(ctx, repos.map((r) => repoJson(ctx.state, r, login)));
      return json(200, { total_count: repos.length, repository_selection: "selected", repositories: page.items }, page.headers);
    },
  },
  {
    method: "GET",
    pattern: "/users/:login",
    handler: (ctx) => {
      const user = findUser(ctx.state, ctx.params.login as string);
      return user ? json(200, userJson(ctx.state, user.login)) : notFound();
    },
  },
];
