/** The queue page, its JSON, one upgrade (page, JSON, raw diff) and the badge. */
import {
  approvalsFor,
  canSee,
  decisionEventsFor,
  getUpgrade,
  getUpgradeDetail,
  listFreezes,
  listUpgrades,
  pendingCount,
  type HistoryCursor,
  type UpgradeRow,
} from "../../store/queue-queries.js";
import type { App, Ctx, RouteContext } from "../app-env.js";
import { pendingBadge } from "../badge.js";
import { renderMessage, renderPage } from "../render.js";
import { toEventJson, toUpgradeJson } from "../upgrade-json.js";
import type { PendingItem } from "../views/queue-page.js";
import { queueBody } from "../views/queue-page.js";
import { upgradeBody } from "../views/upgrade-page.js";
import type { RepositoryControl } from "../views/freeze-parts.js";
import { csrfOf, visibilityOf, type Viewer } from "../viewer.js";

const HISTORY_PAGE = 25;

export function registerQueueRoutes(app: App, ctx: RouteContext): void {
  const htmlBase = ctx.deps.env.githubBaseUrl.replace(/\/+$/, "");

  app.get("/self-modify/queue.json", async (c) => {
    const { page, next } = await loadQueue(c, ctx);
    if (next) c.header("link", `<${ctx.deps.env.publicUrl.replace(/\/+$/, "")}/self-modify/queue.json?${next}>; rel="next"`);
    const visibility = visibilityOf(c.get("viewer"));
    const [count, freezes] = await Promise.all([pendingCount(ctx.deps.db, visibility), listFreezes(ctx.deps.db, visibility, c.req.query("repo")?.trim() || undefined)]);
    return c.json({
      pendingCount: count,
      upgrades: [...page.pending, ...page.history].map((row) => toUpgradeJson(row, htmlBase)),
      frozen: freezes.map((f) => ({ repository: f.repository, reason: f.reason, by: f.by, at: f.at.toISOString() })),
    });
  });

  app.get("/self-modify/queue", async (c) => {
    const viewer = c.get("viewer");
    const { page, next, filters, isFirstPage } = await loadQueue(c, ctx);
    const [pending, decisions, controls] = await Promise.all([
      pendingItems(ctx, viewer, page.pending, htmlBase),
      decisionEventsFor(ctx.deps.db, page.history),
      repositoryControlsFor(ctx, viewer, [...(filters.repo ? [filters.repo] : []), ...page.pending.map((r) => r.repository)], filters.repo),
    ]);
    const history = page.history.map((row) => ({ row, json: toUpgradeJson(row, htmlBase), decision: decisions.get(row.id) }));
    const body = queueBody({
      pending,
      history,
      filters,
      nextHref: next ? `/self-modify/queue?${next}` : null,
      isFirstPage,
      csrf: csrfOf(viewer),
      htmlBase,
      now: new Date(),
      controls,
    });
    return renderPage(c, ctx, { title: "Upgrades", body, active: "queue" });
  });

  app.get("/self-modify/queue/badge.svg", async (c) => {
    const count = await pendingCount(ctx.deps.db, visibilityOf(c.get("viewer")));
    return c.body(pendingBadge(count), 200, { "content-type": "image/svg+xml; charset=utf-8", "cache-control": "no-cache" });
  });

  app.get("/self-modify/queue/:id/diff", async (c) => {
    const row = await visibleUpgrade(c, ctx, c.req.param("id"));
    if (!row) return renderMessage(c, ctx, 404, "Not found", "No such upgrade.");
    return c.body(row.diffPreview, 200, {
      "content-type": "text/x-diff; charset=utf-8",
      "content-disposition": `inline; filename="upgrade-${row.id}.diff"`,
    });
  });

  app.get("/self-modify/queue/:id", async (c) => {
    const raw = c.req.param("id");
    const match = /^(\d{1,10})(\.json)?$/.exec(raw);
    const viewer = c.get("viewer");
    const detail = match ? await getUpgradeDetail(ctx.deps.db, Number(match[1])) : null;
    if (!match || !detail || !canSee(visibilityOf(viewer), detail.upgrade)) {
      return renderMessage(c, ctx, 404, "Not found", "No such upgrade.");
    }
    const json = toUpgradeJson(detail.upgrade, htmlBase);
    if (match[2]) return c.json({ upgrade: json, events: detail.events.map(toEventJson) });
    const isPending = detail.upgrade.status === "proposed" || detail.upgrade.status === "approved";
    const [needed, canDecide, canRollback, controls] = await Promise.all([
      isPending ? safely(ctx, () => ctx.deps.dashboard.approvalsNeeded(detail.upgrade.id), 1) : Promise.resolve(null),
      isPending && viewer.kind === "github"
        ? safely(ctx, () => ctx.deps.dashboard.canDecide(detail.upgrade.id, viewer.login), false)
        : Promise.resolve(false),
      detail.upgrade.status === "applied" && viewer.kind === "github"
        ? safely(ctx, () => ctx.deps.dashboard.canRollback(detail.upgrade.id, viewer.login), false)
        : Promise.resolve(false),
      repositoryControlsFor(ctx, viewer, [detail.upgrade.repository], detail.upgrade.repository),
    ]);
    const body = upgradeBody({
      row: detail.upgrade,
      json,
      events: detail.events,
      approvals: detail.approvals,
      needed,
      canDecide,
      canRollback,
      controls,
      csrf: csrfOf(viewer),
      htmlBase,
      now: new Date(),
    });
    return renderPage(c, ctx, { title: detail.upgrade.title, body, active: "queue" });
  });
}

