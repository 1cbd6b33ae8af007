/**
 * Freezing and unfreezing a repository (CONTRACT §2 "Frozen repositories"), whether from a
 * `/freeze` comment (the `set_freeze` effect of a decision) or the status page's buttons. The
 * freeze is a row in the database, so it holds across restarts and replicas; every decision
 * reads it, and the merge reads it again right before calling GitHub.
 */
import type { Via } from "../domain/types.js";
import { applyInput } from "./apply-input.js";
import type { PipelineDeps } from "./deps.js";

export interface FreezeChange {
  repository: string;
  installationId: number;
  frozen: boolean;
  actor: string;
  reason: string | null;
  via: Via;
  deliveryId: string | null;
}

/** Records the freeze (or its end) once, however many ask at once. True when it changed. */
export async function setFreeze(deps: PipelineDeps, change: FreezeChange): Promise<boolean> {
  const changed = await deps.store.setFreeze({ ...change, at: deps.now() });
  deps.log.info({ repository: change.repository, frozen: change.frozen, actor: change.actor, changed }, change.frozen ? "repository frozen" : "repository unfrozen");
  return changed;
}

/**
 * After a freeze or unfreeze: every open upgrade's check run shows it, and, unfrozen, approved
 * green upgrades merge one at a time in proposal order (each pass finishes, merge included,
 * before the next starts; one whose merge the previous one's made conflict fails as usual).
 */
export async function afterFreezeChange(deps: PipelineDeps, repository: string, via: Via, deliveryId: string | null): Promise<void> {
  for (const id of await deps.store.openUpgradeIds(repository)) {
    try {
      await applyInput(deps, id, { kind: "freeze_changed", via }, { deliveryId });
    } catch (error) {
      // One upgrade GitHub would not take must not keep the rest waiting.
      deps.log.warn({ err: error, upgradeId: id, repository }, "re-evaluating an upgrade after a freeze change failed");
    }
  }
}
