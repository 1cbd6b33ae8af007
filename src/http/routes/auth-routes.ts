/**
 * Sign-in: GET `/self-modify/login` (the token form and the "Sign in with GitHub" link),
 * POST `/self-modify/login` (the token form), GET `/self-modify/callback` (the OAuth code
 * exchange, `state` checked in constant time) and POST `/self-modify/logout`.
 */
import type { App, Ctx, RouteContext } from "../app-env.js";
import { authorizeUrl, exchangeCode, fetchLogin, fetchReadableRepos } from "../github-oauth.js";
import { renderMessage, renderPage, safeNext } from "../render.js";
import { safeEqual } from "../session.js";
import { loginBody } from "../views/login-page.js";
import { readForm } from "./decision-routes.js";

export function registerAuthRoutes(app: App, ctx: RouteContext): void {
  const { env } = ctx.deps;
  const githubEnabled = Boolean(env.githubClientId && env.githubClientSecret);

  const showLogin = async (c: Ctx, error: string | null, status: 200 | 401 | 403 = 200) => {
    const pre = ctx.auth.preSession(c, { fresh: error === null, next: safeNext(c.req.query("next")) });
    const body = loginBody({
      csrf: pre.csrf,
      githubHref: githubEnabled ? authorizeUrl(env, pre.state) : null,
      tokenEnabled: Boolean(env.statusPageToken),
      error,
    });
    return renderPage(c, ctx, { title: "Sign in", body, active: "login", status, viewer: null });
  };

  app.get("/self-modify/login", (c) => showLogin(c, null));

  app.post("/self-modify/login", async (c) => {
    const pre = ctx.auth.readPreSession(c);
    const form = await readForm(c);
    const csrf = typeof form.csrf === "string" ? form.csrf : "";
    if (!pre || !csrf || !safeEqual(csrf, pre.csrf)) return showLogin(c, "The sign-in form expired. Please try again.", 403);
    const token = typeof form.token === "string" ? form.token : "";
    if (!env.statusPageToken || !ctx.auth.tokenMatches(token)) return showLogin(c, "That token is not valid.", 401);
    ctx.auth.startTokenSession(c);
    ctx.auth.clearPreSession(c);
    return c.redirect(safeNext(pre.next), 303);
  });

  app.get("/self-modify/callback", async (c) => {
    if (!githubEnabled) return renderMessage(c, ctx, 404, "Not found", "Sign in with GitHub is not configured.");
    const pre = ctx.auth.readPreSession(c);
    const state = c.req.query("state") ?? "";
    const code = c.req.query("code") ?? "";
    const retry = { href: "/self-modify/login", label: "Sign in again" };
    if (!pre || !state || !safeEqual(state, pre.state)) {
      return renderMessage(c, ctx, 403, "Sign-in failed", "The sign-in request expired or did not start here.", retry);
    }
    if (!code) return renderMessage(c, ctx, 403, "Sign-in failed", "GitHub did not grant access.", retry);
    try {
      const accessToken = await exchangeCode(env, code);
      const login = await fetchLogin(env, accessToken);
      const repos = await fetchReadableRepos(env, accessToken);
      ctx.auth.startGitHubSession(c, login, accessToken, repos);
      ctx.auth.clearPreSession(c);
      ctx.deps.log.info({ login, repositories: repos.length }, "status page: signed in with GitHub");
      return c.redirect(safeNext(pre.next), 303);
    } catch (error) {
      ctx.deps.log.warn({ err: error }, "status page: GitHub sign-in failed");
      return renderMessage(c, ctx, 502, "Sign-in failed", "GitHub could not confirm the sign-in.", retry);
    }
  });

  app.post("/self-modify/logout", async (c) => {
    const viewer = await ctx.auth.viewer(c);
    if (viewer.kind !== "anonymous" && viewer.csrf !== null) {
      const form = await readForm(c);
      const csrf = typeof form.csrf === "string" ? form.csrf : "";
      if (!csrf || !safeEqual(csrf, viewer.csrf)) return renderMessage(c, ctx, 403, "Forbidden", "The form was stale.");
    }
    ctx.auth.endSession(c);
    return c.redirect("/self-modify/login", 303);
  });
}
