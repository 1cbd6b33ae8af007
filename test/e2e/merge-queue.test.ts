/**
 * GitHub's merge queue (issue 11, part 5), end to end against the fake GitHub over real HTTP:
 * when `main` requires the queue, the app enqueues the approved SHA instead of merging; the
 * queue merging it makes the upgrade `applied` (with the base head it went onto as
 * `previousSha`); a removal from the queue fails it with GitHub's reason, read from GitHub and
 * never from the payload, whether the `dequeued` delivery arrives, comes twice, or is lost
 * (reconciliation finds it). Nothing is enqueued twice or recorded twice.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reconcile } from "../../src/timers/reconcile.js";
import { sweep } from "../../src/timers/sweep.js";
import { type TestApp, createTestApp } from "../support/app.js";
import { type FakeGitHub, MERGE_QUEUE_BOT, startFakeGitHub } from "../support/fake-github/index.js";

const REPO = "acme/widgets";
const BRANCH = "self-modify/cache";
const CI_FAILED = 'Required status check "test" failed on the merge group';

let fake: FakeGitHub;
let apps: TestApp[];

beforeEach(async () => {
  fake = await startFakeGitHub();
  fake.addRepo({ owner: "acme", name: "widgets", installationId: 1 });
  fake.setCollaborator(REPO, "alice", "write");
  fake.requireMergeQueue(REPO, "main");
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

async function upgradeOf(app: TestApp) {
  return app.db.upgrade.findFirstOrThrow({ where: { repository: REPO } });
}

async function eventsOf(app: TestApp) {
  const { id } = await upgradeOf(app);
  return app.db.upgradeEvent.findMany({ where: { upgradeId: id }, orderBy: { id: "asc" } });
}

const comments = (n: number) => fake.commentsOf(REPO, n).map((c) => c.body);
const operations = (name: string) => fake.requests.filter((r) => r.operationName === name);
const stateLabels = (n: number) => fake.labelsOf(REPO, n).filter((l) => l.startsWith("upgrade:"));

/** The agent proposes, CI goes green on the head: returns the PR number and head. */
async function proposedAndGreen(app: TestApp): Promise<{ n: number; head: string }> {
  const head = fake.pushCommit({ repo: REPO, branch: BRANCH, message: "Cache embeddings\n\nThey were computed on every call.", files: { "src/cache.ts": "export const cache = new Map();\n" }, author: "agent" });
  await app.send("push", fake.payloads.push(REPO, BRANCH));
  const n = (await upgradeOf(app)).pullNumber;
  const run = fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "success" });
  await app.send("check_run", fake.payloads.checkRun("completed", REPO, run.id));
  return { n, head };
}

/** Proposed, green, approved by alice: in the queue. */
async function enqueued(app: TestApp): Promise<{ n: number; head: string; approval: Record<string, unknown> }> {
  const { n, head } = await proposedAndGreen(app);
  const approval = fake.payloads.review(REPO, n, "alice", "approved", head);
  await app.send("pull_request_review", approval);
  return { n, head, approval };
}

/** The app's `enqueuePullRequest`, made with its installation token (what a replica did before it died). */
async function enqueueAsTheApp(n: number, head: string): Promise<void> {
  const response = await fetch(`${fake.url}/api/graphql`, {
    method: "POST",
    headers: { authorization: `token ${fake.tokenFor({ installationId: 1 })}`, "content-type": "application/json" },
    body: JSON.stringify({
      query: "mutation UpgradeQueueEnqueue($input: EnqueuePullRequestInput!) { enqueuePullRequest(input: $input) { mergeQueueEntry { position } } }",
      variables: { input: { pullRequestId: fake.getPull(REPO, n).node_id, expectedHeadOid: head } },
    }),
  });
  expect(await response.json()).toEqual({ data: { enqueuePullRequest: { mergeQueueEntry: { position: 1 } } } });
}

/** A sweep with the app's clock at `at` (claims compare with GitHub's wall-clock timeline). */
async function sweepAt(app: TestApp, at: Date): Promise<void> {
  app.clock.now = at;
  await sweep(app.queue.deps, app.queue.processor);
}

