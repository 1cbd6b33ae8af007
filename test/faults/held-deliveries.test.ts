/**
 * Webhooks are triggers; GitHub is the truth (CONTRACT §2). Each test holds deliveries back,
 * reorders them or loses them, as GitHub does, and checks that the app decides from what the
 * fake GitHub says now: the four behaviours of the issue "Decide from GitHub as it is now", each
 * of which failed before the app read the PR itself, and a check that turns red after the green
 * the app recorded (its webhook lost).
 *
 * The app runs in-process (two replicas on one database where the story needs them) against the
 * fake GitHub over real HTTP; the test builds each delivery when GitHub would have sent it and
 * sends it when the story says.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TestApp, createTestApp } from "../support/app.js";
import { type FakeGitHub, startFakeGitHub } from "../support/fake-github/index.js";

const REPO = "acme/widgets";
const BRANCH = "self-modify/cache";

let fake: FakeGitHub;
let apps: TestApp[];

beforeEach(async () => {
  fake = await startFakeGitHub();
  fake.addRepo({ owner: "acme", name: "widgets", installationId: 1 });
  fake.setCollaborator(REPO, "alice", "write");
  apps = [];
});

afterEach(async () => {
  for (const app of apps.reverse()) await app.close();
  await fake.close();
});

async function replica(of?: TestApp): Promise<TestApp> {
  const app = await createTestApp({ baseUrl: `${fake.url}/api/v3`, ...(of ? { databaseUrl: of.databaseUrl } : {}) });
  apps.push(app);
  return app;
}

/** The agent pushes `BRANCH`; returns the head SHA and the push delivery, built now, sent later. */
function agentPushes(message = "Cache embeddings\n\nThey were computed on every call.", files: Record<string, string> = { "src/cache.ts": "export const cache = new Map();\n" }) {
  const head = fake.pushCommit({ repo: REPO, branch: BRANCH, message, files, author: "agent" });
  return { head, push: fake.payloads.push(REPO, BRANCH) };
}

async function upgradeOf(app: TestApp) {
  return app.db.upgrade.findFirstOrThrow({ where: { repository: REPO } });
}

const stateLabels = (n: number) => fake.labelsOf(REPO, n).filter((l) => l.startsWith("upgrade:"));
const queueCheckRuns = (sha: string) => fake.checkRunsFor(REPO, sha).filter((run) => run.name === "Upgrade Queue");

