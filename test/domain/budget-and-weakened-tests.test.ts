/**
 * Budgets and weakened tests in decide() (CONTRACT §2 "Budgets and weakened tests"): named rows
 * for each limit (at it, and one below), and for each kind of weakening (test files deleted or
 * changed, checks the head no longer reports), with added tests not flagged.
 */
import { describe, expect, it } from "vitest";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import { budgetVerdict } from "../../src/domain/budget.js";
import { decide } from "../../src/domain/decide.js";
import type { DecideContext, Effect, UpgradeInput, UpgradeState, UpgradeStatus, Via } from "../../src/domain/types.js";
import { missingCheckNames, weakenedTestFiles } from "../../src/domain/weakened-tests.js";
import { type ConfigOverrides, HEAD, approval, approvedState, config, context, headFacts, testResults, upgradeState } from "../support/upgrade-state.js";

interface Row {
  state: UpgradeState;
  input: UpgradeInput;
  config?: ConfigOverrides;
  ctx?: Partial<DecideContext>;
  status: UpgradeStatus;
  events: Array<[string, string, Via]>;
  effects: Effect["kind"][];
  comment?: RegExp;
  guarded?: boolean;
}

function check(row: Row): void {
  const decision = decide(row.state, row.input, config(row.config), context(row.ctx));
  expect(decision.patch.status ?? row.state.status).toBe(row.status);
  expect(decision.events.map((e) => [e.type, e.actor, e.via])).toEqual(row.events);
  expect(decision.effects.map((e) => e.kind).sort()).toEqual([...row.effects].sort());
  if (row.comment) expect(decision.effects.flatMap((e) => (e.kind === "comment" ? [e.body] : [])).join("\n---\n")).toMatch(row.comment);
  if (row.guarded !== undefined) expect(decision.patch.guarded ?? row.state.guarded).toBe(row.guarded);
}

const proposed = (weakenedTests: string[] = []): UpgradeInput => ({ kind: "proposed", via: "push", actor: "agent", weakenedTests });
const SYNC: Effect["kind"][] = ["sync_label", "sync_check_run"];
const REJECTED: Effect["kind"][] = [...SYNC, ...SYNC, "comment", "close_pr", "delete_branch"];
const used = (open: number, today: number) => ({ budgetUsed: { proposer: "agent", open, today } });