describe("a base branch that requires GitHub's merge queue", () => {
  it("approve → enqueued with the approved SHA, not merged → the queue merges it → applied, previousSha = the base head it went onto", async () => {
    const app = await replica();
    const { n, head } = await enqueued(app);

    const queued = await upgradeOf(app);
    expect(queued).toMatchObject({ status: "approved", approvedSha: head, mergeClaimSha: head, queuedSha: head, mergeCommitSha: null });
    expect(fake.getPull(REPO, n).merged).toBe(false);
    expect(fake.queuePositionOf(REPO, n)).toBe(1);
    // One enqueue, with the approved SHA as expectedHeadOid; no merge was attempted.
    expect(operations("UpgradeQueueEnqueue").map((r) => (r.body as { variables: { input: unknown } }).variables.input)).toEqual([{ pullRequestId: fake.getPull(REPO, n).node_id, expectedHeadOid: head }]);
    expect(operations("UpgradeQueueMerge")).toEqual([]);
    expect(fake.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/merge"))).toEqual([]);
    expect(comments(n).at(-1)).toContain("Added to GitHub's merge queue for `main`");
    expect(stateLabels(n)).toEqual(["upgrade:approved"]);
    const check = fake.checkRunsFor(REPO, head).find((r) => r.name === "Upgrade Queue");
    expect(check?.output.title).toBe("Approved; in GitHub's merge queue");

    // Another change lands on main first; then the queue merges this one on top of it.
    const baseBefore = fake.pushCommit({ repo: REPO, branch: "main", message: "Another change", files: { "README.md": "more\n" }, author: "bob" });
    const mergeSha = fake.mergeFromQueue(REPO, n);
    expect(fake.getPull(REPO, n).merged_by?.login).toBe(MERGE_QUEUE_BOT);
    await app.send("pull_request", fake.payloads.pullRequest("closed", REPO, n, MERGE_QUEUE_BOT));

    const applied = await upgradeOf(app);
    expect(applied).toMatchObject({ status: "applied", previousSha: baseBefore, mergeCommitSha: mergeSha, mergeClaimSha: null, queuedSha: null });
    const events = await eventsOf(app);
    expect(events.map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.tests_passed", "upgrade.approved", "upgrade.enqueued", "upgrade.applied"]);
    expect(events.find((e) => e.type === "upgrade.enqueued")).toMatchObject({ actor: "upgrade-queue", via: "check" });
    expect(JSON.parse(events.at(-1)?.details ?? "{}")).toMatchObject({ previousSha: baseBefore, mergeCommitSha: mergeSha, approvedSha: head });
    expect(JSON.parse(events.at(-1)?.details ?? "{}").mergedOutsideApp).toBeUndefined();
    expect(comments(n).at(-1)).toContain(`previous head \`${baseBefore.slice(0, 7)}\``);
    expect(stateLabels(n)).toEqual(["upgrade:applied"]);
  });

  it("the queue removes it: failed with GitHub's reason as the timeline gives it (not the payload's), said on the PR; a duplicate delivery changes nothing", async () => {
    const app = await replica();
    const { n, head } = await enqueued(app);
    fake.removeFromQueue(REPO, n, CI_FAILED);
    // The payload's reason is not what the app records: it reads the PR's timeline.
    const dequeued = fake.payloads.pullRequest("dequeued", REPO, n, MERGE_QUEUE_BOT, { reason: "a payload's word" });
    await app.send("pull_request", dequeued, "delivery-dequeued");

    const failed = await upgradeOf(app);
    expect(failed).toMatchObject({ status: "failed", mergeClaimSha: null, queuedSha: null, errorMessage: `GitHub's merge queue removed ${head.slice(0, 7)}: ${CI_FAILED}` });
    expect(comments(n).at(-1)).toContain(CI_FAILED);
    expect(comments(n).join("\n")).not.toContain("a payload's word");
    expect(stateLabels(n)).toEqual(["upgrade:failed"]);
    const events = await eventsOf(app);
    expect(events.slice(-2).map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.dequeued", MERGE_QUEUE_BOT, "pull_request"],
      ["upgrade.failed", "upgrade-queue", "pull_request"],
    ]);

    // The same delivery again (GitHub's redelivery), and another one: nothing twice.
    const before = { events: events.length, comments: comments(n).length, requests: fake.requests.length };
    await app.send("pull_request", dequeued, "delivery-dequeued");
    await app.send("pull_request", fake.payloads.dequeued(REPO, n));
    expect((await eventsOf(app)).length).toBe(before.events);
    expect(comments(n).length).toBe(before.comments);
    expect(operations("UpgradeQueueEnqueue")).toHaveLength(1);
  });

  it("/retry after a removal queues the approved SHA again; the queue then merges it", async () => {
    const app = await replica();
    const { n, head } = await enqueued(app);
    fake.removeFromQueue(REPO, n, CI_FAILED);
    await app.send("pull_request", fake.payloads.dequeued(REPO, n));
    await app.send("issue_comment", fake.payloads.issueComment("created", REPO, n, "alice", "/retry"));
    expect(await upgradeOf(app)).toMatchObject({ status: "approved", queuedSha: head });
    expect(operations("UpgradeQueueEnqueue")).toHaveLength(2);
    expect(fake.queuePositionOf(REPO, n)).toBe(1);
    fake.mergeFromQueue(REPO, n);
    await app.send("pull_request", fake.payloads.pullRequest("closed", REPO, n, MERGE_QUEUE_BOT));
    expect((await upgradeOf(app)).status).toBe("applied");
  });

  it("a lost `dequeued` delivery: reconciliation reads the PR and fails the upgrade with GitHub's reason, via reconcile", async () => {
    const app = await replica();
    const { n } = await enqueued(app);
    fake.removeFromQueue(REPO, n, "Merge conflict with main", "bob");
    await reconcile(app.queue.deps, [1]);
    expect(await upgradeOf(app)).toMatchObject({ status: "failed", errorMessage: expect.stringContaining("Merge conflict with main") });
    expect((await eventsOf(app)).slice(-2).map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.dequeued", "bob", "reconcile"],
      ["upgrade.failed", "upgrade-queue", "reconcile"],
    ]);
    expect(comments(n).at(-1)).toContain("Merge conflict with main");
    // Reconciling again finds nothing new.
    const count = (await eventsOf(app)).length;
    await reconcile(app.queue.deps, [1]);
    expect((await eventsOf(app)).length).toBe(count);
  });

  it("a lost `closed` delivery of the queue's merge: reconciliation records it as the app's merge", async () => {
    const app = await replica();
    const { n } = await enqueued(app);
    const baseBefore = fake.getBranchSha(REPO, "main");
    const mergeSha = fake.mergeFromQueue(REPO, n);
    await reconcile(app.queue.deps, [1]);
    expect(await upgradeOf(app)).toMatchObject({ status: "applied", previousSha: baseBefore, mergeCommitSha: mergeSha });
    expect((await eventsOf(app)).at(-1)).toMatchObject({ type: "upgrade.applied", actor: "upgrade-queue" });
  });

  it("duplicate deliveries, a second replica and the claim-recovery sweep never enqueue twice nor record twice", async () => {
    const a = await replica();
    const b = await replica(a);
    const { n, head, approval } = await enqueued(a);
    const events = (await eventsOf(a)).length;
    // The approval again (same delivery id and a new one), on both replicas; a check event on B.
    await a.send("pull_request_review", approval, "review-1");
    await b.send("pull_request_review", approval, "review-1");
    const run = fake.completeCheckRun({ repo: REPO, sha: head, name: "lint", conclusion: "success" });
    await b.send("check_run", fake.payloads.checkRun("completed", REPO, run.id));
    // Long after the claim, the sweep on both replicas: a claim the queue holds is not lapsed.
    for (const app of [a, b]) app.clock.now = new Date(app.clock.now.getTime() + 60 * 60_000);
    await sweep(a.queue.deps, a.queue.processor);
    await sweep(b.queue.deps, b.queue.processor);
    expect(operations("UpgradeQueueEnqueue")).toHaveLength(1);
    expect(fake.queuePositionOf(REPO, n)).toBe(1);
    expect(await upgradeOf(a)).toMatchObject({ status: "approved", queuedSha: head });
    const after = await eventsOf(a);
    expect(after.filter((e) => e.type === "upgrade.enqueued")).toHaveLength(1);
    expect(after.slice(events)).toEqual([]); // the gate was green already: nothing new to record
    expect(comments(n).filter((c) => c.includes("Added to GitHub's merge queue"))).toHaveLength(1);
  });

  it("a replica that died right after enqueueing: the claim's recovery records the queue's entry and enqueues nothing", async () => {
    fake.setConfig(REPO, "applyMode: manual\n");
    const app = await replica();
    const { n, head } = await proposedAndGreen(app);
    await app.send("pull_request_review", fake.payloads.review(REPO, n, "alice", "approved", head));
    // What a replica leaves when it dies right after GitHub took its enqueue: the claim saved
    // (as `/apply` saves it), the PR in the queue, nothing more recorded.
    const claimedAt = app.clock.now;
    await app.db.upgrade.updateMany({ where: { repository: REPO }, data: { mergeClaimSha: head, mergeClaimedAt: claimedAt } });
    await enqueueAsTheApp(n, head);
    expect(fake.queuePositionOf(REPO, n)).toBe(1);

    app.clock.now = new Date(claimedAt.getTime() + 11 * 60_000);
    await sweep(app.queue.deps, app.queue.processor);
    expect(await upgradeOf(app)).toMatchObject({ status: "approved", mergeClaimSha: head, queuedSha: head });
    const events = await eventsOf(app);
    expect(events.at(-1)).toMatchObject({ type: "upgrade.enqueued", via: "timer" });
    expect(events.filter((e) => e.type === "upgrade.merge_retried")).toEqual([]);
    expect(operations("UpgradeQueueEnqueue")).toHaveLength(1); // the dead replica's, none since
    // Later sweeps leave it to the queue.
    app.clock.now = new Date(claimedAt.getTime() + 60 * 60_000);
    await sweep(app.queue.deps, app.queue.processor);
    expect((await eventsOf(app)).length).toBe(events.length);
  });

  it("a replica that died after enqueueing, and the queue removed it meanwhile: the recovery fails it with GitHub's reason (no second enqueue)", async () => {
    fake.setConfig(REPO, "applyMode: manual\n");
    const app = await replica();
    const { n, head } = await proposedAndGreen(app);
    await app.send("pull_request_review", fake.payloads.review(REPO, n, "alice", "approved", head));
    // The fake's timeline runs on the wall clock: the claim is dated on it too.
    await app.db.upgrade.updateMany({ where: { repository: REPO }, data: { mergeClaimSha: head, mergeClaimedAt: new Date(Date.now() - 5_000) } });
    await enqueueAsTheApp(n, head);
    fake.removeFromQueue(REPO, n, CI_FAILED);
    await sweepAt(app, new Date(Date.now() + 11 * 60_000));
    expect(await upgradeOf(app)).toMatchObject({ status: "failed", errorMessage: expect.stringContaining(CI_FAILED) });
    expect((await eventsOf(app)).slice(-3).map((e) => e.type)).toEqual(["upgrade.enqueued", "upgrade.dequeued", "upgrade.failed"]);
    expect(operations("UpgradeQueueEnqueue")).toHaveLength(1);
  });

  it("new commits while queued: GitHub drops it from the queue, approvals no longer count, and its `dequeued` delivery fails nothing", async () => {
    const app = await replica();
    const { n } = await enqueued(app);
    const newHead = fake.pushCommit({ repo: REPO, branch: BRANCH, message: "Cache embeddings, bounded", files: { "src/cache.ts": "export const cache = new Map(); // bounded\n" }, author: "agent" });
    expect(fake.queuePositionOf(REPO, n)).toBeNull();
    await app.send("push", fake.payloads.push(REPO, BRANCH));
    await app.send("pull_request", fake.payloads.dequeued(REPO, n));
    expect(await upgradeOf(app)).toMatchObject({ status: "proposed", headSha: newHead, approvedSha: null, mergeClaimSha: null, queuedSha: null });
    const types = (await eventsOf(app)).map((e) => e.type);
    expect(types.at(-1)).toBe("upgrade.approval_invalidated");
    expect(types).not.toContain("upgrade.failed");
  });

  it("frozen: nothing is enqueued; after /unfreeze the approved upgrade is enqueued", async () => {
    const app = await replica();
    const { n, head } = await proposedAndGreen(app);
    await app.send("issue_comment", fake.payloads.issueComment("created", REPO, n, "acme", "/freeze release week"));
    await app.send("pull_request_review", fake.payloads.review(REPO, n, "alice", "approved", head));
    expect(operations("UpgradeQueueEnqueue")).toEqual([]);
    expect(await upgradeOf(app)).toMatchObject({ status: "approved", mergeClaimSha: null, queuedSha: null });
    await app.send("issue_comment", fake.payloads.issueComment("created", REPO, n, "acme", "/unfreeze"));
    expect(operations("UpgradeQueueEnqueue")).toHaveLength(1);
    expect(await upgradeOf(app)).toMatchObject({ status: "approved", queuedSha: head });
  });

  it("auto-approve and the urgent bypass enqueue too (never merge directly)", async () => {
    // Both on: a commit with the urgency trailer is bypassed, any other low-risk one auto-approved.
    fake.setConfig(REPO, "autoApprove:\n  enabled: true\n  afterHours: 0\nurgent:\n  enabled: true\n");
    const app = await replica();
    const { n, head } = await proposedAndGreen(app);
    expect(await upgradeOf(app)).toMatchObject({ status: "approved", queuedSha: head });
    expect((await eventsOf(app)).find((e) => e.type === "upgrade.approved")?.actor).toBe("auto-approve");
    expect(fake.queuePositionOf(REPO, n)).toBe(1);

    const urgentBranch = "self-modify/hotfix";
    const urgentHead = fake.pushCommit({ repo: REPO, branch: urgentBranch, message: "Fix the crash\n\nUpgrade-Urgency: urgent", files: { "src/fix.ts": "export const fixed = true;\n" }, author: "agent" });
    await app.send("push", fake.payloads.push(REPO, urgentBranch));
    const urgent = await app.db.upgrade.findFirstOrThrow({ where: { repository: REPO, branchName: urgentBranch } });
    const run = fake.completeCheckRun({ repo: REPO, sha: urgentHead, name: "test", conclusion: "success" });
    await app.send("check_run", fake.payloads.checkRun("completed", REPO, run.id));
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id: urgent.id } })).toMatchObject({ status: "approved", bypassed: true, queuedSha: urgentHead });
    expect(fake.queuePositionOf(REPO, urgent.pullNumber)).toBe(2);
    expect(operations("UpgradeQueueMerge")).toEqual([]);
  });
});