describe("deliveries held, reordered and lost: the app decides from GitHub now", () => {
  it("a close that predates the app's own label: exactly one state label (one replica)", async () => {
    const app = await replica();
    const { push } = agentPushes();
    // The app's label write is answered late; the person closes the PR meanwhile, and the close
    // delivery (listing no labels) arrives while the proposal is still being written.
    fake.failNext("PUT", /\/issues\/\d+\/labels/, [{ delayMs: 400 }]);
    const proposing = app.send("push", push);
    const n = await waitForPull(app);
    fake.closePull(REPO, n);
    const close = fake.payloads.pullRequest("closed", REPO, n, "alice");
    expect((close.pull_request as { labels: unknown[] }).labels).toEqual([]);
    await Promise.all([proposing, app.send("pull_request", close)]);
    expect(stateLabels(n)).toEqual(["upgrade:rejected"]);
    expect((await upgradeOf(app)).status).toBe("rejected");
  });

  it("a close on another replica while the first writes its label: exactly one state label", async () => {
    const a = await replica();
    const b = await replica(a);
    const { push } = agentPushes();
    fake.failNext("PUT", /\/issues\/\d+\/labels/, [{ delayMs: 400 }]);
    const proposing = a.send("push", push);
    const n = await waitForPull(a);
    fake.closePull(REPO, n);
    await Promise.all([proposing, b.send("pull_request", fake.payloads.pullRequest("closed", REPO, n, "alice"))]);
    expect(stateLabels(n)).toEqual(["upgrade:rejected"]);
  });

  it("a new head whose CI went green before its push was seen: the approval merges (no wait for a dropped check)", async () => {
    const app = await replica();
    const first = agentPushes();
    await app.send("push", first.push);
    const n = (await upgradeOf(app)).pullNumber;
    // A second commit: its push and synchronize deliveries are held back...
    const second = agentPushes("Cache embeddings, bounded", { "src/cache.ts": "export const cache = new Map(); // bounded\n" });
    const synchronize = fake.payloads.pullRequest("synchronize", REPO, n, "agent");
    // ...CI reports green on the new head at once, and that delivery comes first.
    const run = fake.completeCheckRun({ repo: REPO, sha: second.head, name: "test", conclusion: "success" });
    await app.send("check_run", fake.payloads.checkRun("completed", REPO, run.id));
    expect((await upgradeOf(app)).headSha).toBe(first.head); // not an upgrade's head yet: dropped
    await app.send("push", second.push);
    await app.send("pull_request", synchronize);
    const updated = await upgradeOf(app);
    expect(updated.headSha).toBe(second.head);
    expect(JSON.parse(updated.testResults ?? "null")).toMatchObject({ state: "passed", sha: second.head });

    await app.send("pull_request_review", fake.payloads.review(REPO, n, "alice", "approved", second.head));
    const applied = await upgradeOf(app);
    expect(applied).toMatchObject({ status: "applied", approvedSha: second.head });
    expect(fake.getPull(REPO, n).merged).toBe(true);
    expect(stateLabels(n)).toEqual(["upgrade:applied"]);
  });

  it("CI that completed before the proposal was recorded counts (its delivery came first and was dropped)", async () => {
    const app = await replica();
    const { head, push } = agentPushes();
    const run = fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "success" });
    await app.send("check_run", fake.payloads.checkRun("completed", REPO, run.id));
    expect(await app.db.upgrade.count()).toBe(0);
    await app.send("push", push);
    const proposed = await upgradeOf(app);
    expect(JSON.parse(proposed.testResults ?? "null")).toMatchObject({ state: "passed", sha: head });
    const events = await app.db.upgradeEvent.findMany({ where: { upgradeId: proposed.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.tests_passed"]);
    expect(queueCheckRuns(head)).toHaveLength(1);
    expect(queueCheckRuns(head)[0]?.output.summary).toContain("passed");

    await app.send("pull_request_review", fake.payloads.review(REPO, proposed.pullNumber, "alice", "approved", head));
    expect((await upgradeOf(app)).status).toBe("applied");
  });

  it("an invalid config and a PR the agent opens itself: one check run on the head, one comment on the PR", async () => {
    const app = await replica();
    fake.setConfig(REPO, "requiredApprovals: -1\n");
    const { head, push } = agentPushes();
    await app.send("push", push);
    expect(queueCheckRuns(head)).toHaveLength(1);
    const n = fake.openPull({ repo: REPO, head: BRANCH, title: "Cache embeddings", user: "agent" });
    const opened = fake.payloads.pullRequest("opened", REPO, n, "agent");
    await app.send("pull_request", opened);
    await app.send("pull_request", opened); // GitHub delivers twice (a new delivery id)
    const runs = queueCheckRuns(head);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.conclusion).toBe("action_required");
    expect(runs[0]?.output.summary).toContain("requiredApprovals");
    const said = fake.commentsOf(REPO, n).filter((c) => c.user.login === fake.botLogin);
    expect(said).toHaveLength(1);
    expect(said[0]?.body).toContain("requiredApprovals");
    expect(await app.db.upgrade.count()).toBe(0);

    // Fixed: the next delivery adopts the PR and takes the same check run over.
    fake.setConfig(REPO, "requiredApprovals: 1\n");
    await app.send("push", fake.payloads.push(REPO, "main"));
    await app.send("pull_request", fake.payloads.pullRequest("edited", REPO, n, "agent"));
    expect((await upgradeOf(app)).status).toBe("proposed");
    expect(queueCheckRuns(head)).toHaveLength(1);
    expect(queueCheckRuns(head)[0]?.output.title).not.toContain("Invalid");
  });

  it("a check that turns red after the green the app recorded, its webhook lost, calls the merge off and names the check", async () => {
    const app = await replica();
    const { head, push } = agentPushes();
    await app.send("push", push);
    const n = (await upgradeOf(app)).pullNumber;
    const green = fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "success" });
    await app.send("check_run", fake.payloads.checkRun("completed", REPO, green.id));
    expect(JSON.parse((await upgradeOf(app)).testResults ?? "null")).toMatchObject({ state: "passed" });
    // A re-run of `test` fails; GitHub never delivers it.
    fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "failure" });

    await app.send("issue_comment", fake.payloads.issueComment("created", REPO, n, "alice", "/approve"));
    const upgrade = await upgradeOf(app);
    expect(upgrade.status).toBe("failed");
    expect(upgrade.errorMessage).toContain("test failure");
    expect(fake.getPull(REPO, n).merged).toBe(false);
    expect(stateLabels(n)).toEqual(["upgrade:failed"]);
    const failedComment = fake.commentsOf(REPO, n).find((c) => c.body.includes("Failed:"));
    expect(failedComment?.body).toContain("test failure");
  });
});

/** The PR the app opens for the push, once it is recorded (the pass is still going on). */
async function waitForPull(app: TestApp): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const row = await app.db.upgrade.findFirst({ where: { repository: REPO }, select: { pullNumber: true } });
    if (row) return row.pullNumber;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the app opened no pull request");
}
