/**
 * Read-only queries behind the status page, its JSON API and the audit log.
 *
 * Every query names its columns (`select`), is bounded (a hard maximum on every page) and loads
 * related rows in one extra query per page, never one per row. Paging is keyset paging: history
 * pages on `(proposedAt, id)` descending, the audit log on the event `id` descending, so a page
 * costs the same on the first and on the ten-thousandth page.
 */
import type { Db } from "./prisma-client.js";

export const PENDING_STATUSES = ["proposed", "approved"] as const;
export const UPGRADE_STATUSES = [
  "proposed",
  "approved",
  "rejected",
  "expired",
  "applied",
  "failed",
  "rolled_back",
] as const;

/** Hard maxima: no request can ask for more rows than these. */
export const MAX_PENDING = 200;
export const MAX_HISTORY_PAGE = 200;
export const DEFAULT_EVENTS_LIMIT = 50;
export const MAX_EVENTS_LIMIT = 500;

/** Which repositories a viewer may see. */
export type Visibility =
  | { kind: "all" }
  | { kind: "public" }
  /** The listed repositories (`owner/name`), plus every public one. */
  | { kind: "repos"; repos: readonly string[] };

const upgradeSelect = {
  id: true,
  repository: true,
  repositoryPrivate: true,
  pullNumber: true,
  status: true,
  title: true,
  description: true,
  branchName: true,
  baseBranch: true,
  author: true,
  headSha: true,
  approvedSha: true,
  approvedBy: true,
  filesChanged: true,
  diffPreview: true,
  testResults: true,
  errorMessage: true,
  additions: true,
  deletions: true,
  guarded: true,
  urgent: true,
  bypassed: true,
  previousSha: true,
  mergeCommitSha: true,
  rollbackSha: true,
  revertPullNumber: true,
  proposedAt: true,
  approvedAt: true,
  rejectedAt: true,
  appliedAt: true,
  expiredAt: true,
  failedAt: true,
  rolledBackAt: true,
} as const;

/** An upgrade row as the pages read it. */
export interface UpgradeRow {
  id: number;
  repository: string;
  repositoryPrivate: boolean;
  pullNumber: number;
  status: string;
  title: string;
  description: string;
  branchName: string;
  baseBranch: string;
  author: string | null;
  headSha: string;
  approvedSha: string | null;
  approvedBy: string;
  filesChanged: string;
  diffPreview: string;
  testResults: string | null;
  errorMessage: string | null;
  additions: number;
  deletions: number;
  guarded: boolean;
  urgent: boolean;
  bypassed: boolean;
  previousSha: string | null;
  mergeCommitSha: string | null;
  rollbackSha: string | null;
  revertPullNumber: number | null;
  proposedAt: Date;
  approvedAt: Date | null;
  rejectedAt: Date | null;
  appliedAt: Date | null;
  expiredAt: Date | null;
  failedAt: Date | null;
  rolledBackAt: Date | null;
}

const eventSelect = {
  id: true,
  upgradeId: true,
  repository: true,
  pullNumber: true,
  type: true,
  actor: true,
  via: true,
  at: true,
  deliveryId: true,
  details: true,
} as const;

export interface EventRow {
  id: number;
  /** Null for repository events (`repository.frozen`, `repository.unfrozen`). */
  upgradeId: number | null;
  repository: string;
  pullNumber: number | null;
  type: string;
  actor: string;
  via: string;
  at: Date;
  deliveryId: string | null;
  details: string;
}

export interface ApprovalRow {
  upgradeId: number;
  login: string;
  sha: string;
  via: string;
  at: Date;
}

const approvalSelect = { upgradeId: true, login: true, sha: true, via: true, at: true } as const;

/** The Prisma `where` for a visibility, on a model with `repository` and `repositoryPrivate`. */
function upgradeVisibilityWhere(visibility: Visibility) {
  switch (visibility.kind) {
    case "all":
      return {};
    case "public":
      return { repositoryPrivate: false };
    case "repos":
      return {
        OR: [{ repositoryPrivate: false }, { repository: { in: [...visibility.repos] } }],
      };
  }
}

/** Whether a viewer with this visibility may see an upgrade of `repository`. */
export function canSee(
  visibility: Visibility,
  upgrade: { repository: string; repositoryPrivate: boolean },
): boolean {
  if (visibility.kind === "all") return true;
  if (!upgrade.repositoryPrivate) return true;
  return visibility.kind === "repos" && visibility.repos.includes(upgrade.repository);
}

export interface UpgradeFilters {
  repo?: string | undefined;
  status?: string | undefined;
  /** Exact head branch name (`self-modify/x`): how an agent finds its own proposal. */
  branch?: string | undefined;
}

/** Keyset cursor for history: the last row of the previous page. */
export interface HistoryCursor {
  proposedAt: Date;
  id: number;
}

export interface QueuePage {
  pending: UpgradeRow[];
  history: UpgradeRow[];
  /** The cursor of the next history page, or null on the last one. */
  nextHistory: HistoryCursor | null;
}

