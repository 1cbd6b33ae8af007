/**
 * Weakened tests (CONTRACT §2 "Budgets and weakened tests"): an upgrade that deletes or changes
 * a test file (`testPaths`), or whose head reports fewer distinct check names than the base
 * branch head, is guarded. Adding tests is not weakening. The files are known when a SHA becomes
 * the head; the checks when its test results are read (with the base head's, at the same time).
 */
import picomatch from "picomatch";
import type { RepoConfig } from "../config/repo-config.js";
import type { Builder } from "./decision-builder.js";
import { code } from "./messages.js";
import { approvalsNeeded, countingApprovers } from "./permissions.js";
import type { ChangedFile, Via, Weakening } from "./types.js";

/** GitHub's file statuses that change or remove what was there (`added` and `copied` do not). */
const WEAKENING_STATUSES = new Set(["removed", "modified", "renamed", "changed"]);

/**
 * The test files among `files` that the change deletes or changes. A test file renamed to a
 * name outside `testPaths` no longer runs: it is named by its old name.
 */
export function weakenedTestFiles(files: readonly Pick<ChangedFile, "filename" | "status" | "previousFilename">[], testPaths: readonly string[]): string[] {
  if (testPaths.length === 0) return [];
  const isTest = picomatch(testPaths as string[], { dot: true });
  const weakened: string[] = [];
  for (const f of files) {
    if (!WEAKENING_STATUSES.has(f.status)) continue;
    if (f.previousFilename !== undefined && isTest(f.previousFilename) && !isTest(f.filename)) weakened.push(f.previousFilename);
    else if (isTest(f.filename)) weakened.push(f.filename);
  }
  return weakened;
}

/**
 * Check names the base branch head reports that the upgrade's head does not: the head reports
 * fewer distinct check names. Empty when the head reports as many or more.
 */
export function missingCheckNames(headNames: readonly string[], baseNames: readonly string[]): string[] {
  const head = new Set(headNames);
  const base = new Set(baseNames);
  if (head.size >= base.size) return [];
  return [...base].filter((name) => !head.has(name)).sort();
}

export function weakeningText(w: Weakening): string {
  const parts: string[] = [];
  if (w.files.length > 0) parts.push(`test files deleted or changed: ${w.files.map(code).join(", ")}`);
  if (w.checks.length > 0) parts.push(`checks the base branch head reports and this head does not: ${w.checks.map(code).join(", ")}`);
  return parts.join("; ");
}

/**
 * Records what shrank (only what is new), makes the upgrade guarded, and says so. An approved
 * upgrade whose approvals no longer suffice for a guarded one goes back to `proposed`.
 */
export function noteWeakening(b: Builder, found: Partial<Weakening>, config: RepoConfig, via: Via): Builder {
  const before = b.state.weakened ?? { files: [], checks: [] };
  const files = (found.files ?? []).filter((f) => !before.files.includes(f));
  const checks = (found.checks ?? []).filter((c) => !before.checks.includes(c));
  if (files.length === 0 && checks.length === 0) return b;
  const weakened = { files: [...before.files, ...files], checks: [...before.checks, ...checks] };
  b.set({ weakened, guarded: true })
    .effect({ kind: "sync_check_run" })
    .event("upgrade.tests_weakened", "upgrade-queue", via, { files, checks })
    .comment(
      `**Tests weakened:** ${weakeningText({ files, checks })}. This upgrade is guarded: it needs ${config.guardedApprovals} approvals by admins or maintainers and is never auto-approved or urgent-bypassed.`,
    );
  const s = b.state;
  if (s.status === "approved" && !s.bypassed && s.approvedSha !== null && s.mergeClaimSha === null) {
    const approvers = countingApprovers(s.approvals, s.approvedSha, s, config);
    if (approvers.length < approvalsNeeded(s, config)) {
      b.transition({ status: "proposed", approvedSha: null, approvedBy: [], approvedAt: null })
        .event("upgrade.approval_invalidated", "upgrade-queue", via, { reason: "tests weakened", approvedSha: s.approvedSha, approvals: approvers.length });
    }
  }
  return b;
}
