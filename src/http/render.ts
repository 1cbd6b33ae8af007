/** Renders a full HTML page for the current viewer (with the header's pending badge). */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { pendingCount } from "../store/queue-queries.js";
import type { Ctx, RouteContext } from "./app-env.js";
import { layout, type Html, type LayoutInput } from "./views/layout.js";
import { messageBody } from "./views/login-page.js";
import { visibilityOf, type Viewer } from "./viewer.js";

export async function renderPage(
  c: Ctx,
  ctx: RouteContext,
  page: { title: string; body: Html; active?: LayoutInput["active"]; status?: ContentfulStatusCode; viewer?: Viewer | null },
): Promise<Response> {
  const viewer = page.viewer !== undefined ? page.viewer : (c.get("viewer") ?? null);
  const count = viewer ? await pendingCount(ctx.deps.db, visibilityOf(viewer)) : null;
  const document = layout({ title: page.title, viewer, pendingCount: count, body: page.body, active: page.active });
  return c.html(document.toString(), page.status ?? 200);
}

export async function renderMessage(
  c: Ctx,
  ctx: RouteContext,
  status: ContentfulStatusCode,
  title: string,
  message: string,
  link?: { href: string; label: string },
): Promise<Response> {
  const wantsJson = c.req.path.endsWith(".json") || !(c.req.header("accept") ?? "text/html").includes("text/html");
  if (wantsJson) return c.json({ error: message }, status);
  return renderPage(c, ctx, { title, body: messageBody(title, message, link), status });
}

/** A same-site path to come back to after signing in; anything else becomes the queue. */
export function safeNext(next: string | undefined | null): string {
  if (!next || !next.startsWith("/self-modify/") || next.startsWith("//") || next.includes("\\")) return "/self-modify/queue";
  return next;
}
