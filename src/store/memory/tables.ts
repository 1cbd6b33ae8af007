/** The memory stores' tables: the Prisma models' rows as plain objects (prisma/models.prisma). */
import type { RecordedEvent } from "../../domain/types.js";
import type { NewUpgrade } from "../store-ports.js";
import type { UpgradeRow } from "../upgrade-record.js";

export interface EventRow {
  id: number;
  /** Null for repository events (`repository.frozen`, ...). */
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

export interface EffectRow {
  id: number;
  upgradeId: number;
  kind: string;
  body: string | null;
  status: string;
  createdAt: Date;
  claimedUntil: Date;
  attempts: number;
  lastError: string | null;
}

export interface DeliveryRow {
  id: string;
  event: string;
  installationId: number | null;
  payload: string;
  receivedAt: Date;
  claimedUntil: Date | null;
  attempts: number;
  processedAt: Date | null;
  error: string | null;
}

/** An Upgrade row; columns the pipeline never reads back (description, diffPreview, ...) ride along. */
export type MemoryUpgradeRow = UpgradeRow & Record<string, unknown>;

export interface MemoryTables {
  /** What `@updatedAt` and other database-side timestamps read. */
  clock: () => Date;
  ids: { upgrade: number; approval: number; event: number; effect: number };
  upgrades: Map<number, MemoryUpgradeRow>;
  approvals: Array<{ id: number; upgradeId: number; login: string; sha: string; via: string; permission: string | null; at: Date }>;
  events: EventRow[];
  effects: EffectRow[];
  deliveries: Map<string, DeliveryRow>;
  repositories: Map<string, { installationId: number; lastReconciledAt: Date | null; frozen?: { by: string; reason: string | null; at: Date } | null }>;
}

export function createMemoryTables(clock: () => Date = () => new Date()): MemoryTables {
  return {
    clock,
    ids: { upgrade: 0, approval: 0, event: 0, effect: 0 },
    upgrades: new Map(),
    approvals: [],
    events: [],
    effects: [],
    deliveries: new Map(),
    repositories: new Map(),
  };
}

export function upgradeRowOf(id: number, data: NewUpgrade, now: Date): MemoryUpgradeRow {
  const { files, ...rest } = data;
  return {
    ...rest,
    id,
    status: "proposed",
    filesChanged: JSON.stringify(files),
    nonApprovers: JSON.stringify(data.nonApprovers),
    approvedSha: null,
    approvedBy: "[]",
    testResults: null,
    errorMessage: null,
    bypassed: false,
    mergeClaimSha: null,
    mergeClaimedAt: null,
    queuedSha: null,
    previousSha: null,
    mergeCommitSha: null,
    rollbackSha: null,
    revertPullNumber: null,
    checkRunId: null,
    weakened: null,
    updatedAt: now,
    version: 0,
    approvals: [],
  };
}

export function eventRow(id: number, upgradeId: number, repository: string, pullNumber: number, event: RecordedEvent, deliveryId: string | null, at: Date): EventRow {
  return { id, upgradeId, repository, pullNumber, type: event.type, actor: event.actor, via: event.via, at, deliveryId, details: JSON.stringify(event.details) };
}
