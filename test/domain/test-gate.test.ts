/** evaluateTestGate (CONTRACT §2 "Test gate"): the checks on one SHA reduced to passed/failed/pending. */
import { describe, expect, it } from "vitest";
import { type ObservedCheck, evaluateTestGate } from "../../src/domain/test-gate.js";
import type { TestState } from "../../src/domain/types.js";

const SHA = "a".repeat(40);

const done = (name: string, conclusion: string): ObservedCheck => ({ name, completed: true, conclusion, url: `https://ci.test/${name}` });
const running = (name: string): ObservedCheck => ({ name, completed: false, conclusion: null, url: null });

interface Row {
  observed: ObservedCheck[];
  required: string[];
  state: TestState;
  summary: string;
}

const rows: Record<string, Row> = {
  "all checks: one success passes": { observed: [done("test", "success")], required: [], state: "passed", summary: "1 of 1 checks passed" },
  "all checks: success, neutral and skipped pass": {
    observed: [done("test", "success"), done("lint", "neutral"), done("docs", "skipped")],
    required: [],
    state: "passed",
    summary: "3 of 3 checks passed",
  },
  "all checks: zero checks is pending": { observed: [], required: [], state: "pending", summary: "no checks reported yet" },
  "all checks: one still running is pending": {
    observed: [done("test", "success"), running("lint")],
    required: [],
    state: "pending",
    summary: "1 of 2 checks passed; 1 pending",
  },
  "all checks: failure fails": { observed: [done("test", "failure"), done("lint", "success")], required: [], state: "failed", summary: "1 of 2 checks passed; test failure" },
  "all checks: cancelled fails": { observed: [done("test", "cancelled")], required: [], state: "failed", summary: "0 of 1 checks passed; test cancelled" },
  "all checks: timed_out fails": { observed: [done("test", "timed_out")], required: [], state: "failed", summary: "0 of 1 checks passed; test timed_out" },
  "all checks: action_required fails": { observed: [done("test", "action_required")], required: [], state: "failed", summary: "0 of 1 checks passed; test action_required" },
  "all checks: stale fails": { observed: [done("test", "stale")], required: [], state: "failed", summary: "0 of 1 checks passed; test stale" },
  "all checks: commit status error fails": { observed: [done("ci/jenkins", "error")], required: [], state: "failed", summary: "0 of 1 checks passed; ci/jenkins error" },
  "all checks: commit status failure fails": { observed: [done("ci/jenkins", "failure")], required: [], state: "failed", summary: "0 of 1 checks passed; ci/jenkins failure" },
  "all checks: a failure beats a running check": {
    observed: [done("test", "failure"), running("lint")],
    required: [],
    state: "failed",
    summary: "0 of 2 checks passed; test failure",
  },
  "all checks: a re-run that turns green counts (later entry wins)": {
    observed: [done("test", "failure"), done("test", "success")],
    required: [],
    state: "passed",
    summary: "1 of 1 checks passed",
  },
  "all checks: a re-run in progress after a failure is pending": {
    observed: [done("test", "failure"), running("test")],
    required: [],
    state: "pending",
    summary: "0 of 1 checks passed; 1 pending",
  },
  "required: listed checks passed, others ignored (even failing)": {
    observed: [done("test", "success"), done("flaky", "failure")],
    required: ["test"],
    state: "passed",
    summary: "1 of 1 checks passed",
  },
  "required: a missing required check is pending": {
    observed: [done("test", "success")],
    required: ["test", "build"],
    state: "pending",
    summary: "1 of 2 checks passed; 1 pending",
  },
  "required: nothing reported yet is pending": { observed: [], required: ["test"], state: "pending", summary: "0 of 1 checks passed; 1 pending" },
  "required: a failed required check fails": {
    observed: [done("test", "success"), done("build", "timed_out")],
    required: ["test", "build"],
    state: "failed",
    summary: "1 of 2 checks passed; build timed_out",
  },
  "required: a commit-status context counts like a check run": {
    observed: [done("test", "success"), done("ci/circleci", "success")],
    required: ["test", "ci/circleci"],
    state: "passed",
    summary: "2 of 2 checks passed",
  },
  "required: a re-run that turns green counts": {
    observed: [done("test", "cancelled"), done("test", "success")],
    required: ["test"],
    state: "passed",
    summary: "1 of 1 checks passed",
  },
};

describe("evaluateTestGate", () => {
  it.each(Object.entries(rows))("%s", (_name, row) => {
    const result = evaluateTestGate(SHA, row.observed, row.required);
    expect(result.state).toBe(row.state);
    expect(result.sha).toBe(SHA);
    expect(result.summary).toBe(row.summary);
  });

  it("lists each relevant check once, null conclusion while it runs, in required order", () => {
    const result = evaluateTestGate(SHA, [running("build"), done("test", "failure"), done("test", "success")], ["test", "build", "docs"]);
    expect(result.checks).toEqual([
      { name: "test", conclusion: "success", url: "https://ci.test/test" },
      { name: "build", conclusion: null, url: null },
      { name: "docs", conclusion: null, url: null },
    ]);
  });

  it("summarises as one line", () => {
    const result = evaluateTestGate(SHA, [done("a", "failure"), done("b", "error"), done("c", "success")], []);
    expect(result.summary).toBe("1 of 3 checks passed; a failure, b error");
    expect(result.summary).not.toContain("\n");
  });
});
