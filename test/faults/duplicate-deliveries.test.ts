/**
 * Duplicate deliveries: GitHub (or a proxy, or a replay) sends the same approval many times at
 * once. The inbox dedupes by X-GitHub-Delivery id, and the conditional save on the upgrade's
 * version keeps one transition and one merge however many different deliveries race.
 */
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { type TestApp, WEBHOOK_SECRET, } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, review, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { mergeMutation, readPull, setLabels } from "../rules/github.js";

const repoPath = `/repos/${FULL}`;
const BRANCH = "self-modify/cache";
const BASE_HEAD = sha("b");
const MERGE = sha("c");
const REVIEW_ID = 501;

useNock();

let app: TestApp;
useTestApp((created) => (app = created), () => {
  // Concurrent first requests may each mint a token before the first one is cached.
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" }).persist();
});

/**
 * Everything one approval of a green upgrade costs: `reads` reads of the PR with its reviews
 * (one per processed delivery: GitHub lists alice's review and says she can push, so no
 * permission lookup), one merge and its presentation. Passes over one upgrade run one after
 * another, each reading the PR inside it: the first finds it open and green and merges it,
 * every later one finds it merged.
 */
function mockOneMerge(reads: number) {
  nock(API).get(/\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/).reply(404, { message: "Not Found" });
  const pull = { head: SEED_HEAD, branch: BRANCH, checks: [{ name: "test", conclusion: "success" }], ownCheckRun: 77, reviews: [{ id: REVIEW_ID, author: "alice", commit: SEED_HEAD, canPush: true }] };
  readPull(12, { ...pull, labels: ["upgrade:proposed"] }, { reviews: true });
  for (let i = 1; i < reads; i++) {
    readPull(12, { ...pull, state: "closed", merged: true, mergedBy: "upgrade-queue[bot]", mergeCommit: MERGE, labels: ["upgrade:applied"] }, { reviews: true });
  }
  // The merge decides from the review's read; its answer names the merge commit's first parent.
  mergeMutation(12, { expectedHeadOid: SEED_HEAD, mergeMethod: "SQUASH", commitHeadline: "Teach the agent to cache embeddings (#12)" }, { merged: MERGE, parent: BASE_HEAD });
  setLabels(12, ["upgrade:applied"]);
  nock(API).patch(`${repoPath}/check-runs/77`, (b) => b.conclusion === "success" && b.output.title === "Applied").reply(200, { id: 77 });
  nock(API).post(`${repoPath}/issues/12/comments`, (b) => b.body.includes("Approved by @alice") && b.body.includes("Applied: merged")).reply(201, { id: 1 });
  nock(API).delete(/\/repos\/acme\/agent\/git\/refs\/heads(%2F|\/)self-modify(%2F|\/)cache/).reply(204);
}

async function deliverConcurrently(ids: string[]): Promise<void> {
  const body = JSON.stringify(review({ number: 12, branch: BRANCH, head: SEED_HEAD, reviewer: "alice", state: "approved", id: REVIEW_ID }));
  const signature = await sign(WEBHOOK_SECRET, body);
  await Promise.all(ids.map((id) => app.probot.webhooks.verifyAndReceive({ id, name: "pull_request_review", payload: body, signature })));
  await app.queue.processor.idle();
}

async function expectAppliedOnce(upgradeId: number) {
  const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id: upgradeId } });
  expect(upgrade).toMatchObject({ status: "applied", approvedSha: SEED_HEAD, mergeCommitSha: MERGE, previousSha: BASE_HEAD, mergeClaimSha: null });
  const types = (await eventsOf(app.db, upgradeId)).map((e) => e.type);
  expect(types).toEqual(["upgrade.proposed", "upgrade.approved", "upgrade.applied"]);
  expect(await app.db.approval.count({ where: { upgradeId } })).toBe(1);
}

describe("the same approval delivered many times at once", () => {
  it("50 copies of one delivery id: stored once, one transition, one merge", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    mockOneMerge(1);
    const deliveryId = randomUUID();
    await deliverConcurrently(Array.from({ length: 50 }, () => deliveryId));
    expectAllMocksUsed(); // exactly one merge mutation: a second would match no mock
    await expectAppliedOnce(id);
    expect(await app.db.delivery.count()).toBe(1);
    expect((await app.db.delivery.findUniqueOrThrow({ where: { id: deliveryId } })).processedAt).not.toBeNull();
  });

  it("50 different delivery ids of the same approval: one upgrade.approved, one merge", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    // Each delivery is processed (GitHub may send a review twice under two ids), so each reads
    // the PR with its reviews; only one of them changes anything.
    mockOneMerge(50);
    const ids = Array.from({ length: 50 }, () => randomUUID());
    await deliverConcurrently(ids);
    expectAllMocksUsed();
    await expectAppliedOnce(id);
    const deliveries = await app.db.delivery.findMany({ select: { processedAt: true, error: true } });
    expect(deliveries).toHaveLength(50);
    expect(deliveries.every((d) => d.processedAt !== null && d.error === null)).toBe(true);
  });
});
