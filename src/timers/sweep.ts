/**
 * The periodic sweep: finishes stored deliveries that were never processed, gives every
 * undecided upgrade a `tick` (expiry, auto-approval, urgent bypass), recovers lapsed merge
 * claims, does GitHub writes that failed passes still owe, and prunes old history.
 * Every replica may run it at once: each tick is a conditional transition like any other, so
 * an upgrade expires once however many replicas sweep.
 */
import { applyInput, applyInputs } from "../pipeline/apply-input.js";
import type { DeliveryProcessor } from "../pipeline/delivery-processor.js";
import type { PipelineDeps } from "../pipeline/deps.js";
import { deliverOwedEffects } from "../pipeline/owed-effects.js";
import { splitRepository } from "../github/port.js";

const DAY_MS = 24 * 3_600_000;
const SWEEP_BATCH = 500;
/** Processed deliveries are kept this long, so GitHub's redeliveries are still recognised. */
const DELIVERY_RETENTION_MS = 7 * DAY_MS;

export interface SweepResult {
  resumed: number;
  ticked: number;
  /** Owed GitHub writes done for transitions whose pass failed after saving. */
  owed: number;
  pruned: number;
}

export async function sweep(deps: PipelineDeps, processor: DeliveryProcessor): Promise<SweepResult> {
  const resumed = await processor.resume();
  let ticked = 0;
  for (const upgrade of await deps.store.dueForTimers(SWEEP_BATCH)) {
    try {
      if (await alreadyReportedInvalidConfig(deps, upgrade)) continue;
      await applyInput(deps, upgrade.id, { kind: "tick", via: "timer" }, { deliveryId: null });
      ticked++;
    } catch (error) {
      deps.log.error({ err: error, upgradeId: upgrade.id }, "timer tick failed");
    }
  }
  await recoverMergeClaims(deps);
  const owed = await deliverOwedEffects(deps).catch((error: unknown) => {
    deps.log.error({ err: error }, "doing owed effects failed");
    return 0;
  });
  const pruned = await prune(deps);
  return { resumed, ticked, owed, pruned };
}

/** Per pipeline: the invalid-config error each upgrade's tick has already reported, by upgrade id. */
const reportedConfigProblems = new WeakMap<PipelineDeps, Map<number, string>>();

/**
 * An invalid config stops the timers of its repository (CONTRACT §4: no action until it is
 * fixed). A tick reports the problem once (check run, and a PR comment per distinct problem);
 * without this, every sweep would rewrite the same check run of every proposed upgrade there,
 * spending the installation's rate limit once a minute per upgrade.
 */
async function alreadyReportedInvalidConfig(deps: PipelineDeps, upgrade: { id: number; installationId: number; repository: string }): Promise<boolean> {
  const port = await deps.github(upgrade.installationId);
  const result = await deps.configs.get(upgrade.repository, port, splitRepository(upgrade.repository));
  let reported = reportedConfigProblems.get(deps);
  if (!reported) reportedConfigProblems.set(deps, (reported = new Map()));
  if (result.ok) {
    reported.delete(upgrade.id);
    return false;
  }
  if (reported.get(upgrade.id) === result.error) return true;
  reported.set(upgrade.id, result.error); // the tick below reports it
  return false;
}

/** A merge claimed this long ago and still unrecorded belongs to a replica that died. */
export const MERGE_CLAIM_LAPSE_MS = 10 * 60_000;

/**
 * Finishes merges whose replica died after claiming them: if GitHub merged the PR, it is
 * recorded as applied (never merged again); if GitHub's merge queue has it (the replica died
 * after enqueueing), that is recorded and nothing is enqueued again; if the queue took it and
 * removed it since the claim, it fails with GitHub's reason; otherwise the merge is claimed
 * afresh. Claims the queue is known to hold are not listed: GitHub merges or removes them in
 * its own time, and their deliveries (or reconciliation) say which.
 */
async function recoverMergeClaims(deps: PipelineDeps): Promise<void> {
  const before = new Date(deps.now().getTime() - MERGE_CLAIM_LAPSE_MS);
  for (const claim of await deps.store.staleMergeClaims(before)) {
    try {
      const port = await deps.github(claim.installationId);
      const repo = splitRepository(claim.repository);
      const pull = await port.readPull(repo, claim.pullNumber);
      if (pull.merged) {
        const previousSha = pull.mergeCommitSha ? await port.firstParent(repo, pull.mergeCommitSha) : null;
        await applyInput(deps, claim.id, { kind: "merge_succeeded", mergeCommitSha: pull.mergeCommitSha ?? "", previousSha: previousSha ?? "" }, { deliveryId: null });
      } else if (pull.mergeQueue.queued && pull.headSha === claim.sha) {
        await applyInput(deps, claim.id, { kind: "merge_enqueued", sha: claim.sha, position: pull.mergeQueue.position, via: "timer" }, { deliveryId: null });
      } else if (removedSince(pull.mergeQueue.lastRemoval, claim.claimedAt) && pull.headSha === claim.sha) {
        const removal = pull.mergeQueue.lastRemoval;
        await applyInputs(
          deps,
          claim.id,
          [
            { kind: "merge_enqueued", sha: claim.sha, position: null, via: "timer" },
            { kind: "merge_dequeued", sha: claim.sha, reason: removal?.reason ?? null, actor: removal?.actor ?? null, via: "timer" },
          ],
          { deliveryId: null },
        );
      } else {
        await applyInput(deps, claim.id, { kind: "merge_claim_lapsed", via: "timer" }, { deliveryId: null });
      }
    } catch (error) {
      deps.log.warn({ err: error, upgradeId: claim.id }, "recovering a merge claim failed");
    }
  }
}

/** The PR left the merge queue after the claim was made (GitHub's clock, to the second). */
function removedSince(removal: { at: string } | null, claimedAt: Date | null): boolean {
  return removal !== null && claimedAt !== null && Date.parse(removal.at) >= Math.floor(claimedAt.getTime() / 1000) * 1000;
}

async function prune(deps: PipelineDeps): Promise<number> {
  const now = deps.now().getTime();
  let pruned = 0;
  for (const { repository, installationId } of await deps.store.repositoriesWithUpgrades()) {
    try {
      const port = await deps.github(installationId);
      const config = await deps.configs.get(repository, port, splitRepository(repository));
      if (!config.ok || config.config.retentionDays === 0) continue;
      pruned += await deps.store.pruneTerminal(repository, new Date(now - config.config.retentionDays * DAY_MS));
    } catch (error) {
      deps.log.warn({ err: error, repository }, "pruning skipped");
    }
  }
  await deps.deliveries.pruneProcessed(new Date(now - DELIVERY_RETENTION_MS));
  return pruned;
}
