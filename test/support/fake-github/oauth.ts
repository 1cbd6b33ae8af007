/**
 * The OAuth web flow of a GitHub App: /login/oauth/authorize, /login/oauth/access_token (at the
 * host root, as on GitHub Enterprise), plus the token check/revoke endpoints under the API.
 * The "user who signs in" is whoever `setOAuthUser(login)` named; consent is implicit.
 */
import { randomBytes } from "node:crypto";
import type { Ctx, Reply, Route } from "./http.js";
import { json, notFound } from "./http.js";
import { userJson } from "./serialize.js";
import { ensureUser } from "./state.js";

const random = (prefix: string) => `${prefix}${randomBytes(18).toString("base64url")}`;

export function authorize(ctx: Ctx): Reply {
  const clientId = ctx.query.get("client_id");
  const redirectUri = ctx.query.get("redirect_uri");
  const stateParam = ctx.query.get("state");
  if (clientId !== ctx.state.app.clientId) return { status: 404, text: "Not Found (unknown client_id)" };
  if (!redirectUri) return { status: 400, text: "fake-github: redirect_uri is required (no callback URL is registered)" };
  const target = new URL(redirectUri);
  const login = ctx.state.oauthUser;
  if (!login) {
    target.searchParams.set("error", "access_denied");
    target.searchParams.set("error_description", "The user has denied your application access.");
  } else {
    const code = random("").slice(0, 20);
    ctx.state.oauthCodes.set(code, { login, clientId, redirectUri });
    target.searchParams.set("code", code);
  }
  if (stateParam !== null) target.searchParams.set("state", stateParam);
  return { status: 302, headers: { location: target.toString() }, text: "" };
}

function oauthReply(ctx: Ctx, status: number, fields: Record<string, string | number>): Reply {
  const accept = String(ctx.headers.accept ?? "");
  if (accept.includes("json")) return json(status, fields);
  const form = new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return { status, text: form, headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" } };
}

const failure = (ctx: Ctx, error: string, description: string) =>
  oauthReply(ctx, 200, { error, error_description: description, error_uri: "https://docs.github.com/apps/troubleshooting" });

/** GitHub answers OAuth errors with status 200 and an `error` field. */
export function accessToken(ctx: Ctx): Reply {
  const params = { ...Object.fromEntries(ctx.query), ...((ctx.body ?? {}) as Record<string, string>) };
  if (params.client_id !== ctx.state.app.clientId || params.client_secret !== ctx.state.app.clientSecret) {
    return failure(ctx, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
  }
  let login: string;
  if (params.grant_type === "refresh_token") {
    const owner = ctx.state.tokens.get(`refresh:${params.refresh_token}`);
    if (owner?.kind !== "user") return failure(ctx, "bad_refresh_token", "The refresh token passed is incorrect or expired.");
    ctx.state.tokens.delete(`refresh:${params.refresh_token}`);
    login = owner.login;
  } else {
    const grant = params.code ? ctx.state.oauthCodes.get(params.code) : undefined;
    if (!grant) return failure(ctx, "bad_verification_code", "The code passed is incorrect or expired.");
    ctx.state.oauthCodes.delete(params.code as string);
    if (params.redirect_uri && grant.redirectUri && params.redirect_uri !== grant.redirectUri) {
      return failure(ctx, "redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
    }
    login = grant.login;
  }
  ensureUser(ctx.state, login);
  const token = random("ghu_");
  const refresh = random("ghr_");
  ctx.state.tokens.set(token, { kind: "user", login });
  ctx.state.tokens.set(`refresh:${refresh}`, { kind: "user", login });
  return oauthReply(ctx, 200, {
    access_token: token,
    expires_in: 28800,
    refresh_token: refresh,
    refresh_token_expires_in: 15897600,
    token_type: "bearer",
    scope: "",
  });
}

function basicClient(ctx: Ctx): boolean {
  const header = String(ctx.headers.authorization ?? "");
  const match = /^basic\s+(.+)$/i.exec(header);
  if (!match) return false;
  const [id, secret] = Buffer.from(match[1] as string, "base64").toString("utf8").split(":", 2);
  return id === ctx.state.app.clientId && secret === ctx.state.app.clientSecret && ctx.params.clientId === id;
}

/** Check (POST) and revoke (DELETE) a user token: `/applications/:client_id/token`. */
export const oauthApiRoutes: Route[] = [
  {
    method: "POST",
    pattern: "/applications/:clientId/token",
    handler: (ctx) => {
      if (!basicClient(ctx)) return json(401, { message: "Requires authentication" });
      const token = String((ctx.body as { access_token?: unknown } | undefined)?.access_token ?? "");
      const owner = ctx.state.tokens.get(token);
      if (owner?.kind !== "user") return notFound();
      return json(200, { id: 1, token, user: userJson(ctx.state, owner.login), scopes: [], app: { client_id: ctx.state.app.clientId, name: ctx.state.app.name, url: ctx.state.baseUrl } });
    },
  },
  {
    method: "DELETE",
    pattern: "/applications/:clientId/token",
    handler: (ctx) => {
      if (!basicClient(ctx)) return json(401, { message: "Requires authentication" });
      const token = String((ctx.body as { access_token?: unknown } | undefined)?.access_token ?? "");
      ctx.state.tokens.delete(token);
      return { status: 204 };
    },
  },
];
