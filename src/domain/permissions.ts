/** Who may approve, reject and roll back (CONTRACT §2 "Who may do what"). */
import type { RepoConfig } from "../config/repo-config.js";
import type { Actor, Approval, Permission, UpgradeState } from "./types.js";

const WRITE_OR_ABOVE: readonly Permission[] = ["write", "maintain", "admin"];
const MAINTAIN_OR_ABOVE: readonly Permission[] = ["maintain", "admin"];

const sameLogin = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export type ApproverCheck = { ok: true } | { ok: false; reason: string };

/** May this actor approve or reject this upgrade? */
export function checkApprover(actor: Actor, upgrade: Pick<UpgradeState, "nonApprovers">, config: RepoConfig): ApproverCheck {
  if (actor.isBot || actor.login.endsWith("[bot]")) {
    return { ok: false, reason: `@${actor.login} is a bot account; only people can decide on upgrades.` };
  }
  if (upgrade.nonApprovers.some((login) => sameLogin(login, actor.login))) {
    return {
      ok: false,
      reason: `@${actor.login} authored, committed or pushed changes in this upgrade and cannot decide on it.`,
    };
  }
  const listed = config.approvers.some((login) => sameLogin(login, actor.login));
  if (listed || (actor.permission !== null && WRITE_OR_ABOVE.includes(actor.permission))) return { ok: true };
  return {
    ok: false,
    reason: `@${actor.login} has ${actor.permission ?? "no"} permission; approvers need write, maintain or admin permission or must be listed in \`approvers\`.`,
  };
}

export function canRollback(actor: Actor): ApproverCheck {
  if (!actor.isBot && actor.permission !== null && MAINTAIN_OR_ABOVE.includes(actor.permission)) return { ok: true };
  return {
    ok: false,
    reason: `\`/rollback\` needs admin or maintain permission; @${actor.login} has ${actor.permission ?? "no"} permission.`,
  };
}

/** How many approvals an upgrade needs. */
export function approvalsNeeded(upgrade: Pick<UpgradeState, "guarded">, config: RepoConfig): number {
  return upgrade.guarded ? config.guardedApprovals : config.requiredApprovals;
}

/**
 * The distinct approvers whose approvals of `sha` count. For a guarded upgrade only approvers
 * with admin or maintain permission count.
 */
export function countingApprovers(
  approvals: readonly Approval[],
  sha: string,
  upgrade: Pick<UpgradeState, "guarded" | "nonApprovers">,
  config: RepoConfig,
): string[] {
  const logins = new Map<string, string>();
  for (const approval of approvals) {
    if (approval.sha !== sha) continue;
    if (upgrade.nonApprovers.some((login) => sameLogin(login, approval.login))) continue;
    if (upgrade.guarded && !(approval.permission !== null && MAINTAIN_OR_ABOVE.includes(approval.permission))) continue;
    const key = approval.login.toLowerCase();
    if (!logins.has(key)) logins.set(key, approval.login);
  }
  return [...logins.values()];
}

export function isMaintainer(permission: Permission | null): boolean {
  return permission !== null && MAINTAIN_OR_ABOVE.includes(permission);
}
