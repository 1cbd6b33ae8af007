/**
 * The maintainers' buttons: POST `/self-modify/queue/:id/rollback` and
 * `/self-modify/repos/:owner/:name/freeze`, `/unfreeze`. The same answers as Approve: 401 without
 * a GitHub session (a token session included), 403 for a bad CSRF token or a user without admin
 * or maintain permission (looked up again by `dashboard`, never trusted from the page), 303 back.
 */
import type { App, Ctx, RouteContext } from "../app-env.js";
import { renderMessage } from "../render.js";
import { safeEqual } from "../session.js";
import { readForm } from "./decision-routes.js";
import { visibleUpgrade } from "./queue-routes.js";

const MAX_REASON = 500;

export function registerMaintainerRoutes(app: App, ctx: RouteContext): void {
  app.post("/self-modify/queue/:id/rollback", (c) => rollback(c, ctx));
  app.post("/self-modify/repos/:owner/:name/freeze", (c) => freeze(c, ctx, true));
  app.post("/self-modify/repos/:owner/:name/unfreeze", (c) => freeze(c, ctx, false));
}

/** The signed-in GitHub user and the posted form, or the refusal to answer with. */
async function signedForm(c: Ctx, ctx: RouteContext): Promise<{ login: string; repos: readonly string[]; form: Record<string, unknown> } | Response> {
  const viewer = c.get("viewer");
  if (viewer.kind !== "github") {
    return renderMessage(c, ctx, 401, "Sign in with GitHub", "Only a user signed in with GitHub can do this.", { href: "/self-modify/login", label: "Sign in" });
  }
  const form = await readForm(c);
  const csrf = typeof form.csrf === "string" ? form.csrf : "";
  if (!csrf || !safeEqual(csrf, viewer.csrf)) {
    return renderMessage(c, ctx, 403, "Forbidden", "The form was stale or not from this page. Reload the page and try again.");
  }
  return { login: viewer.login, repos: viewer.repos, form };
}

async function rollback(c: Ctx, ctx: RouteContext): Promise<Response> {
  const signed = await signedForm(c, ctx);
  if (signed instanceof Response) return signed;
  const upgrade = await visibleUpgrade(c, ctx, c.req.param("id") ?? "");
  if (!upgrade) return renderMessage(c, ctx, 404, "Not found", "No such upgrade.");
  const back = `/self-modify/queue/${upgrade.id}`;
  const result = await ctx.deps.dashboard.rollback({ upgradeId: upgrade.id, login: signed.login });
  ctx.deps.log.info({ upgradeId: upgrade.id, login: signed.login, ok: result.ok }, "status page: rollback");
  if (!result.ok) return renderMessage(c, ctx, result.status, "Not done", result.message, { href: back, label: "Back to the upgrade" });
  return c.redirect(back, 303);
}

async function freeze(c: Ctx, ctx: RouteContext, frozen: boolean): Promise<Response> {
  const signed = await signedForm(c, ctx);
  if (signed instanceof Response) return signed;
  const repository = `${c.req.param("owner")}/${c.req.param("name")}`;
  // Only a repository the user can read exists for them (as for an upgrade of it).
  if (!signed.repos.includes(repository)) return renderMessage(c, ctx, 404, "Not found", "No such repository.");
  const reason = frozen && typeof signed.form.reason === "string" ? signed.form.reason.trim().slice(0, MAX_REASON) : "";
  const result = await ctx.deps.dashboard.setFreeze({ repository, login: signed.login, frozen, ...(reason ? { reason } : {}) });
  ctx.deps.log.info({ repository, login: signed.login, frozen, ok: result.ok }, "status page: freeze");
  const back = `/self-modify/queue?repo=${encodeURIComponent(repository)}`;
  if (!result.ok) return renderMessage(c, ctx, result.status, "Not done", result.message, { href: back, label: "Back to the queue" });
  return c.redirect(back, 303);
}
