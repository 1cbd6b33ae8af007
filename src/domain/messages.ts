/**
 * What the app says on GitHub. Everything an agent wrote is passed through `code()` or kept out
 * so that a crafted branch name or title cannot inject mentions or markup into our comments.
 */
import type { RepoConfig } from "../config/repo-config.js";
import { frozenLine } from "./freeze.js";
import { approvalsNeeded, countingApprovers } from "./permissions.js";
import { weakeningText } from "./weakened-tests.js";
import type { Freeze, UpgradeState } from "./types.js";

/** Inline code that survives any backticks inside `text`. */
export function code(text: string): string {
  const clean = text.replace(/[\r\n]+/g, " ");
  const longest = Math.max(0, ...Array.from(clean.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${longest > 0 ? " " : ""}${clean}${longest > 0 ? " " : ""}${fence}`;
}

export const HELP_TEXT = [
  "**Upgrade Queue commands** (a line of a new comment that starts with the command):",
  "",
  "- `/approve`: approve the current head commit (approvers only)",
  "- `/reject [reason]`: reject the upgrade and close the pull request",
  "- `/apply`: merge an approved, green upgrade when `applyMode` is `manual`",
  "- `/retry`: re-evaluate a failed upgrade",
  "- `/rollback`: undo an applied upgrade (admin or maintain permission)",
  "- `/freeze [reason]`: stop every merge, auto-approval and urgent bypass in this repository (admin or maintain permission)",
  "- `/unfreeze`: lift the freeze; approved green upgrades then merge in proposal order (admin or maintain permission)",
  "- `/status`: show where this upgrade stands",
  "- `/help`: this list",
  "",
  "An approving review or the `upgrade:approved` label approves too; closing the pull request or the `upgrade:rejected` label rejects.",
].join("\n");

export function howToApprove(): string {
  return [
    "---",
    "This is a self-modification proposed by an automated agent. It is held by **Upgrade Queue** until people decide.",
    "",
    "- Approve: an approving review, the `upgrade:approved` label, or a comment `/approve`.",
    "- Reject: close this pull request, the `upgrade:rejected` label, or a comment `/reject <reason>`.",
    "",
    "The CI checks on the head commit are the test gate. `/help` lists every command.",
  ].join("\n");
}

export function statusText(upgrade: UpgradeState, config: RepoConfig): string {
  const approvers = countingApprovers(upgrade.approvals, upgrade.headSha, upgrade, config);
  const needed = approvalsNeeded(upgrade, config);
  const tests = upgrade.testResults && upgrade.testResults.sha === upgrade.headSha ? upgrade.testResults : null;
  const lines = [
    `**Status:** \`${upgrade.status}\``,
    `**Head:** \`${upgrade.headSha.slice(0, 7)}\``,
    `**Approvals of the head:** ${approvers.length} of ${needed}${approvers.length ? ` (${approvers.map((l) => `@${l}`).join(", ")})` : ""}${upgrade.guarded ? " — guarded: admin or maintain approvers only" : ""}`,
    `**Tests:** ${tests ? `${tests.state} (${tests.summary})` : "pending (no results for the head yet)"}`,
  ];
  if (upgrade.approvedSha) lines.push(`**Approved commit:** \`${upgrade.approvedSha.slice(0, 7)}\``);
  if (upgrade.queuedSha) lines.push(`**In GitHub's merge queue** for \`${upgrade.baseBranch}\`: applied when the queue merges it.`);
  if (upgrade.mergeCommitSha) lines.push(`**Merge commit:** \`${upgrade.mergeCommitSha.slice(0, 7)}\`, previous base head \`${upgrade.previousSha?.slice(0, 7)}\``);
  if (upgrade.rollbackSha) lines.push(`**Rollback commit:** \`${upgrade.rollbackSha.slice(0, 7)}\``);
  if (upgrade.errorMessage) lines.push(`**Error:** ${code(upgrade.errorMessage)}`);
  if (upgrade.bypassed) lines.push("**Applied without approval** (urgent bypass): an approver's review is still asked for.");
  if (upgrade.weakened && (upgrade.weakened.files.length > 0 || upgrade.weakened.checks.length > 0)) {
    lines.push(`**Tests weakened** (guarded): ${weakeningText(upgrade.weakened)}`);
  }
  return lines.join("\n");
}

export interface CheckRunView {
  title: string;
  summary: string;
  conclusion: "success" | "failure" | "neutral" | "cancelled" | "action_required" | null;
}

/** The `Upgrade Queue` check run's contents for the current state (and the repository's freeze). */
export function checkRunView(upgrade: UpgradeState, config: RepoConfig, frozen: Freeze | null = null): CheckRunView {
  const open = upgrade.status === "proposed" || upgrade.status === "approved";
  if (frozen && open) {
    const line = frozenLine(frozen);
    return { title: `${line.length > 200 ? `${line.slice(0, 199)}…` : line}`, summary: `**${line}**. Nothing in this repository is merged until \`/unfreeze\`.\n\n${statusText(upgrade, config)}`, conclusion: null };
  }
  const summary = statusText(upgrade, config);
  switch (upgrade.status) {
    case "proposed":
      return { title: "Waiting for approval", summary, conclusion: null };
    case "approved":
      if (upgrade.queuedSha) return { title: "Approved; in GitHub's merge queue", summary, conclusion: null };
      return { title: "Approved; waiting for tests and merge", summary, conclusion: null };
    case "applied":
      return { title: upgrade.bypassed ? "Applied without approval (urgent)" : "Applied", summary, conclusion: "success" };
    case "rejected":
      return { title: "Rejected", summary, conclusion: "failure" };
    case "expired":
      return { title: "Expired", summary, conclusion: "cancelled" };
    case "failed":
      return { title: "Failed", summary, conclusion: "failure" };
    case "rolled_back":
      return { title: "Rolled back", summary, conclusion: "neutral" };
  }
}

export function invalidConfigView(error: string): CheckRunView {
  return {
    title: "Invalid .github/upgrade-queue.yml",
    summary: `The configuration is invalid, so Upgrade Queue takes no action on this repository until it is fixed:\n\n${error}`,
    conclusion: "action_required",
  };
}