describe("decide: budgets", () => {
  it.each(Object.entries<Row>({
    "maxOpen reached: recorded and rejected at once by `budget`, naming the limit and the count": {
      state: upgradeState(),
      input: proposed(),
      config: { budget: { maxOpen: 3 } },
      ctx: used(3, 3),
      status: "rejected",
      events: [["upgrade.proposed", "agent", "push"], ["upgrade.rejected", "budget", "push"]],
      effects: REJECTED,
      comment: /Rejected automatically: @agent already has 3 pending upgrades in this repository; budget\.maxOpen is 3\./,
    },
    "one below maxOpen: proposed": {
      state: upgradeState(),
      input: proposed(),
      config: { budget: { maxOpen: 3 } },
      ctx: used(2, 10),
      status: "proposed",
      events: [["upgrade.proposed", "agent", "push"]],
      effects: SYNC,
    },
    "maxPerDay reached: rejected, naming the 24 hours": {
      state: upgradeState(),
      input: proposed(),
      config: { budget: { maxPerDay: 5 } },
      ctx: used(0, 5),
      status: "rejected",
      events: [["upgrade.proposed", "agent", "push"], ["upgrade.rejected", "budget", "push"]],
      effects: REJECTED,
      comment: /@agent already made 5 proposals in this repository in the last 24 hours; budget\.maxPerDay is 5\./,
    },
    "one below maxPerDay: proposed": {
      state: upgradeState(),
      input: proposed(),
      config: { budget: { maxPerDay: 5 } },
      ctx: used(0, 4),
      status: "proposed",
      events: [["upgrade.proposed", "agent", "push"]],
      effects: SYNC,
    },
    "no budget (the default): any count is fine": {
      state: upgradeState(),
      input: proposed(),
      ctx: used(500, 500),
      status: "proposed",
      events: [["upgrade.proposed", "agent", "push"]],
      effects: SYNC,
    },
    "deleteBranch false keeps the rejected branch": {
      state: upgradeState(),
      input: proposed(),
      config: { budget: { maxOpen: 1 }, deleteBranch: false },
      ctx: used(1, 1),
      status: "rejected",
      events: [["upgrade.proposed", "agent", "push"], ["upgrade.rejected", "budget", "push"]],
      effects: [...SYNC, ...SYNC, "comment", "close_pr"],
    },
  }))("%s", (_name, row) => check(row));

  it.each([
    [{ maxOpen: 0, maxPerDay: 0 }, { open: 99, today: 99 }, true],
    [{ maxOpen: 2, maxPerDay: 0 }, { open: 1, today: 99 }, true],
    [{ maxOpen: 2, maxPerDay: 0 }, { open: 2, today: 0 }, false],
    [{ maxOpen: 0, maxPerDay: 3 }, { open: 99, today: 2 }, true],
    [{ maxOpen: 0, maxPerDay: 3 }, { open: 0, today: 3 }, false],
    [{ maxOpen: 1, maxPerDay: 1 }, { open: 1, today: 1 }, false],
  ])("budgetVerdict(%j, %j).ok = %s", (budget, use, ok) => {
    expect(budgetVerdict(budget, use).ok).toBe(ok);
  });
});

describe("decide: weakened tests", () => {
  it.each(Object.entries<Row>({
    "a proposal that changes a test file is guarded, and its comment names the file": {
      state: upgradeState({ guarded: true }),
      input: proposed(["test/cache.test.ts"]),
      status: "proposed",
      events: [["upgrade.proposed", "agent", "push"], ["upgrade.tests_weakened", "upgrade-queue", "push"]],
      effects: [...SYNC, "sync_check_run", "comment"],
      comment: /\*\*Tests weakened:\*\* test files deleted or changed: `test\/cache\.test\.ts`\. This upgrade is guarded: it needs 2 approvals by admins or maintainers/,
      guarded: true,
    },
    "a proposal that only adds tests is not weakening": {
      state: upgradeState(),
      input: proposed([]),
      status: "proposed",
      events: [["upgrade.proposed", "agent", "push"]],
      effects: SYNC,
      guarded: false,
    },
    "a new head that deletes a test file is weakening": {
      state: upgradeState(),
      input: { kind: "head_updated", facts: headFacts({ guarded: true, weakenedTests: ["tests/test_cache.py"] }), actor: "agent", via: "push" },
      status: "proposed",
      events: [["upgrade.tests_weakened", "upgrade-queue", "push"]],
      effects: ["sync_check_run", "sync_check_run", "comment"],
      comment: /`tests\/test_cache\.py`/,
      guarded: true,
    },
    "green tests with fewer checks than the base head: guarded, no auto-approval, the missing checks named": {
      state: upgradeState(),
      input: { kind: "tests", results: testResults("passed"), via: "check", missingChecks: ["lint", "e2e"] },
      config: { autoApprove: { enabled: true, afterHours: 0 } },
      status: "proposed",
      events: [["upgrade.tests_passed", "upgrade-queue", "check"], ["upgrade.tests_weakened", "upgrade-queue", "check"]],
      effects: ["sync_check_run", "sync_check_run", "comment"],
      comment: /checks the base branch head reports and this head does not: `lint`, `e2e`/,
      guarded: true,
    },
    "fewer checks: no urgent bypass either": {
      state: upgradeState({ urgent: true }),
      input: { kind: "tests", results: testResults("passed"), via: "check", missingChecks: ["lint"] },
      config: { urgent: { enabled: true } },
      status: "proposed",
      events: [["upgrade.tests_passed", "upgrade-queue", "check"], ["upgrade.tests_weakened", "upgrade-queue", "check"]],
      effects: ["sync_check_run", "sync_check_run", "comment"],
      guarded: true,
    },
    "fewer checks on an upgrade approved by one writer: back to proposed, not merged": {
      state: approvedState(),
      input: { kind: "tests", results: testResults("passed"), via: "check", missingChecks: ["lint"] },
      status: "proposed",
      events: [
        ["upgrade.tests_passed", "upgrade-queue", "check"],
        ["upgrade.tests_weakened", "upgrade-queue", "check"],
        ["upgrade.approval_invalidated", "upgrade-queue", "check"],
      ],
      effects: ["sync_check_run", "sync_check_run", "comment", ...SYNC],
      guarded: true,
    },
    "fewer checks on an upgrade approved by two maintainers: still merges": {
      state: approvedState({ approvedBy: ["maya", "adam"], approvals: [approval("maya", { permission: "maintain" }), approval("adam", { permission: "admin" })] }),
      input: { kind: "tests", results: testResults("passed"), via: "check", missingChecks: ["lint"] },
      status: "approved",
      events: [["upgrade.tests_passed", "upgrade-queue", "check"], ["upgrade.tests_weakened", "upgrade-queue", "check"]],
      effects: ["sync_check_run", "sync_check_run", "comment", "merge"],
    },
    "the same missing checks again: noted once": {
      state: upgradeState({ guarded: true, weakened: { files: [], checks: ["lint"] }, testResults: testResults("pending") }),
      input: { kind: "tests", results: testResults("passed"), via: "check", missingChecks: ["lint"] },
      status: "proposed",
      events: [["upgrade.tests_passed", "upgrade-queue", "check"]],
      effects: ["sync_check_run"],
    },
  }))("%s", (_name, row) => check(row));
});