/**
 * The queue: pending upgrades (`proposed`, `approved`) oldest first, as a queue is worked,
 * then the history (every other state) newest first, a page at a time.
 */
export async function listUpgrades(
  db: Db,
  input: {
    visibility: Visibility;
    filters?: UpgradeFilters;
    historyLimit: number;
    historyBefore?: HistoryCursor | null | undefined;
  },
): Promise<QueuePage> {
  const { repo, status, branch } = input.filters ?? {};
  const base = {
    ...upgradeVisibilityWhere(input.visibility),
    ...(repo ? { repository: repo } : {}),
    ...(branch ? { branchName: branch } : {}),
  };
  const wantsPending = !status || (PENDING_STATUSES as readonly string[]).includes(status);
  const wantsHistory = !status || !(PENDING_STATUSES as readonly string[]).includes(status);
  const historyLimit = clamp(input.historyLimit, 1, MAX_HISTORY_PAGE);
  const before = input.historyBefore;

  const [pending, historyPlusOne] = await Promise.all([
    wantsPending && !before
      ? db.upgrade.findMany({
          where: { ...base, status: status ? status : { in: [...PENDING_STATUSES] } },
          orderBy: [{ proposedAt: "asc" }, { id: "asc" }],
          take: MAX_PENDING,
          select: upgradeSelect,
        })
      : Promise.resolve([]),
    wantsHistory
      ? db.upgrade.findMany({
          where: {
            AND: [
              base,
              { status: status ? status : { notIn: [...PENDING_STATUSES] } },
              before
                ? {
                    OR: [
                      { proposedAt: { lt: before.proposedAt } },
                      { proposedAt: before.proposedAt, id: { lt: before.id } },
                    ],
                  }
                : {},
            ],
          },
          orderBy: [{ proposedAt: "desc" }, { id: "desc" }],
          take: historyLimit + 1,
          select: upgradeSelect,
        })
      : Promise.resolve([]),
  ]);
  const history = historyPlusOne.slice(0, historyLimit);
  const last = history.at(-1);
  const nextHistory =
    historyPlusOne.length > historyLimit && last ? { proposedAt: last.proposedAt, id: last.id } : null;
  return { pending, history, nextHistory };
}

/** One upgrade, or null when it does not exist. */
export async function getUpgrade(db: Db, id: number): Promise<UpgradeRow | null> {
  return db.upgrade.findUnique({ where: { id }, select: upgradeSelect });
}

/** One upgrade with its events (oldest first) and approvals, or null. */
export async function getUpgradeDetail(
  db: Db,
  id: number,
): Promise<{ upgrade: UpgradeRow; events: EventRow[]; approvals: ApprovalRow[] } | null> {
  const upgrade = await getUpgrade(db, id);
  if (!upgrade) return null;
  const [events, approvals] = await Promise.all([
    db.upgradeEvent.findMany({
      where: { upgradeId: id },
      orderBy: { id: "asc" },
      take: 5000,
      select: eventSelect,
    }),
    db.approval.findMany({
      where: { upgradeId: id },
      orderBy: { id: "asc" },
      take: 1000,
      select: approvalSelect,
    }),
  ]);
  return { upgrade, events, approvals };
}

/** The approvals of several upgrades in one query. */
export async function approvalsFor(db: Db, upgradeIds: readonly number[]): Promise<ApprovalRow[]> {
  if (upgradeIds.length === 0) return [];
  return db.approval.findMany({
    where: { upgradeId: { in: [...upgradeIds] } },
    orderBy: { id: "asc" },
    select: approvalSelect,
  });
}

/** Event types that record a decision, by the status they lead to. */
export const DECISION_EVENT_BY_STATUS: Record<string, string> = {
  approved: "upgrade.approved",
  rejected: "upgrade.rejected",
  expired: "upgrade.expired",
  applied: "upgrade.applied",
  failed: "upgrade.failed",
  rolled_back: "upgrade.rolled_back",
};

/**
 * For each upgrade, the latest event that recorded its current status (who decided, how), in
 * one query. Upgrades without such an event are absent from the map.
 */
export async function decisionEventsFor(
  db: Db,
  upgrades: ReadonlyArray<{ id: number; status: string }>,
): Promise<Map<number, EventRow>> {
  const wanted = upgrades.filter((u) => DECISION_EVENT_BY_STATUS[u.status]);
  const result = new Map<number, EventRow>();
  if (wanted.length === 0) return result;
  const types = [...new Set(wanted.map((u) => DECISION_EVENT_BY_STATUS[u.status] as string))];
  const rows = await db.upgradeEvent.findMany({
    where: { upgradeId: { in: wanted.map((u) => u.id) }, type: { in: types } },
    orderBy: { id: "desc" },
    take: wanted.length * 20,
    select: eventSelect,
  });
  const statusById = new Map(wanted.map((u) => [u.id, u.status]));
  for (const row of rows) {
    if (row.upgradeId === null) continue;
    const status = statusById.get(row.upgradeId);
    if (!result.has(row.upgradeId) && status && DECISION_EVENT_BY_STATUS[status] === row.type) {
      result.set(row.upgradeId, row);
    }
  }
  return result;
}

