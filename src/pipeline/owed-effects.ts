/**
 * Does the GitHub writes that saved transitions still owe because their pass failed after
 * saving (GitHub down, the database timing out) or its process died: the comment, closing the
 * PR, deleting the branch. Run by the sweep on every replica; each owed effect is claimed by
 * one. The state-derived parts (the label, the check run) are brought up to date as well, as
 * the failed pass may not have got to them.
 */
import { splitRepository } from "../github/port.js";
import type { PendingEffectRow } from "../store/upgrade-store.js";
import { oneAtATime, showStateLabel, syncCheckRun } from "./apply-input.js";
import { mayDeleteBranch } from "./present.js";
import type { PipelineDeps } from "./deps.js";

const BATCH = 100;
/** After this many failed attempts (about a day and a half of backoff) an owed effect is dropped, loudly. */
export const MAX_EFFECT_ATTEMPTS = 12;
/** A comment posted this long before its row was written still counts as posted (clock skew). */
const POSTED_SLACK_MS = 60_000;

/** Backoff for a claimed effect: 1, 2, 4 … minutes, at most an hour. */
function claimUntil(now: Date) {
  return (attempts: number) => new Date(now.getTime() + Math.min(60, 2 ** (attempts - 1)) * 60_000);
}

export async function deliverOwedEffects(deps: PipelineDeps): Promise<number> {
  const now = deps.now();
  const claimed = await deps.store.claimOwedEffects(now, claimUntil(now), BATCH);
  const byUpgrade = new Map<number, PendingEffectRow[]>();
  for (const row of claimed) byUpgrade.set(row.upgradeId, [...(byUpgrade.get(row.upgradeId) ?? []), row]);
  let delivered = 0;
  for (const [upgradeId, rows] of byUpgrade) {
    try {
      await oneAtATime(deps, upgradeId, () => deliver(deps, upgradeId, rows));
      delivered += rows.length;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const exhausted = rows.filter((r) => r.attempts >= MAX_EFFECT_ATTEMPTS);
      if (exhausted.length > 0) {
        deps.log.error({ err: error, upgradeId, effects: exhausted.map((r) => ({ kind: r.kind, body: r.body })) }, "gave up on effects a transition owed to GitHub");
        await deps.store.effectsDone(exhausted.map((r) => r.id));
      } else {
        deps.log.warn({ err: error, upgradeId }, "doing owed effects failed; they will be retried");
      }
      await deps.store.effectFailed(rows.filter((r) => r.attempts < MAX_EFFECT_ATTEMPTS).map((r) => r.id), message);
    }
  }
  return delivered;
}

async function deliver(deps: PipelineDeps, upgradeId: number, rows: PendingEffectRow[]): Promise<void> {
  const record = await deps.store.byId(upgradeId);
  if (!record) return deps.store.effectsDone(rows.map((r) => r.id)); // pruned meanwhile
  const repo = splitRepository(record.repository);
  const n = record.state.pullNumber;
  const port = await deps.github(record.installationId);
  const pull = await port.readPull(repo, n);

  const shown = await showStateLabel(deps, port, repo, record, pull.labels);
  const config = await deps.configs.get(record.repository, port, repo);
  if (config.ok) await syncCheckRun(deps, port, repo, shown, config.config);

  const comments = rows.filter((r) => r.kind === "comment" && r.body);
  if (comments.length > 0) {
    // The failed pass may have posted before it failed: never say the same thing twice.
    const since = new Date(Math.min(...comments.map((r) => r.createdAt.getTime())) - POSTED_SLACK_MS);
    const posted = (await port.commentsSince(repo, n, since)).filter((c) => deps.botLogin === null || c.author === deps.botLogin);
    const unposted = comments.filter((r) => !posted.some((c) => c.body.includes(r.body as string)));
    if (unposted.length > 0) await port.comment(repo, n, unposted.map((r) => r.body).join("\n\n"));
    await deps.store.effectsDone(comments.map((r) => r.id));
  }
  // Closing and deleting were for the state the transition reached: not if it has moved on
  // since (a person reopened the PR, say).
  const stillMeant = (r: PendingEffectRow) => record.state.status === r.status;
  const close = rows.filter((r) => r.kind === "close_pr");
  if (close.some(stillMeant) && pull.state === "open") await port.closePull(repo, n);
  await deps.store.effectsDone(close.map((r) => r.id));
  const branch = rows.filter((r) => r.kind === "delete_branch");
  if (branch.some(stillMeant) && mayDeleteBranch(deps, record, pull)) await port.deleteBranch(repo, record.state.branchName);
  await deps.store.effectsDone(branch.map((r) => r.id));
}
