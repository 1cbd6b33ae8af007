/**
 * The upgrade store in memory, with the Prisma store's semantics (store-ports.ts): rows are kept
 * in the database's shape (JSON as text) and read through the same toRecord(), every call is
 * atomic (JavaScript runs one call at a time between awaits, like a transaction), and a write
 * that would break a unique index throws as the database would. It answers in microseconds,
 * which is what lets the property suite run 100,000 histories (docs/verification.md).
 */
import type { Approval, RecordedEvent } from "../../domain/types.js";
import type { NewUpgrade, PendingEffectRow, SaveInput, UpgradeStore } from "../store-ports.js";
import { type UpgradeRecord, type UpgradeRow, patchToData, toRecord } from "../upgrade-record.js";
import { type MemoryTables, eventRow, upgradeRowOf } from "./tables.js";

const OPEN = ["proposed", "approved", "failed"];
const TERMINAL = ["rejected", "expired", "applied", "failed", "rolled_back"];

export function createMemoryUpgradeStore(t: MemoryTables): UpgradeStore {
  const load = (match: (row: UpgradeRow) => boolean): UpgradeRecord | null => {
    let found: UpgradeRow | null = null;
    for (const row of t.upgrades.values()) if (match(row) && (!found || row.id > found.id)) found = row;
    return found ? toRecord(withApprovals(found)) : null;
  };
  const withApprovals = (row: UpgradeRow): UpgradeRow => ({ ...row, approvals: t.approvals.filter((a) => a.upgradeId === row.id).map(({ login, sha, via, permission, at }) => ({ login, sha, via, permission, at })) });
  const touch = (row: UpgradeRow) => (row.updatedAt = t.clock());
  const effects = (ids: readonly number[]) => t.effects.filter((e) => ids.includes(e.id));
  /** The proposer's other recorded proposals: pending ones, and those proposed since `since`. */
  const budget = (repository: string, proposer: string, upgradeId: number, since: Date) => {
    const mine = [...t.upgrades.values()].filter((r) => r.repository === repository && r.proposedBy === proposer && r.id !== upgradeId);
    const proposedAt = (id: number) => t.events.filter((e) => e.upgradeId === id && e.type === "upgrade.proposed").map((e) => e.at);
    return {
      open: mine.filter((r) => (r.status === "proposed" || r.status === "approved") && proposedAt(r.id).length > 0).length,
      today: mine.filter((r) => proposedAt(r.id).some((at) => at >= since)).length,
    };
  };

  return {
    byId: async (id) => load((r) => r.id === id),
    byPull: async (repository, pullNumber) => load((r) => r.repository === repository && r.pullNumber === pullNumber),
    byRevertPull: async (repository, n) => load((r) => r.repository === repository && r.revertPullNumber === n),
    openByBranch: async (repository, branchName) => load((r) => r.repository === repository && r.branchName === branchName && OPEN.includes(r.status)),
    hasPull: async (repository, pullNumber) => [...t.upgrades.values()].some((r) => r.repository === repository && r.pullNumber === pullNumber),
    idsByHeadSha: async (repository, headSha) => [...t.upgrades.values()].filter((r) => r.repository === repository && r.headSha === headSha).map((r) => r.id),

    async create(data: NewUpgrade, events: RecordedEvent[], deliveryId: string | null) {
      const existing = load((r) => r.repository === data.repository && r.pullNumber === data.pullNumber);
      if (existing) return { record: existing, created: false };
      const id = ++t.ids.upgrade;
      t.upgrades.set(id, upgradeRowOf(id, data, t.clock()));
      for (const event of events) t.events.push(eventRow(++t.ids.event, id, data.repository, data.pullNumber, event, deliveryId, data.proposedAt));
      return { record: load((r) => r.id === id) as UpgradeRecord, created: true };
    },

    async save(record: UpgradeRecord, input: SaveInput) {
      const data = patchToData(input.patch);
      if (Object.keys(data).length === 0 && input.approvals.length === 0 && input.events.length === 0) return { owed: [] };
      if (input.urgentBudget || input.proposalBudget) {
        if (!t.repositories.has(record.repository)) t.repositories.set(record.repository, { installationId: record.installationId, lastReconciledAt: null });
      }
      if (input.proposalBudget) {
        const { proposer, since, maxOpen, maxPerDay } = input.proposalBudget;
        const used = budget(record.repository, proposer, record.id, since);
        if ((maxOpen > 0 && used.open >= maxOpen) || (maxPerDay > 0 && used.today >= maxPerDay)) return false;
      }
      if (input.urgentBudget) {
        const { since, max } = input.urgentBudget;
        const used = t.events.filter((e) => e.repository === record.repository && e.type === "upgrade.urgent_bypass" && e.at >= since).length;
        if (used >= max) return false;
      }
      const row = t.upgrades.get(record.id);
      if (!row || row.version !== record.version) return false;
      // Checked before anything is written: the transaction would roll back on this violation.
      for (const a of input.approvals) if (t.approvals.some((b) => b.upgradeId === record.id && b.login === a.login && b.sha === a.sha)) throw new Error(`Unique constraint failed on the fields: (upgradeId, login, sha)`);
      Object.assign(row, data, { version: row.version + 1 });
      touch(row);
      for (const a of input.approvals) t.approvals.push({ id: ++t.ids.approval, upgradeId: record.id, ...approvalFields(a) });
      for (const event of input.events) t.events.push(eventRow(++t.ids.event, record.id, record.repository, record.state.pullNumber, event, input.deliveryId, input.at));
      const owed: number[] = [];
      for (const effect of input.owed?.effects ?? []) {
        const id = ++t.ids.effect;
        t.effects.push({ id, upgradeId: record.id, kind: effect.kind, body: effect.kind === "comment" ? effect.body : null, status: input.owed!.status, createdAt: input.at, claimedUntil: input.owed!.ownedUntil, attempts: 0, lastError: null });
        owed.push(id);
      }
      return { owed };
    },

    owesClose: async (upgradeId) => t.effects.some((e) => e.upgradeId === upgradeId && e.kind === "close_pr"),
    async effectsDone(ids) {
      t.effects = t.effects.filter((e) => !ids.includes(e.id));
    },
    async releaseEffects(ids, now) {
      for (const e of effects(ids)) e.claimedUntil = now;
    },
    async claimOwedEffects(now, until, limit) {
      const claimed: PendingEffectRow[] = [];
      for (const e of t.effects.filter((e) => e.claimedUntil <= now).slice(0, limit)) {
        e.attempts += 1;
        e.claimedUntil = until(e.attempts);
        claimed.push({ id: e.id, upgradeId: e.upgradeId, kind: e.kind, body: e.body, status: e.status, createdAt: e.createdAt, attempts: e.attempts });
      }
      return claimed;
    },
    async effectFailed(ids, error) {
      for (const e of effects(ids)) e.lastError = error.slice(0, 2000);
    },

    async setCheckRunId(id, checkRunId) {
      const row = t.upgrades.get(id);
      if (row) {
        row.checkRunId = checkRunId;
        touch(row);
      }
    },
    async claimCheckRunCreation(id, sha, now) {
      const row = t.upgrades.get(id);
      if (!row) return false;
      const value = row.checkRunId;
      if (value?.endsWith(`@${sha}`)) {
        if (!value.startsWith("pending:")) return false;
        if (now - Number(value.slice("pending:".length, value.indexOf("@"))) < 60_000) return false;
      }
      row.checkRunId = `pending:${now}@${sha}`;
      touch(row);
      return true;
    },

    async recordConfigProblem(record, error) {
      const last = [...t.events].reverse().find((e) => e.upgradeId === record.id && e.type === "upgrade.config_invalid");
      if (last && (JSON.parse(last.details) as { error?: string }).error === error) return false;
      const event: RecordedEvent = { type: "upgrade.config_invalid", actor: "upgrade-queue", via: "check", details: { error } };
      t.events.push(eventRow(++t.ids.event, record.id, record.repository, record.state.pullNumber, event, null, t.clock()));
      return true;
    },
    hasProposal: async (upgradeId) => t.events.some((e) => e.upgradeId === upgradeId && e.type === "upgrade.proposed"),
    eventsOfDelivery: async (upgradeId, deliveryId) => t.events.filter((e) => e.upgradeId === upgradeId && e.deliveryId === deliveryId).map(({ type, details }) => ({ type, details })),
    countUrgentBypasses: async (repository, since) => t.events.filter((e) => e.repository === repository && e.type === "upgrade.urgent_bypass" && e.at >= since).length,
    budgetUse: async (repository, proposer, upgradeId, since) => budget(repository, proposer, upgradeId, since),
    freezeOf: async (repository) => t.repositories.get(repository)?.frozen ?? null,
    async setFreeze({ repository, installationId, frozen, actor, reason, via, at, deliveryId }) {
      const state = t.repositories.get(repository) ?? { installationId, lastReconciledAt: null };
      t.repositories.set(repository, { ...state, installationId });
      if (Boolean(state.frozen) === frozen) return false;
      t.repositories.set(repository, { ...state, installationId, frozen: frozen ? { by: actor, reason, at } : null });
      const event: RecordedEvent = { type: frozen ? "repository.frozen" : "repository.unfrozen", actor, via, details: frozen ? { reason } : {} } as unknown as RecordedEvent;
      t.events.push({ ...eventRow(++t.ids.event, 0, repository, 0, event, deliveryId, at), upgradeId: null, pullNumber: null });
      return true;
    },
    async openUpgradeIds(repository) {
      const rows = [...t.upgrades.values()].filter((r) => r.repository === repository && OPEN.includes(r.status));
      return rows.sort((a, b) => a.proposedAt.getTime() - b.proposedAt.getTime() || a.id - b.id).slice(0, 500).map((r) => r.id);
    },
    installationOf: async (repository) => t.repositories.get(repository)?.installationId ?? load((r) => r.repository === repository)?.installationId ?? null,
    hasObjection: async (upgradeId) => t.events.some((e) => e.upgradeId === upgradeId && (e.type === "upgrade.rejected" || e.type === "upgrade.changes_requested")),

    async dueForTimers(limit) {
      const rows = [...t.upgrades.values()].filter((r) => r.status === "proposed").sort((a, b) => a.proposedAt.getTime() - b.proposedAt.getTime());
      return rows.slice(0, limit).map(({ id, installationId, repository }) => ({ id, installationId, repository }));
    },
    async staleMergeClaims(before) {
      const rows = [...t.upgrades.values()].filter((r) => r.status === "approved" && r.mergeClaimSha !== null && r.queuedSha === null && r.mergeClaimedAt instanceof Date && r.mergeClaimedAt < before);
      return rows.slice(0, 100).map(({ id, installationId, repository, pullNumber, mergeClaimSha, mergeClaimedAt }) => ({ id, installationId, repository, pullNumber, sha: mergeClaimSha as string, claimedAt: mergeClaimedAt instanceof Date ? mergeClaimedAt : null }));
    },
    async pruneTerminal(repository, before) {
      const doomed = [...t.upgrades.values()].filter((r) => r.repository === repository && TERMINAL.includes(r.status) && r.updatedAt < before).map((r) => r.id);
      for (const id of doomed) t.upgrades.delete(id);
      // The rows that reference a deleted upgrade go with it (onDelete: Cascade).
      t.approvals = t.approvals.filter((a) => !doomed.includes(a.upgradeId));
      t.events = t.events.filter((e) => e.upgradeId === null || !doomed.includes(e.upgradeId));
      t.effects = t.effects.filter((e) => !doomed.includes(e.upgradeId));
      return doomed.length;
    },

    lastReconciled: async (repository) => t.repositories.get(repository)?.lastReconciledAt ?? null,
    async markReconciled(repository, installationId, at) {
      t.repositories.set(repository, { installationId, lastReconciledAt: at });
    },
    async repositoriesWithUpgrades() {
      const seen = new Map<string, number>();
      for (const r of t.upgrades.values()) if (!seen.has(r.repository)) seen.set(r.repository, r.installationId);
      return [...seen].map(([repository, installationId]) => ({ repository, installationId }));
    },
  };
}

function approvalFields(a: Approval) {
  return { login: a.login, sha: a.sha, via: a.via as string, permission: a.permission as string | null, at: a.at };
}
