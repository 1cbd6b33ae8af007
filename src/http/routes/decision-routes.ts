/**
 * POST `/self-modify/queue/:id/approve` and `/reject`: the page's buttons. Only a GitHub
 * session may post (401 otherwise, a token session included), with its CSRF token (403), and
 * the decision itself goes through `dashboard.decide`, which re-checks every rule.
 */
import type { App, Ctx, RouteContext } from "../app-env.js";
import { renderMessage } from "../render.js";
import { safeEqual } from "../session.js";
import { visibleUpgrade } from "./queue-routes.js";

const MAX_REASON = 1000;

export function registerDecisionRoutes(app: App, ctx: RouteContext): void {
  app.post("/self-modify/queue/:id/approve", (c) => decide(c, ctx, "approve"));
  app.post("/self-modify/queue/:id/reject", (c) => decide(c, ctx, "reject"));
}

async function decide(c: Ctx, ctx: RouteContext, decision: "approve" | "reject"): Promise<Response> {
  const viewer = c.get("viewer");
  if (viewer.kind !== "github") {
    return renderMessage(c, ctx, 401, "Sign in with GitHub", "Only a user signed in with GitHub can approve or reject.", {
      href: "/self-modify/login",
      label: "Sign in",
    });
  }
  const form = await readForm(c);
  const csrf = typeof form.csrf === "string" ? form.csrf : "";
  if (!csrf || !safeEqual(csrf, viewer.csrf)) {
    return renderMessage(c, ctx, 403, "Forbidden", "The form was stale or not from this page. Reload the page and try again.");
  }
  const id = c.req.param("id") ?? "";
  const upgrade = await visibleUpgrade(c, ctx, id);
  if (!upgrade) return renderMessage(c, ctx, 404, "Not found", "No such upgrade.");
  const reason = typeof form.reason === "string" ? form.reason.trim().slice(0, MAX_REASON) : "";
  const sha = typeof form.sha === "string" && /^[0-9a-f]{40}$/.test(form.sha) ? form.sha : undefined;
  const result = await ctx.deps.dashboard.decide({
    upgradeId: upgrade.id,
    login: viewer.login,
    decision,
    ...(decision === "reject" && reason ? { reason } : {}),
    ...(decision === "approve" && sha ? { sha } : {}),
  });
  if (!result.ok) {
    ctx.deps.log.info({ upgradeId: upgrade.id, login: viewer.login, decision, status: result.status }, "status page: decision refused");
    return renderMessage(c, ctx, result.status, "Not done", result.message, {
      href: `/self-modify/queue/${upgrade.id}`,
      label: "Back to the upgrade",
    });
  }
  ctx.deps.log.info({ upgradeId: upgrade.id, login: viewer.login, decision }, "status page: decision recorded");
  return c.redirect(`/self-modify/queue/${upgrade.id}`, 303);
}

export async function readForm(c: Ctx): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")) return {};
  try {
    return (await c.req.parseBody()) as Record<string, unknown>;
  } catch {
    return {};
  }
}