export interface EventFilters {
  repo?: string | undefined;
  type?: string | undefined;
  actor?: string | undefined;
}

/**
 * The audit log: events of every visible repository, newest first. `before` is the id of the
 * last event of the previous page; `nextBefore` is null on the last page.
 */
export async function listEvents(
  db: Db,
  input: { visibility: Visibility; filters?: EventFilters; limit?: number; before?: number | null },
): Promise<{ events: EventRow[]; nextBefore: number | null }> {
  const limit = clamp(input.limit ?? DEFAULT_EVENTS_LIMIT, 1, MAX_EVENTS_LIMIT);
  const { repo, type, actor } = input.filters ?? {};
  const visibility = input.visibility;
  // Repository events have no upgrade to tell whether the repository is public: anonymous
  // viewers see those of repositories with a public upgrade.
  const publicRepos = visibility.kind === "all" ? [] : await publicRepositories(db);
  const visibilityWhere =
    visibility.kind === "all"
      ? {}
      : visibility.kind === "public"
        ? { OR: [{ upgrade: { repositoryPrivate: false } }, { upgradeId: null, repository: { in: publicRepos } }] }
        : {
            OR: [
              { repository: { in: [...visibility.repos] } },
              { upgrade: { repositoryPrivate: false } },
              { upgradeId: null, repository: { in: publicRepos } },
            ],
          };
  const rows = await db.upgradeEvent.findMany({
    where: {
      ...visibilityWhere,
      ...(repo ? { repository: repo } : {}),
      ...(type ? { type } : {}),
      ...(actor ? { actor } : {}),
      ...(input.before ? { id: { lt: input.before } } : {}),
    },
    orderBy: { id: "desc" },
    take: limit + 1,
    select: eventSelect,
  });
  const events = rows.slice(0, limit);
  const last = events.at(-1);
  return { events, nextBefore: rows.length > limit && last ? last.id : null };
}

/** Repositories with at least one public upgrade (what an anonymous viewer may know exists). */
async function publicRepositories(db: Db): Promise<string[]> {
  const rows = await db.upgrade.findMany({ where: { repositoryPrivate: false }, distinct: ["repository"], select: { repository: true }, take: 1000 });
  return rows.map((r) => r.repository);
}

/** A repository's freeze, as the status page and queue.json show it. */
export interface FreezeRow {
  repository: string;
  reason: string | null;
  by: string;
  at: Date;
}

/** The frozen repositories a viewer can see, by name. */
export async function listFreezes(db: Db, visibility: Visibility, repo?: string): Promise<FreezeRow[]> {
  const rows = await db.repositoryState.findMany({
    where: { frozenAt: { not: null }, ...(repo ? { repository: repo } : {}) },
    orderBy: { repository: "asc" },
    take: MAX_PENDING,
    select: { repository: true, frozenBy: true, frozenReason: true, frozenAt: true },
  });
  const visible =
    visibility.kind === "all"
      ? rows
      : await (async () => {
          const open = new Set(await publicRepositories(db));
          return rows.filter((r) => open.has(r.repository) || (visibility.kind === "repos" && visibility.repos.includes(r.repository)));
        })();
  return visible.map((r) => ({ repository: r.repository, reason: r.frozenReason, by: r.frozenBy ?? "", at: r.frozenAt as Date }));
}

/** The number of pending upgrades a viewer can see. */
export async function pendingCount(db: Db, visibility: Visibility): Promise<number> {
  return db.upgrade.count({
    where: { ...upgradeVisibilityWhere(visibility), status: { in: [...PENDING_STATUSES] } },
  });
}

/** The number of upgrades in each state (every state present, zero when none). */
export async function countsByStatus(db: Db): Promise<Record<string, number>> {
  const groups = await db.upgrade.groupBy({ by: ["status"], _count: { _all: true } });
  const counts: Record<string, number> = Object.fromEntries(UPGRADE_STATUSES.map((s) => [s, 0]));
  for (const group of groups) counts[group.status] = group._count._all;
  return counts;
}

/** GitHub writes that saved transitions still owe (`PendingEffect`), and the oldest one's age. */
export async function pendingEffectStats(db: Db, now: Date): Promise<{ count: number; oldestSeconds: number }> {
  const [count, oldest] = await Promise.all([
    db.pendingEffect.count(),
    db.pendingEffect.findFirst({ orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
  ]);
  return { count, oldestSeconds: oldest ? Math.max(0, (now.getTime() - oldest.createdAt.getTime()) / 1000) : 0 };
}

/** A database round trip that proves the connection works. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}

function clamp(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.trunc(value)));
}