describe("which files and checks shrank", () => {
  const paths = defaultRepoConfig.testPaths;
  it.each([
    ["test/a.test.ts", "modified", true],
    ["test/a.test.ts", "removed", true],
    ["test/a.test.ts", "added", false],
    ["src/cache.spec.ts", "renamed", true],
    ["pkg/cache_test.go", "modified", true],
    [".github/workflows/ci.yml", "removed", true],
    [".ci/run", "changed", true],
    ["tests/new_test.py", "added", false],
    ["src/cache.ts", "removed", false],
  ])("%s %s → weakening: %s", (filename, status, weakening) => {
    expect(weakenedTestFiles([{ filename, status }], paths)).toEqual(weakening ? [filename] : []);
  });

  it.each([
    ["out of testPaths (it no longer runs)", "test/cache.test.ts", "src/cache-notes.ts", ["test/cache.test.ts"]],
    ["within testPaths", "test/cache.test.ts", "test/caching.test.ts", ["test/caching.test.ts"]],
    ["into testPaths", "src/cache-check.ts", "test/cache-check.test.ts", ["test/cache-check.test.ts"]],
    ["outside testPaths", "src/a.ts", "src/b.ts", []],
  ])("a file renamed %s: %s → %s", (_name, previousFilename, filename, weakened) => {
    expect(weakenedTestFiles([{ filename, previousFilename, status: "renamed" }], paths)).toEqual(weakened);
  });

  it.each([
    [["test", "lint"], ["test", "lint"], []],
    [["test"], ["test", "lint", "e2e"], ["e2e", "lint"]],
    [["test", "test", "new"], ["test", "lint"], []],
    [["a", "b", "c"], ["a", "b"], []],
    [[], ["test"], ["test"]],
  ])("head %j against base %j → missing %j", (head, base, missing) => {
    expect(missingCheckNames(head, base)).toEqual(missing);
  });

  it("the head's own SHA is what the rows above test", () => expect(testResults("passed").sha).toBe(HEAD));
});