/** The upgrade with this id when the viewer may see it. */
export async function visibleUpgrade(c: Ctx, ctx: RouteContext, id: string): Promise<UpgradeRow | null> {
  if (!/^\d{1,10}$/.test(id)) return null;
  const row = await getUpgrade(ctx.deps.db, Number(id));
  return row && canSee(visibilityOf(c.get("viewer")), row) ? row : null;
}

async function loadQueue(c: Ctx, ctx: RouteContext) {
  const repo = c.req.query("repo")?.trim() || undefined;
  const status = c.req.query("status")?.trim() || undefined;
  const branch = c.req.query("branch")?.trim() || undefined;
  const before = parseCursor(c.req.query("before"));
  const limit = Number(c.req.query("limit") ?? HISTORY_PAGE);
  const page = await listUpgrades(ctx.deps.db, {
    visibility: visibilityOf(c.get("viewer")),
    filters: { repo, status, branch },
    historyLimit: Number.isFinite(limit) ? limit : HISTORY_PAGE,
    historyBefore: before,
  });
  let next: string | null = null;
  if (page.nextHistory) {
    const params = new URLSearchParams();
    if (repo) params.set("repo", repo);
    if (status) params.set("status", status);
    if (branch) params.set("branch", branch);
    if (c.req.query("limit")) params.set("limit", String(limit));
    params.set("before", `${page.nextHistory.proposedAt.getTime()}.${page.nextHistory.id}`);
    next = params.toString();
  }
  return { page, next, filters: { repo, status }, isFirstPage: before === null };
}

function parseCursor(value: string | undefined): HistoryCursor | null {
  const match = value ? /^(\d{1,15})\.(\d{1,10})$/.exec(value) : null;
  return match ? { proposedAt: new Date(Number(match[1])), id: Number(match[2]) } : null;
}

async function pendingItems(ctx: RouteContext, viewer: Viewer, rows: UpgradeRow[], htmlBase: string): Promise<PendingItem[]> {
  const approvals = await approvalsFor(ctx.deps.db, rows.map((r) => r.id));
  return Promise.all(
    rows.map(async (row) => {
      const approvers = [
        ...new Set(approvals.filter((a) => a.upgradeId === row.id && a.sha === row.headSha).map((a) => a.login)),
      ];
      const [needed, canDecide] = await Promise.all([
        safely(ctx, () => ctx.deps.dashboard.approvalsNeeded(row.id), 1),
        viewer.kind === "github" ? safely(ctx, () => ctx.deps.dashboard.canDecide(row.id, viewer.login), false) : false,
      ]);
      return { row, json: toUpgradeJson(row, htmlBase), approvers, needed, canDecide };
    }),
  );
}

/**
 * The frozen repositories the viewer can see, and for a GitHub user the repositories shown
 * (`shown`) with a Freeze or Unfreeze button where they are admin or maintainer.
 */
async function repositoryControlsFor(ctx: RouteContext, viewer: Viewer, shown: string[], only?: string): Promise<RepositoryControl[]> {
  const freezes = await listFreezes(ctx.deps.db, visibilityOf(viewer), only);
  const names = [...new Set([...freezes.map((f) => f.repository), ...(viewer.kind === "github" ? shown.filter((r) => viewer.repos.includes(r)) : [])])].sort();
  return Promise.all(
    names.map(async (repository) => ({
      repository,
      freeze: freezes.find((f) => f.repository === repository) ?? null,
      canFreeze: viewer.kind === "github" && viewer.repos.includes(repository) ? await safely(ctx, () => ctx.deps.dashboard.canFreeze(repository, viewer.login), false) : false,
    })),
  );
}

/** Calls the pipeline; a failure there degrades the page (no buttons, default counts), never breaks it. */
async function safely<T>(ctx: RouteContext, call: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    ctx.deps.log.warn({ err: error }, "status page: dashboard action failed");
    return fallback;
  }
}
