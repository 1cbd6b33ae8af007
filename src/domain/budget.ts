/**
 * Proposal budgets per proposing account (CONTRACT §2 "Budgets and weakened tests"): an author
 * that is a program must not flood the queue until people rubber-stamp. `budget.maxOpen` pending
 * upgrades in the repository, `budget.maxPerDay` proposals in any 24 hours; 0 is no limit.
 */
import type { RepoConfig } from "../config/repo-config.js";
import type { Builder } from "./decision-builder.js";
import type { DecideContext, Via } from "./types.js";

export type BudgetVerdict = { ok: true } | { ok: false; limit: "maxOpen" | "maxPerDay"; count: number; max: number };

/** Whether a budget is configured at all (the counts are read only then). */
export function budgetEnabled(budget: RepoConfig["budget"]): boolean {
  return budget.maxOpen > 0 || budget.maxPerDay > 0;
}

/** The verdict on one more proposal, given what the account already has. */
export function budgetVerdict(budget: RepoConfig["budget"], used: { open: number; today: number }): BudgetVerdict {
  if (budget.maxOpen > 0 && used.open >= budget.maxOpen) return { ok: false, limit: "maxOpen", count: used.open, max: budget.maxOpen };
  if (budget.maxPerDay > 0 && used.today >= budget.maxPerDay) return { ok: false, limit: "maxPerDay", count: used.today, max: budget.maxPerDay };
  return { ok: true };
}

function describe(verdict: Extract<BudgetVerdict, { ok: false }>, proposer: string): string {
  return verdict.limit === "maxOpen"
    ? `@${proposer} already has ${verdict.count} pending upgrades in this repository; budget.maxOpen is ${verdict.max}`
    : `@${proposer} already made ${verdict.count} proposals in this repository in the last 24 hours; budget.maxPerDay is ${verdict.max}`;
}

/** Rejects a just-recorded proposal past the budget (actor `budget`). Returns whether it rejected. */
export function rejectOverBudget(b: Builder, config: RepoConfig, ctx: DecideContext, via: Via): boolean {
  const used = ctx.budgetUsed;
  if (!used || !budgetEnabled(config.budget)) return false;
  const verdict = budgetVerdict(config.budget, used);
  if (verdict.ok) return false;
  const reason = describe(verdict, used.proposer);
  b.transition({ status: "rejected", rejectedAt: ctx.now, errorMessage: `Rejected: ${reason}` })
    .event("upgrade.rejected", "budget", via, { reason, limit: verdict.limit, count: verdict.count, max: verdict.max, proposer: used.proposer })
    .comment(`Rejected automatically: ${reason}.`)
    .effect({ kind: "close_pr" });
  if (config.deleteBranch) b.effect({ kind: "delete_branch" });
  return true;
}
