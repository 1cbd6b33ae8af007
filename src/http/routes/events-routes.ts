/** The audit log: `/self-modify/events` and `/self-modify/events.json` (`{ events, next }`). */
import { DEFAULT_EVENTS_LIMIT, listEvents, MAX_EVENTS_LIMIT } from "../../store/queue-queries.js";
import type { App, Ctx, RouteContext } from "../app-env.js";
import { renderPage } from "../render.js";
import { toEventJson } from "../upgrade-json.js";
import { eventsBody } from "../views/events-page.js";
import { visibilityOf } from "../viewer.js";

export function registerEventsRoutes(app: App, ctx: RouteContext): void {
  app.get("/self-modify/events.json", async (c) => {
    const publicUrl = ctx.deps.env.publicUrl.replace(/\/+$/, "");
    const { events, nextQuery } = await load(c, ctx);
    return c.json({ events: events.map(toEventJson), next: nextQuery ? `${publicUrl}/self-modify/events.json?${nextQuery}` : null });
  });

  app.get("/self-modify/events", async (c) => {
    const { events, nextQuery, filters } = await load(c, ctx);
    const body = eventsBody({ events, filters, nextHref: nextQuery ? `/self-modify/events?${nextQuery}` : null, now: new Date() });
    return renderPage(c, ctx, { title: "Audit log", body, active: "events" });
  });
}

async function load(c: Ctx, ctx: RouteContext) {
  const repo = c.req.query("repo")?.trim() || undefined;
  const type = c.req.query("type")?.trim() || undefined;
  const actor = c.req.query("actor")?.trim() || undefined;
  const requested = Number(c.req.query("limit") ?? DEFAULT_EVENTS_LIMIT);
  const limit = Number.isFinite(requested) && requested >= 1 ? Math.min(MAX_EVENTS_LIMIT, Math.trunc(requested)) : DEFAULT_EVENTS_LIMIT;
  const beforeText = c.req.query("before");
  const before = beforeText && /^\d{1,12}$/.test(beforeText) ? Number(beforeText) : null;
  const { events, nextBefore } = await listEvents(ctx.deps.db, {
    visibility: visibilityOf(c.get("viewer")),
    filters: { repo, type, actor },
    limit,
    before,
  });
  let nextQuery: string | null = null;
  if (nextBefore !== null) {
    const params = new URLSearchParams();
    if (repo) params.set("repo", repo);
    if (type) params.set("type", type);
    if (actor) params.set("actor", actor);
    if (c.req.query("limit")) params.set("limit", String(limit));
    params.set("before", String(nextBefore));
    nextQuery = params.toString();
  }
  return { events, nextQuery, filters: { repo, type, actor, limit } };
}
