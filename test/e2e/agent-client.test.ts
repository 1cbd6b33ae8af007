/**
 * The agent's client end to end: it proposes through the Git Data API with its own token, the
 * real app opens the PR from the push GitHub sends, people decide, and waitForDecision resolves
 * with what they decided.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUpgradeQueueClient, type UpgradeQueueClient } from "../../src/client/index.js";
import { type AgentWorld, REPO, startAgentWorld } from "../support/agent-world.js";
import { eventually } from "../support/app-process.js";

describe("the agent's client against the real app", () => {
  let world: AgentWorld;
  let client: UpgradeQueueClient;

  beforeAll(async () => {
    world = await startAgentWorld();
    client = createUpgradeQueueClient({ retryBaseMs: 50 }, world.agentEnv);
  }, 90_000);

  afterAll(async () => {
    await world?.stop();
  });

  it("proposes, a person approves, CI goes green: waitForDecision resolves applied", async () => {
    const proposed = await client.propose({
      repository: REPO,
      slug: "fix-task-001",
      title: "Fix bug in task assignment",
      description: "The planner assigned every task twice.",
      files: { "src/planner.ts": "export const plan: string[] = [];\n", "src/assign.ts": "export const assign = () => 1;\n" },
    });
    expect(proposed).toMatchObject({ branch: "self-modify/fix-task-001", additions: 2, deletions: 1 });
    const progress: string[] = [];
    const decision = client.waitForDecision({ repository: REPO, branch: proposed.branch, sha: proposed.sha }, {
      timeoutMs: 45_000,
      pollIntervalMs: 200,
      onProgress: ({ upgrade }) => progress.push(upgrade?.status ?? "none"),
    });

    const number = await world.proposedPull(proposed.branch);
    expect(world.fake.getPull(REPO, number)).toMatchObject({ title: "Fix bug in task assignment", head: { sha: proposed.sha } });
    await world.passChecks(proposed.sha);
    await world.approve(number);

    const upgrade = await decision;
    expect(upgrade).toMatchObject({ status: "applied", branch: proposed.branch, headSha: proposed.sha, approvedSha: proposed.sha, approvedBy: ["alice"], pullNumber: number });
    expect(world.fake.getFile(REPO, "src/assign.ts", "main")).toBe("export const assign = () => 1;\n");
    expect(progress).toContain("proposed");
    await expect(client.status({ repository: REPO, branch: proposed.branch })).resolves.toMatchObject({ status: "applied" });
  }, 90_000);

  it("a person rejects with a reason: waitForDecision resolves rejected with it", async () => {
    const proposed = await client.propose({ repository: REPO, slug: "rewrite-everything", title: "Rewrite the planner", files: { "src/planner.ts": "export const plan = ['everything'];\n" } });
    const decision = client.waitForDecision({ repository: REPO, branch: proposed.branch }, { timeoutMs: 45_000, pollIntervalMs: 200 });
    const number = await world.proposedPull(proposed.branch);
    await world.comment(number, "alice", "/reject too risky without a design note");

    const upgrade = await decision;
    expect(upgrade).toMatchObject({ status: "rejected", errorMessage: "Rejected: too risky without a design note", pullNumber: number });
    await eventually(() => world.fake.getPull(REPO, number).state === "closed", "the app to close the PR");
    const listed = await client.listUpgrades({ repository: REPO, status: "rejected" });
    expect(listed.upgrades.map((u) => u.branch)).toEqual([proposed.branch]);
  }, 90_000);
});
