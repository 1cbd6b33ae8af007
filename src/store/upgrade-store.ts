/**
 * The pipeline's repository for upgrades: load, create, and save a transition as one
 * conditional update on the upgrade's version (so no transition is applied twice, on any
 * replica), together with its approvals and events (the append-only history).
 */
import type { Freeze, RecordedEvent, Via } from "../domain/types.js";
import type { NewUpgrade, PendingEffectRow, SaveInput, StaleMergeClaim, UpgradeStore } from "./store-ports.js";
import type { Db } from "./prisma-client.js";
import { type UpgradeRecord, type UpgradeRow, patchToData, toRecord, upgradeSelect } from "./upgrade-record.js";
import { createWriteLock } from "./write-lock.js";

export type { NewUpgrade, OwedEffect, PendingEffectRow, SaveInput, UpgradeStore } from "./store-ports.js";

/**
 * Prisma waits 2 s by default for a connection to start a transaction: a busy replica (40
 * deliveries at once on a loaded machine) missed that, and the delivery had to wait for its retry.
 */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

export function createUpgradeStore(db: Db, options: { serialiseWrites: boolean }): UpgradeStore {
  const lock = createWriteLock(options.serialiseWrites);

  async function load(where: Record<string, unknown>): Promise<UpgradeRecord | null> {
    const row = (await db.upgrade.findFirst({ where, select: upgradeSelect, orderBy: { id: "desc" } })) as UpgradeRow | null;
    return row ? toRecord(row) : null;
  }

  return {
    byId: (id: number) => load({ id }),
    byPull: (repository: string, pullNumber: number) => load({ repository, pullNumber }),
    byRevertPull: (repository: string, revertPullNumber: number) => load({ repository, revertPullNumber }),
    openByBranch: (repository: string, branchName: string) =>
      load({ repository, branchName, status: { in: ["proposed", "approved", "failed"] } }),

    /** Whether the PR is an upgrade's (one indexed lookup, for relevance checks). */
    async hasPull(repository: string, pullNumber: number): Promise<boolean> {
      return (await db.upgrade.findUnique({ where: { repository_pullNumber: { repository, pullNumber } }, select: { id: true } })) !== null;
    },

    async idsByHeadSha(repository: string, headSha: string): Promise<number[]> {
      const rows = await db.upgrade.findMany({ where: { repository, headSha }, select: { id: true } });
      return rows.map((r) => r.id);
    },

    /** Creates the upgrade with its `upgrade.proposed` history; an existing one for the PR wins. */
    async create(data: NewUpgrade, events: RecordedEvent[], deliveryId: string | null): Promise<{ record: UpgradeRecord; created: boolean }> {
      const existing = await load({ repository: data.repository, pullNumber: data.pullNumber });
      if (existing) return { record: existing, created: false };
      try {
        const id = await lock(() =>
          db.$transaction(async (tx) => {
            const { files, ...rest } = data;
            const row = await tx.upgrade.create({
              data: {
                ...rest,
                status: "proposed",
                filesChanged: JSON.stringify(files),
                nonApprovers: JSON.stringify(data.nonApprovers),
              },
              select: { id: true },
            });
            await tx.upgradeEvent.createMany({
              data: events.map((event) => eventRow(row.id, data.repository, data.pullNumber, event, deliveryId, data.proposedAt)),
            });
            return row.id;
          }, TRANSACTION_OPTIONS),
        );
        return { record: (await load({ id })) as UpgradeRecord, created: true };
      } catch (error) {
        // Another replica (or a racing delivery) created it first: theirs is the upgrade.
        const raced = await load({ repository: data.repository, pullNumber: data.pullNumber });
        if (raced) return { record: raced, created: false };
        throw error;
      }
    },

    /**
     * Applies a decision if nobody else changed the upgrade since it was loaded. Returns false
     * when the version moved on (the caller reloads and decides again), else the ids of the
     * owed effects it stored, in order (none when the decision wrote nothing: a retry of such
     * a decision derives its effects again).
     */
    async save(record: UpgradeRecord, input: SaveInput): Promise<{ owed: number[] } | false> {
      const data = patchToData(input.patch);
      if (Object.keys(data).length === 0 && input.approvals.length === 0 && input.events.length === 0) return { owed: [] };
      return lock(() =>
        db.$transaction(async (tx) => {
          if (input.urgentBudget || input.proposalBudget) {
            await tx.repositoryState.upsert({
              where: { repository: record.repository },
              create: { repository: record.repository, installationId: record.installationId },
              update: { installationId: record.installationId },
            });
          }
          if (input.urgentBudget) {
            const used = await tx.upgradeEvent.count({ where: { repository: record.repository, type: "upgrade.urgent_bypass", at: { gte: input.urgentBudget.since } } });
            if (used >= input.urgentBudget.max) return false;
          }
          if (input.proposalBudget) {
            const { proposer, since, maxOpen, maxPerDay } = input.proposalBudget;
            const used = await countBudget(tx as unknown as Db, record.repository, proposer, record.id, since);
            if ((maxOpen > 0 && used.open >= maxOpen) || (maxPerDay > 0 && used.today >= maxPerDay)) return false;
          }
          const updated = await tx.upgrade.updateMany({
            where: { id: record.id, version: record.version },
            data: { ...data, version: { increment: 1 } },
          });
          if (updated.count === 0) return false;
          for (const approval of input.approvals) {
            await tx.approval.create({
              data: { upgradeId: record.id, login: approval.login, sha: approval.sha, via: approval.via, permission: approval.permission, at: approval.at },
            });
          }
          if (input.events.length > 0) {
            await tx.upgradeEvent.createMany({
              data: input.events.map((event) => eventRow(record.id, record.repository, record.state.pullNumber, event, input.deliveryId, input.at)),
            });
          }
          const owed: number[] = [];
          for (const effect of input.owed?.effects ?? []) {
            const row = await tx.pendingEffect.create({
              data: {
                upgradeId: record.id,
                kind: effect.kind,
                body: effect.kind === "comment" ? effect.body : null,
                status: input.owed!.status,
                createdAt: input.at,
                claimedUntil: input.owed!.ownedUntil,
              },
              select: { id: true },
            });
            owed.push(row.id);
          }
          return { owed };
        }, TRANSACTION_OPTIONS),
      );
    },

    /** The owed effects `ids` were done on GitHub. */
    async owesClose(upgradeId: number): Promise<boolean> {
      return (await db.pendingEffect.findFirst({ where: { upgradeId, kind: "close_pr" }, select: { id: true } })) !== null;
    },

    async effectsDone(ids: readonly number[]): Promise<void> {
      if (ids.length === 0) return;
      await lock(() => db.pendingEffect.deleteMany({ where: { id: { in: [...ids] } } }));
    },

    /** The pass that owns `ids` failed: the sweep may take them over at once. */
    async releaseEffects(ids: readonly number[], now: Date): Promise<void> {
      if (ids.length === 0) return;
      await lock(() => db.pendingEffect.updateMany({ where: { id: { in: [...ids] } }, data: { claimedUntil: now } }));
    },

    /**
     * Claims owed effects nobody owns any more (their pass failed or died) until `until(attempts)`,
     * each with a compare-and-set on its claim so one replica takes each.
     */
    async claimOwedEffects(now: Date, until: (attempts: number) => Date, limit: number): Promise<PendingEffectRow[]> {
      const due = await db.pendingEffect.findMany({
        where: { claimedUntil: { lte: now } },
        select: { id: true, upgradeId: true, kind: true, body: true, status: true, createdAt: true, attempts: true, claimedUntil: true },
        orderBy: { id: "asc" },
        take: limit,
      });
      const claimed: PendingEffectRow[] = [];
      for (const { claimedUntil, ...row } of due) {
        const attempts = row.attempts + 1;
        const won = await lock(() => db.pendingEffect.updateMany({ where: { id: row.id, claimedUntil }, data: { claimedUntil: until(attempts), attempts } }));
        if (won.count === 1) claimed.push({ ...row, attempts });
      }
      return claimed;
    },

    async effectFailed(ids: readonly number[], error: string): Promise<void> {
      if (ids.length === 0) return;
      await lock(() => db.pendingEffect.updateMany({ where: { id: { in: [...ids] } }, data: { lastError: error.slice(0, 2000) } }));
    },

    /** Remembers the app's check run; not a transition, so no version change. */
    async setCheckRunId(id: number, checkRunId: string): Promise<void> {
      await lock(() => db.upgrade.updateMany({ where: { id }, data: { checkRunId } }));
    },

    /**
     * Claims the creation of the check run for head `sha` (compare-and-set on `checkRunId`), so
     * two passes on any replicas never create two. A claim whose creator died lapses after a minute.
     */
    async claimCheckRunCreation(id: number, sha: string, now: number): Promise<boolean> {
      const row = await db.upgrade.findUnique({ where: { id }, select: { checkRunId: true } });
      const value = row?.checkRunId ?? null;
      if (value?.endsWith(`@${sha}`)) {
        if (!value.startsWith("pending:")) return false;
        if (now - Number(value.slice("pending:".length, value.indexOf("@"))) < 60_000) return false;
      }
      const claimed = await lock(() => db.upgrade.updateMany({ where: { id, checkRunId: value }, data: { checkRunId: `pending:${now}@${sha}` } }));
      return claimed.count === 1;
    },

    /** Appends `upgrade.config_invalid` unless the latest one says the same; true when appended. */
    async recordConfigProblem(record: UpgradeRecord, error: string): Promise<boolean> {
      const last = await db.upgradeEvent.findFirst({
        where: { upgradeId: record.id, type: "upgrade.config_invalid" },
        orderBy: { id: "desc" },
        select: { details: true },
      });
      if (last && (JSON.parse(last.details) as { error?: string }).error === error) return false;
      await lock(() =>
        db.upgradeEvent.create({
          data: eventRow(record.id, record.repository, record.state.pullNumber, { type: "upgrade.config_invalid", actor: "upgrade-queue", via: "check", details: { error } }, null, new Date()),
        }),
      );
      return true;
    },

    /** Whether `upgrade.proposed` is in the history (a crash may fall between creating and proposing). */
    async hasProposal(upgradeId: number): Promise<boolean> {
      return (await db.upgradeEvent.findFirst({ where: { upgradeId, type: "upgrade.proposed" }, select: { id: true } })) !== null;
    },

    eventsOfDelivery: (upgradeId: number, deliveryId: string) =>
      db.upgradeEvent.findMany({ where: { upgradeId, deliveryId }, select: { type: true, details: true }, orderBy: { id: "asc" } }),

    /** Upgrade bypasses granted in a repository since `since` (the urgent budget). */
    countUrgentBypasses: (repository: string, since: Date) =>
      db.upgradeEvent.count({ where: { repository, type: "upgrade.urgent_bypass", at: { gte: since } } }),

    /** The proposer's other recorded proposals: pending ones, and those of the last 24 hours (`since`). */
    budgetUse: (repository: string, proposer: string, upgradeId: number, since: Date) => countBudget(db, repository, proposer, upgradeId, since),

    /** The repository's freeze, or null when it is not frozen. */
    async freezeOf(repository: string): Promise<Freeze | null> {
      const row = await db.repositoryState.findUnique({ where: { repository }, select: { frozenBy: true, frozenReason: true, frozenAt: true } });
      return row?.frozenAt ? { by: row.frozenBy ?? "", reason: row.frozenReason, at: row.frozenAt } : null;
    },

    /**
     * Freezes or unfreezes a repository with its `repository.frozen`/`repository.unfrozen` event,
     * only if it is not already so (a compare-and-set: two freezes at once record one). True when
     * it changed.
     */
    async setFreeze(change: { repository: string; installationId: number; frozen: boolean; actor: string; reason: string | null; via: Via; at: Date; deliveryId: string | null }): Promise<boolean> {
      const { repository, installationId, frozen, actor, reason, via, at, deliveryId } = change;
      return lock(() =>
        db.$transaction(async (tx) => {
          await tx.repositoryState.upsert({ where: { repository }, create: { repository, installationId }, update: { installationId } });
          const updated = await tx.repositoryState.updateMany({
            where: { repository, frozenAt: frozen ? null : { not: null } },
            data: frozen ? { frozenAt: at, frozenBy: actor, frozenReason: reason } : { frozenAt: null, frozenBy: null, frozenReason: null },
          });
          if (updated.count === 0) return false;
          await tx.upgradeEvent.create({
            data: { upgradeId: null, repository, pullNumber: null, type: frozen ? "repository.frozen" : "repository.unfrozen", actor, via, at, deliveryId, details: JSON.stringify(frozen ? { reason } : {}) },
          });
          return true;
        }),
      );
    },

    /** The repository's open upgrades (undecided, approved or failed), in proposal order. */
    async openUpgradeIds(repository: string): Promise<number[]> {
      const rows = await db.upgrade.findMany({
        where: { repository, status: { in: ["proposed", "approved", "failed"] } },
        orderBy: [{ proposedAt: "asc" }, { id: "asc" }],
        select: { id: true },
        take: 500,
      });
      return rows.map((r) => r.id);
    },

    /** Where an installation of the repository is known (a freeze from the status page needs one). */
    async installationOf(repository: string): Promise<number | null> {
      const state = await db.repositoryState.findUnique({ where: { repository }, select: { installationId: true } });
      if (state) return state.installationId;
      const upgrade = await db.upgrade.findFirst({ where: { repository }, select: { installationId: true }, orderBy: { id: "desc" } });
      return upgrade?.installationId ?? null;
    },

    /** Any rejection or changes-requested review in the history (blocks auto-approval). */
    async hasObjection(upgradeId: number): Promise<boolean> {
      const found = await db.upgradeEvent.findFirst({
        where: { upgradeId, type: { in: ["upgrade.rejected", "upgrade.changes_requested"] } },
        select: { id: true },
      });
      return found !== null;
    },

    /** Upgrades a timer may act on: the undecided ones (expiry, auto-approval, urgent bypass). */
    async dueForTimers(limit: number): Promise<Array<{ id: number; installationId: number; repository: string }>> {
      return db.upgrade.findMany({
        where: { status: "proposed" },
        select: { id: true, installationId: true, repository: true },
        orderBy: { proposedAt: "asc" },
        take: limit,
      });
    },

    /** Approved upgrades whose merge was claimed before `before` and never recorded. */
    async staleMergeClaims(before: Date): Promise<StaleMergeClaim[]> {
      // A claim GitHub's merge queue holds (`queuedSha`) is not stale: the queue merges in its own time.
      const rows = await db.upgrade.findMany({
        where: { status: "approved", mergeClaimSha: { not: null }, queuedSha: null, mergeClaimedAt: { lt: before } },
        select: { id: true, installationId: true, repository: true, pullNumber: true, mergeClaimSha: true, mergeClaimedAt: true },
        take: 100,
      });
      return rows.map(({ mergeClaimSha, mergeClaimedAt, ...row }) => ({ ...row, sha: mergeClaimSha as string, claimedAt: mergeClaimedAt }));
    },

    /** Deletes whole terminal upgrades (with their history) last changed before `before`. */
    async pruneTerminal(repository: string, before: Date): Promise<number> {
      return lock(async () => {
        const result = await db.upgrade.deleteMany({
          where: { repository, status: { in: ["rejected", "expired", "applied", "failed", "rolled_back"] }, updatedAt: { lt: before } },
        });
        return result.count;
      });
    },

    async lastReconciled(repository: string): Promise<Date | null> {
      const row = await db.repositoryState.findUnique({ where: { repository }, select: { lastReconciledAt: true } });
      return row?.lastReconciledAt ?? null;
    },

    async markReconciled(repository: string, installationId: number, at: Date): Promise<void> {
      await lock(() =>
        db.repositoryState.upsert({ where: { repository }, create: { repository, installationId, lastReconciledAt: at }, update: { lastReconciledAt: at, installationId } }),
      );
    },

    async repositoriesWithUpgrades(): Promise<Array<{ repository: string; installationId: number }>> {
      const rows = await db.upgrade.findMany({ distinct: ["repository"], select: { repository: true, installationId: true } });
      return rows;
    },
  };
}

/**
 * Budget use of `proposer` besides upgrade `upgradeId`: only proposals already recorded count
 * (an upgrade row whose proposal is still being decided is not yet one), so of two proposals
 * decided at once under the repository lock the first passes and the second sees it.
 */
async function countBudget(db: Db, repository: string, proposer: string, upgradeId: number, since: Date): Promise<{ open: number; today: number }> {
  const mine = { repository, proposedBy: proposer, id: { not: upgradeId } };
  const [open, today] = await Promise.all([
    db.upgrade.count({ where: { ...mine, status: { in: ["proposed", "approved"] }, events: { some: { type: "upgrade.proposed" } } } }),
    db.upgrade.count({ where: { ...mine, events: { some: { type: "upgrade.proposed", at: { gte: since } } } } }),
  ]);
  return { open, today };
}

function eventRow(upgradeId: number, repository: string, pullNumber: number, event: RecordedEvent, deliveryId: string | null, at: Date) {
  return {
    upgradeId,
    repository,
    pullNumber,
    type: event.type,
    actor: event.actor,
    via: event.via,
    at,
    deliveryId,
    details: JSON.stringify(event.details),
  };
}
