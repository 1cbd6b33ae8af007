/**
 * Counterexamples the property found, kept as named histories (each fixed; the history in words
 * is the test's name). Each replays the commands on the memory store and the configured
 * database, and must keep every invariant, at every step and at quiescence.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command } from "../support/gate-model/commands.js";
import { runHistory } from "../support/gate-model/property.js";
import { type StoreKit, databaseKit, memoryKit } from "../support/gate-model/stores.js";
import { testDatabaseProvider } from "../support/database.js";

const push = (branch = 0): Command => ({ k: "agentPush", branch, lines: 3, guarded: false, urgent: false, coauthor: false, conflict: false });
const failNextWrite: Command = { k: "fault", target: "write", status: 500, count: 1 };

const histories: Array<[string, Command[], (h: Awaited<ReturnType<typeof runHistory>>) => Promise<void>]> = [
  [
    "the config is invalid and cached; its fix is pushed but that push's webhook is lost, and the agent opens its PR: reconciliation reads the config as it is now and adopts the PR",
    [
      { k: "config", variant: 5 },
      { k: "deliverAll" },
      { k: "reconcile" },
      { k: "agentPush", branch: 0, lines: 40, guarded: true, urgent: true, coauthor: false, conflict: false },
      { k: "config", variant: 0 },
      { k: "deliver", index: 3, mode: "drop" },
      { k: "agentOpensPull", branch: 0 },
      { k: "review", pull: 0, who: 0, approve: true, old: true },
    ],
    async (h) => {
      expect((await h.view.upgrades()).map((u) => u.pullNumber)).toContain(1);
    },
  ],
  [
    "the agent pushes again, GitHub answers 5xx when the app creates the new head's check run: reconciliation creates it once the claim lapses",
    [push(), { k: "deliverAll" }, failNextWrite, push(), { k: "deliver", index: 0, mode: "deliver" }],
    async (h) => {
      const pull = h.world.pull(1);
      expect(h.world.repo.checkRuns.filter((r) => r.name === "Upgrade Queue" && r.headSha === h.world.headOf(pull))).toHaveLength(1);
    },
  ],
  [
    "a person merges by hand and the app's label write fails: reconciliation puts `upgrade:applied` on the closed PR",
    [push(), { k: "deliverAll" }, { k: "mergeByHand", pull: 0, who: 0 }, failNextWrite, { k: "deliver", index: 0, mode: "deliver" }],
    async (h) => {
      expect(h.world.pull(1).labels).toEqual(["upgrade:applied"]);
    },
  ],
  [
    "reconciliation fails on a PR merged by hand: the next reconciliation lists that closed PR again",
    [push(), { k: "deliverAll" }, { k: "mergeByHand", pull: 0, who: 0 }, failNextWrite, { k: "reconcile" }, { k: "deliverAll" }],
    async (h) => {
      expect(h.world.pull(1).labels).toEqual(["upgrade:applied"]);
    },
  ],
  [
    "a review of an older commit is recorded as stale, the comment saying so fails with 5xx: the retried delivery records it once",
    [push(), { k: "deliver", index: 0, mode: "deliver" }, { k: "review", pull: 0, who: 0, approve: true, old: true }, failNextWrite, { k: "deliverAll" }],
    async (h) => {
      expect((await h.view.events()).filter((e) => e.type === "upgrade.approval_stale")).toHaveLength(1);
    },
  ],
  [
    "an approver labels `upgrade:rejected` and closes the PR; the close is processed first: the late label keeps the one state label",
    [push(), { k: "deliverAll" }, { k: "label", pull: 0, who: 0, approve: false, add: true }, { k: "close", pull: 0, who: 0 }, { k: "deliver", index: 1, mode: "deliver" }, { k: "deliver", index: 0, mode: "deliver" }],
    async (h) => {
      expect(h.world.pull(1).labels).toEqual(["upgrade:rejected"]);
    },
  ],
  [
    "the agent pushes twice, the second commit touching .github/, before the app sees the first push: the upgrade is guarded and one approval does not merge it",
    [
      { k: "agentPush", branch: 1, lines: 40, guarded: false, urgent: true, coauthor: false, conflict: false },
      { k: "agentPush", branch: 1, lines: 40, guarded: true, urgent: true, coauthor: false, conflict: false },
      { k: "deliver", index: 0, mode: "deliver" },
      { k: "ci", pull: 0, old: false, check: "test", outcome: "success" },
      { k: "review", pull: 0, who: 0, approve: true, old: false },
      { k: "deliverAll" },
    ],
    async (h) => {
      expect(h.world.pull(1).merged).toBe(false);
      expect((await h.view.upgrades())[0]).toMatchObject({ status: "proposed" });
    },
  ],
  [
    "an approver comments /reject; GitHub fails the pass's first write, so the PR is not closed yet; the agent pushes: the open PR is the close still owed, not a reopen, and the retried /reject records nothing twice",
    [
      { k: "agentPush", branch: 0, lines: 40, guarded: false, urgent: true, coauthor: true, conflict: false },
      { k: "deliverAll" },
      { k: "comment", pull: 0, who: 0, text: 3, action: "created" },
      failNextWrite,
      { k: "deliver", index: 0, mode: "deliver" },
      { k: "deliver", index: 5, mode: "deliver" },
      { k: "agentPush", branch: 0, lines: 40, guarded: false, urgent: false, coauthor: false, conflict: false },
    ],
    async (h) => {
      expect(h.world.pull(1).state).toBe("closed");
      expect((await h.view.upgrades())[0]).toMatchObject({ status: "rejected" });
      expect((await h.view.events()).filter((e) => e.type === "upgrade.rejected")).toHaveLength(1);
    },
  ],
  [
    "a person closes the upgrade's PR and the agent opens a new one from the same branch before the app handles the close: the app keeps the branch (deleting it would close the new PR), which is proposed",
    [push(), { k: "deliverAll" }, { k: "close", pull: 0, who: 0 }, { k: "agentOpensPull", branch: 0 }, { k: "deliverAll" }],
    async (h) => {
      expect(h.world.pull(1).state).toBe("closed");
      expect(h.world.pull(2).state).toBe("open");
      expect(h.world.pull(2).labels).toEqual(["upgrade:proposed"]);
    },
  ],
  [
    "the agent pushes a second branch and the config on main turns invalid before the app sees either push: the app opens that PR but records no proposal (it reports the invalid config on it); the config is fixed: reconciliation records the proposal, and the PR gets its upgrade:proposed label",
    [
      { k: "agentPush", branch: 0, lines: 40, guarded: true, urgent: true, coauthor: true, conflict: false },
      { k: "deliverAll" },
      { k: "agentPush", branch: 1, lines: 40, guarded: false, urgent: true, coauthor: false, conflict: false },
      { k: "config", variant: 5 },
      { k: "deliverAll" },
      { k: "config", variant: 0 },
      { k: "ci", pull: 0, old: true, check: "test", outcome: "failure" },
    ],
    async (h) => {
      // (On a real database the app may see the config turn invalid a step earlier, and open no second PR.)
      const open = h.world.upgradePulls().filter((p) => p.state === "open");
      expect(open.length).toBeGreaterThan(0);
      for (const pull of open) expect(pull.labels).toEqual(["upgrade:proposed"]);
      const events = await h.view.events();
      for (const u of await h.view.upgrades()) expect(events.filter((e) => e.upgradeId === u.id && e.type === "upgrade.proposed")).toHaveLength(1);
    },
  ],
  [
    "an approver comments /approve; the agent pushes a new commit within the next second; the app handles the push before the comment (both deliveries at once): the comment was written before that commit was the head, so it approves nothing, and the green new commit is not merged",
    [
      { k: "agentPush", branch: 0, lines: 40, guarded: false, urgent: true, coauthor: true, conflict: false },
      { k: "deliver", index: 0, mode: "deliver" },
      { k: "comment", pull: 0, who: 0, text: 0, action: "created" },
      { k: "agentPush", branch: 0, lines: 40, guarded: false, urgent: true, coauthor: true, conflict: false },
      { k: "concurrent", a: 0, b: 3, replica: false },
      { k: "ci", pull: 0, old: false, check: "test", outcome: "success" },
      { k: "deliverAll" },
    ],
    async (h) => {
      expect(h.world.pull(1).merged).toBe(false);
      expect((await h.view.upgrades())[0]).toMatchObject({ status: "proposed" });
      expect((await h.view.events()).filter((e) => e.type === "upgrade.approval_stale" && e.via === "comment")).toHaveLength(1);
    },
  ],
  [
    "the config on main turns invalid; the agent pushes a branch and the app reports the invalid config on its head with a check run; the config is fixed and the upgrade proposed: the app takes that check run over instead of making a second",
    [
      { k: "agentPush", branch: 0, lines: 1, guarded: false, urgent: false, coauthor: true, conflict: true },
      { k: "deliverAll" },
      { k: "agentPush", branch: 2, lines: 1, guarded: false, urgent: false, coauthor: false, conflict: false },
      { k: "config", variant: 5 },
      { k: "agentPush", branch: 2, lines: 1, guarded: false, urgent: true, coauthor: true, conflict: false },
      { k: "deliverAll" },
      { k: "config", variant: 0 },
      { k: "ciSuite", pull: 0, failing: null },
    ],
    async (h) => {
      for (const pull of h.world.upgradePulls().filter((p) => p.state === "open")) {
        expect(h.world.repo.checkRuns.filter((r) => r.name === "Upgrade Queue" && r.headSha === h.world.headOf(pull))).toHaveLength(1);
      }
    },
  ],
  [
    "an approver labels upgrade:rejected and the label's webhook is lost: reconciliation finds in GitHub's issue events who added it, and rejects the upgrade as the webhook would have",
    [push(), { k: "deliverAll" }, { k: "deliverAll" }, { k: "label", pull: 0, who: 0, approve: false, add: true }, { k: "deliver", index: 0, mode: "drop" }],
    async (h) => {
      expect(h.world.pull(1)).toMatchObject({ state: "closed", labels: ["upgrade:rejected"] });
      expect((await h.view.events()).filter((e) => e.type === "upgrade.rejected")).toEqual([expect.objectContaining({ actor: "alice", via: "label" })]);
    },
  ],
  [
    "CI passes, an approver labels upgrade:approved and the label's webhook is lost: reconciliation approves it from GitHub's issue events, and the app merges it",
    [push(), { k: "deliverAll" }, { k: "ci", pull: 0, old: false, check: "test", outcome: "success" }, { k: "deliverAll" }, { k: "label", pull: 0, who: 0, approve: true, add: true }, { k: "deliver", index: 0, mode: "drop" }],
    async (h) => {
      expect(h.world.pull(1).merged).toBe(true);
      expect((await h.view.events()).filter((e) => e.type === "upgrade.approved")).toEqual([expect.objectContaining({ actor: "alice", via: "label" })]);
    },
  ],
  [
    "the config on main turns invalid; an approver labels upgrade:rejected, and the app, finding the config invalid, takes no action; the config is fixed: reconciliation decides the label from GitHub's issue events",
    [
      { k: "agentPush", branch: 0, lines: 1, guarded: false, urgent: false, coauthor: false, conflict: false },
      { k: "deliverAll" },
      { k: "config", variant: 5 },
      { k: "deliverAll" },
      { k: "label", pull: 0, who: 0, approve: false, add: true },
      { k: "deliver", index: 0, mode: "deliver" },
      { k: "config", variant: 4 },
      { k: "deliver", index: 0, mode: "deliver" },
    ],
    async (h) => {
      expect(h.world.pull(1)).toMatchObject({ state: "closed", labels: ["upgrade:rejected"] });
    },
  ],
  [
    "CI passes; the config on main turns invalid and the agent pushes a new commit; the app handles the push (config invalid) while the pull request's synchronize pass (config fixed meanwhile) runs: one Upgrade Queue check run on the new head, not one from each",
    [
      { k: "agentPush", branch: 1, lines: 1, guarded: false, urgent: false, coauthor: false, conflict: false },
      { k: "deliverAll" },
      { k: "ciSuite", pull: 0, failing: null },
      { k: "config", variant: 5 },
      { k: "agentPush", branch: 1, lines: 40, guarded: false, urgent: false, coauthor: true, conflict: false },
      { k: "deliverAll" },
      { k: "config", variant: 0 },
      { k: "deliverAll" },
    ],
    async (h) => {
      const pull = h.world.pull(1);
      expect(h.world.repo.checkRuns.filter((r) => r.name === "Upgrade Queue" && r.headSha === h.world.headOf(pull))).toHaveLength(1);
    },
  ],
  [
    "an approver labels a guarded upgrade upgrade:rejected while GitHub fails the app's writes, so the delivery is retried; a person reopens the PR meanwhile: the retried delivery does not reject it a second time",
    [
      { k: "agentPush", branch: 0, lines: 1, guarded: true, urgent: true, coauthor: false, conflict: true },
      { k: "deliverAll" },
      { k: "comment", pull: 0, who: 0, text: 0, action: "created" },
      { k: "label", pull: 0, who: 0, approve: false, add: true },
      { k: "fault", target: "write", status: 500, count: 3 },
      { k: "agentPush", branch: 1, lines: 1, guarded: false, urgent: true, coauthor: false, conflict: true },
      { k: "deliverAll" },
      { k: "fault", target: "write", status: 500, count: 2 },
      { k: "time", minutes: 1 },
      { k: "reopen", pull: 0, who: 0 },
      { k: "deliverAll" },
      { k: "time", minutes: 1 },
    ],
    async (h) => {
      // (Invariant 5, checked at every step, is what failed; on a real database the retry may fall differently.)
      const rejected = (await h.view.events()).filter((e) => e.type === "upgrade.rejected");
      expect(new Set(rejected.map((e) => `${e.upgradeId} ${e.deliveryId}`)).size).toBe(rejected.length);
    },
  ],
  [
    "a person closes the upgrade's PR and the agent pushes to its branch again, so the app opens a second PR; the config on main turns invalid and the agent pushes once more; the second PR's opened delivery finds the config invalid and no upgrade while a pass of the push (its config read before) records one: one Upgrade Queue check run on the new head, not one from each",
    [
      { k: "agentPush", branch: 0, lines: 1, guarded: false, urgent: false, coauthor: true, conflict: false },
      { k: "deliverAll" },
      { k: "close", pull: 0, who: 0 },
      { k: "agentPush", branch: 0, lines: 40, guarded: false, urgent: true, coauthor: false, conflict: false },
      { k: "ci", pull: 0, old: false, check: "test", outcome: "success" },
      { k: "reconcile" },
      { k: "config", variant: 5 },
      { k: "agentPush", branch: 0, lines: 40, guarded: false, urgent: false, coauthor: false, conflict: false },
      { k: "deliverAll" },
      { k: "config", variant: 0 },
      { k: "ci", pull: 0, old: true, check: "test", outcome: "failure" },
    ],
    async (h) => {
      // On a real database the race may fall differently (no second PR yet); each PR's head has one.
      for (const pull of h.world.upgradePulls().filter((p) => p.state === "open")) {
        expect(h.world.repo.checkRuns.filter((r) => r.name === "Upgrade Queue" && r.headSha === h.world.headOf(pull))).toHaveLength(1);
      }
    },
  ],
  [
    "a bot labels the upgrade upgrade:rejected while the config on main is invalid, so the app takes no action; people review around a push, and the config is fixed: reconciliation refuses the bot's label as its webhook would have and takes it off",
    [
      { k: "agentPush", branch: 0, lines: 40, guarded: false, urgent: false, coauthor: false, conflict: false },
      { k: "deliver", index: 0, mode: "deliver" },
      { k: "label", pull: 0, who: 7, approve: false, add: true },
      { k: "config", variant: 5 },
      { k: "reviewsAroundPush", pull: 0, first: 0, second: 0 },
      { k: "config", variant: 0 },
      { k: "comment", pull: 0, who: 0, text: 0, action: "deleted" },
    ],
    async (h) => {
      expect(h.world.pull(1).labels).toEqual(["upgrade:proposed"]);
    },
  ],
  [
    "while the config on main is invalid, a triager labels the upgrade upgrade:approved and an admin labels it upgrade:rejected, so the app takes no action on either; the config is fixed and CI passes: one reconciliation refuses the triager's label and then rejects the upgrade by the admin's, not only the first of the two",
    [
      { k: "agentPush", branch: 0, lines: 1, guarded: false, urgent: false, coauthor: true, conflict: true },
      { k: "deliver", index: 0, mode: "deliver" },
      { k: "config", variant: 5 },
      { k: "label", pull: 0, who: 4, approve: true, add: true },
      { k: "label", pull: 0, who: 0, approve: false, add: true },
      { k: "deliverAll" },
      { k: "config", variant: 0 },
      { k: "ci", pull: 0, old: false, check: "test", outcome: "success" },
    ],
    async (h) => {
      expect(h.world.pull(1)).toMatchObject({ state: "closed", labels: ["upgrade:rejected"] });
      expect((await h.view.events()).filter((e) => e.type === "upgrade.rejected").map((e) => e.actor)).toEqual(["alice"]);
    },
  ],
];

const kits: Array<[string, () => Promise<StoreKit>]> = [
  ["memory", async () => memoryKit()],
  [testDatabaseProvider(), databaseKit],
];

describe.each(kits)("regressions found by the property (%s)", (_name, open) => {
  let kit: StoreKit;
  beforeAll(async () => {
    kit = await open();
  });
  afterAll(async () => {
    await kit.close();
  });
  it.each(histories)("%s", async (_title, commands, expectation) => {
    await expectation(await runHistory(kit, commands));
  });
});
