/**
 * Frozen repositories (CONTRACT §2 "Frozen repositories"): `/freeze [reason]` and `/unfreeze`
 * by an admin or maintainer, from the PR of any upgrade. While frozen nothing is merged,
 * auto-approved or urgent-bypassed; everything else goes on. The freeze itself is repository
 * state written by the pipeline (the `set_freeze` effect); decide() only reads it (`ctx.frozen`).
 */
import { type Builder, NOTHING } from "./decision-builder.js";
import { isMaintainer } from "./permissions.js";
import type { Actor, Decision, DecideContext, Freeze, Via } from "./types.js";
import type { ApproverCheck } from "./permissions.js";

/** Longest freeze reason kept (it is shown on every check run of the repository). */
export const MAX_FREEZE_REASON = 500;

/** May this actor freeze and unfreeze the repository? Admin or maintain, never a bot. */
export function canFreeze(actor: Actor, command: "freeze" | "unfreeze"): ApproverCheck {
  if (!actor.isBot && isMaintainer(actor.permission)) return { ok: true };
  return { ok: false, reason: `\`/${command}\` needs admin or maintain permission; @${actor.login} has ${actor.permission ?? "no"} permission.` };
}

/** A reason as it is kept and shown: one line, trimmed, bounded; null when empty. */
export function freezeReason(text: string | null | undefined): string | null {
  const line = (text ?? "").replace(/[\r\n]+/g, " ").trim().slice(0, MAX_FREEZE_REASON);
  return line === "" ? null : line;
}

/** "Frozen by @login: reason", as the check runs, comments and the status page say it. */
export function frozenLine(freeze: Freeze): string {
  return `Frozen by @${freeze.by}${freeze.reason ? `: ${freeze.reason}` : ""}`;
}

/** `/freeze` and `/unfreeze` on one upgrade's PR. A refusal is recorded on that upgrade. */
export function onFreezeCommand(
  b: Builder,
  input: { command: "freeze" | "unfreeze"; actor: Actor; via: Via; argument?: string | null | undefined },
  ctx: DecideContext,
  deny: (b: Builder, actor: Actor, via: Via, command: string, reason: string) => Decision,
): Decision {
  const { command, actor, via } = input;
  const check = canFreeze(actor, command);
  if (!check.ok) return deny(b, actor, via, `/${command}`, check.reason);
  const frozen = ctx.frozen ?? null;
  if (command === "freeze") {
    if (frozen) return b.comment(`Already frozen: ${frozenLine(frozen)}. Nothing changes.`).decision;
    const reason = freezeReason(input.argument);
    return b
      .effect({ kind: "set_freeze", frozen: true, actor: actor.login, reason, via })
      .comment(
        `${frozenLine({ by: actor.login, reason, at: ctx.now })}. Nothing in this repository is merged, auto-approved or urgent-bypassed until an admin or maintainer comments \`/unfreeze\`; proposals, approvals, rejections, tests and expiry go on.`,
      ).decision;
  }
  if (!frozen) return b.comment("The repository is not frozen; nothing to unfreeze.").decision;
  return b
    .effect({ kind: "set_freeze", frozen: false, actor: actor.login, reason: null, via })
    .comment(`Unfrozen by @${actor.login}. Approved upgrades whose tests passed merge one at a time, in the order they were proposed.`).decision;
}

/**
 * A merge that would happen now but the repository is frozen: recorded once per hold (the
 * upgrade stays approved and merges after `/unfreeze`).
 */
export function holdMerge(b: Builder, freeze: Freeze, sha: string): Builder {
  return b
    .event("upgrade.merge_held", "upgrade-queue", "check", { sha, frozenBy: freeze.by, reason: freeze.reason })
    .comment(`Not merged yet: ${frozenLine(freeze)}. It merges after \`/unfreeze\`.`);
}

/**
 * The freeze was found right before the merge call (it landed after this merge was claimed,
 * possibly on another replica): the claim is released; `/unfreeze` merges it.
 */
export function onMergeHeld(b: Builder, freeze: Freeze): Decision {
  const s = b.state;
  if (s.status !== "approved" || s.mergeClaimSha === null) return NOTHING();
  b.set({ mergeClaimSha: null, mergeClaimedAt: null }).effect({ kind: "sync_check_run" });
  return holdMerge(b, freeze, s.mergeClaimSha).decision;
}
