/** The test gate (CONTRACT §2 "Test gate"): the checks on one SHA, reduced to passed/failed/pending. */
import type { TestCheck, TestResults } from "./types.js";

export interface ObservedCheck {
  name: string;
  /** `queued`/`in_progress`/`completed` for check runs; statuses are completed unless `pending`. */
  completed: boolean;
  /** Check-run conclusion or commit-status state. */
  conclusion: string | null;
  url: string | null;
}

const PASSING = new Set(["success", "neutral", "skipped"]);

/**
 * Reduces the checks on `sha` to the gate. `requiredChecks` empty means every check (the app's
 * own check run must already be excluded by the caller) and at least one.
 * When a check name appears more than once (re-runs), the last one given wins: callers pass
 * them oldest first.
 */
export function evaluateTestGate(sha: string, observed: readonly ObservedCheck[], requiredChecks: readonly string[]): TestResults {
  const latest = new Map<string, ObservedCheck>();
  for (const check of observed) latest.set(check.name, check);
  const relevant =
    requiredChecks.length > 0 ? requiredChecks.map((name) => latest.get(name) ?? { name, completed: false, conclusion: null, url: null }) : [...latest.values()];

  const checks: TestCheck[] = relevant.map((c) => ({ name: c.name, conclusion: c.completed ? c.conclusion : null, url: c.url }));
  const failed = relevant.filter((c) => c.completed && !PASSING.has(c.conclusion ?? ""));
  const passed = relevant.filter((c) => c.completed && PASSING.has(c.conclusion ?? ""));
  const state = failed.length > 0 ? "failed" : relevant.length > 0 && passed.length === relevant.length ? "passed" : "pending";
  return { state, sha, summary: summarise(relevant.length, passed.length, failed, requiredChecks.length === 0), checks };
}

function summarise(total: number, passed: number, failed: readonly ObservedCheck[], all: boolean): string {
  if (total === 0) return all ? "no checks reported yet" : "no required checks reported yet";
  const base = `${passed} of ${total} checks passed`;
  if (failed.length === 0) return total === passed ? base : `${base}; ${total - passed} pending`;
  return `${base}; ${failed.map((c) => `${c.name} ${c.conclusion ?? "failed"}`).join(", ")}`;
}
