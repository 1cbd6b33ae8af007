import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser } from "./client.js";
import { createDb, fakeDashboard, seedEvent, seedUpgrade, serveHandler, type Served, type TestDb } from "./support.js";

const TOKEN = "status-token-123";
const auth = { authorization: `Bearer ${TOKEN}`, accept: "application/json" };

describe("status page JSON (CONTRACT §6)", () => {
  let t: TestDb;
  let served: Served;
  let browser: Browser;
  let fullId: number;

  beforeAll(async () => {
    t = await createDb();
    const full = await seedUpgrade(t.db, {
      repository: "acme/agent",
      pullNumber: 42,
      status: "applied",
      title: "Speed up planning",
      description: "Caches plans.\n\nUpgrade-Urgency: urgent",
      branchName: "self-modify/speed-up",
      baseBranch: "main",
      headSha: "1".repeat(40),
      approvedSha: "1".repeat(40),
      approvedBy: JSON.stringify(["alice", "bob"]),
      filesChanged: JSON.stringify([{ filename: "src/plan.ts", status: "modified", additions: 3, deletions: 1 }]),
      diffPreview: "--- a/src/plan.ts\n+++ b/src/plan.ts\n@@ -1 +1 @@\n-old\n+new\n",
      testResults: JSON.stringify({
        state: "passed",
        sha: "1".repeat(40),
        summary: "1 of 1 checks passed",
        checks: [{ name: "test", conclusion: "success", url: "https://ci.example/run/1" }],
      }),
      errorMessage: null,
      additions: 3,
      deletions: 1,
      guarded: true,
      urgent: true,
      bypassed: true,
      previousSha: "2".repeat(40),
      mergeCommitSha: "3".repeat(40),
      rollbackSha: null,
      proposedAt: new Date("2026-11-20T10:00:00.000Z"),
      approvedAt: new Date("2026-11-20T11:00:00.000Z"),
      appliedAt: new Date("2026-11-20T12:00:00.000Z"),
    });
    fullId = full.id;
    await seedEvent(t.db, full, { type: "upgrade.proposed", actor: "agent-bot", via: "push", deliveryId: "d-1", at: new Date("2026-11-20T10:00:00.000Z") });
    await seedEvent(t.db, full, {
      type: "upgrade.applied",
      actor: "alice",
      via: "check",
      deliveryId: "d-2",
      at: new Date("2026-11-20T12:00:00.000Z"),
      details: JSON.stringify({ mergeCommitSha: "3".repeat(40) }),
    });
    await seedUpgrade(t.db, { pullNumber: 43, status: "proposed", proposedAt: new Date("2026-11-22T10:00:00Z") });
    await seedUpgrade(t.db, { pullNumber: 44, status: "approved", proposedAt: new Date("2026-11-21T10:00:00Z") });
    await seedUpgrade(t.db, { pullNumber: 45, status: "rejected", proposedAt: new Date("2026-11-23T10:00:00Z") });
    // The same branch name in another repository, and an earlier rejected proposal of the same branch.
    await seedUpgrade(t.db, { repository: "acme/other", pullNumber: 7, status: "proposed", branchName: "self-modify/speed-up" });
    await seedUpgrade(t.db, { pullNumber: 40, status: "rejected", branchName: "self-modify/speed-up", proposedAt: new Date("2026-11-19T10:00:00Z") });
    served = await serveHandler(
      t.db,
      { githubBaseUrl: "https://ghe.example.com", statusPageToken: TOKEN },
      fakeDashboard(),
    );
    browser = new Browser(served.url);
  });

  afterAll(async () => {
    await served.close();
    await t.cleanup();
  });

  it("serves one upgrade with exactly the contract's fields, and its events oldest first", async () => {
    const response = await browser.get(`/self-modify/queue/${fullId}.json`, auth);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as { upgrade: Record<string, unknown>; events: Array<Record<string, unknown>> };
    expect(Object.keys(body).sort()).toEqual(["events", "upgrade"]);
    expect(body.upgrade).toStrictEqual({
      id: fullId,
      repository: "acme/agent",
      pullNumber: 42,
      branch: "self-modify/speed-up",
      baseBranch: "main",
      status: "applied",
      description: "Caches plans.\n\nUpgrade-Urgency: urgent",
      headSha: "1".repeat(40),
      approvedSha: "1".repeat(40),
      approvedBy: ["alice", "bob"],
      filesChanged: [{ filename: "src/plan.ts", status: "modified", additions: 3, deletions: 1 }],
      additions: 3,
      deletions: 1,
      guarded: true,
      urgent: true,
      bypassed: true,
      testResults: {
        state: "passed",
        sha: "1".repeat(40),
        summary: "1 of 1 checks passed",
        checks: [{ name: "test", conclusion: "success", url: "https://ci.example/run/1" }],
      },
      previousSha: "2".repeat(40),
      mergeCommitSha: "3".repeat(40),
      rollbackSha: null,
      errorMessage: null,
      proposedAt: "2026-11-20T10:00:00.000Z",
      approvedAt: "2026-11-20T11:00:00.000Z",
      rejectedAt: null,
      appliedAt: "2026-11-20T12:00:00.000Z",
      expiredAt: null,
      failedAt: null,
      rolledBackAt: null,
      pullRequestUrl: "https://ghe.example.com/acme/agent/pull/42",
    });
    expect(body.events).toStrictEqual([
      {
        upgradeId: fullId,
        repository: "acme/agent",
        pullNumber: 42,
        type: "upgrade.proposed",
        actor: "agent-bot",
        via: "push",
        at: "2026-11-20T10:00:00.000Z",
        deliveryId: "d-1",
        details: {},
      },
      {
        upgradeId: fullId,
        repository: "acme/agent",
        pullNumber: 42,
        type: "upgrade.applied",
        actor: "alice",
        via: "check",
        at: "2026-11-20T12:00:00.000Z",
        deliveryId: "d-2",
        details: { mergeCommitSha: "3".repeat(40) },
      },
    ]);
  });

  it("lists pending upgrades first (oldest first), then history newest first", async () => {
    const response = await browser.get("/self-modify/queue.json", auth);
    const body = (await response.json()) as { pendingCount: number; upgrades: Array<{ pullNumber: number; status: string }>; frozen: unknown[] };
    expect(Object.keys(body).sort()).toEqual(["frozen", "pendingCount", "upgrades"]);
    expect(body.frozen).toEqual([]); // no repository is frozen
    expect(body.pendingCount).toBe(3);
    expect(body.upgrades.map((u) => u.pullNumber)).toEqual([7, 44, 43, 45, 42, 40]);
  });

  it("filters by repo and status", async () => {
    const byStatus = (await (await browser.get("/self-modify/queue.json?status=rejected", auth)).json()) as { upgrades: Array<{ pullNumber: number }> };
    expect(byStatus.upgrades.map((u) => u.pullNumber)).toEqual([45, 40]);
    const byRepo = (await (await browser.get("/self-modify/queue.json?repo=other/repo", auth)).json()) as { upgrades: unknown[] };
    expect(byRepo.upgrades).toEqual([]);
  });

  it("filters by branch, alone or with repo, and keeps the filter in the next-page link", async () => {
    type Body = { upgrades: Array<{ repository: string; pullNumber: number; branch: string }> };
    const get = async (query: string) => (await (await browser.get(`/self-modify/queue.json?${query}`, auth)).json()) as Body;
    const byBranch = await get("branch=self-modify/speed-up");
    expect(byBranch.upgrades.map((u) => [u.repository, u.pullNumber])).toEqual([["acme/other", 7], ["acme/agent", 42], ["acme/agent", 40]]);
    const byBoth = await get(`repo=acme/agent&branch=${encodeURIComponent("self-modify/speed-up")}`);
    expect(byBoth.upgrades.map((u) => u.pullNumber)).toEqual([42, 40]);
    expect(byBoth.upgrades.every((u) => u.branch === "self-modify/speed-up")).toBe(true);
    expect((await get("branch=self-modify/nothing-like-it")).upgrades).toEqual([]);
    // A prefix is not a match: the filter is the exact branch name.
    expect((await get("branch=self-modify/speed")).upgrades).toEqual([]);

    const first = await browser.get("/self-modify/queue.json?repo=acme/agent&branch=self-modify/speed-up&limit=1", auth);
    expect(((await first.json()) as Body).upgrades.map((u) => u.pullNumber)).toEqual([42]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1] ?? "";
    expect(new URL(next).searchParams.get("branch")).toBe("self-modify/speed-up");
    expect(((await (await browser.get(next, auth)).json()) as Body).upgrades.map((u) => u.pullNumber)).toEqual([40]);
  });

  it("pages the history with a Link header", async () => {
    const first = await browser.get("/self-modify/queue.json?limit=1", auth);
    const firstBody = (await first.json()) as { upgrades: Array<{ pullNumber: number }> };
    expect(firstBody.upgrades.map((u) => u.pullNumber)).toEqual([7, 44, 43, 45]);
    const link = first.headers.get("link") ?? "";
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1];
    expect(next).toBeTruthy();
    const second = (await (await browser.get(next as string, auth)).json()) as { upgrades: Array<{ pullNumber: number }> };
    expect(second.upgrades.map((u) => u.pullNumber)).toEqual([42]);
  });

  it("serves the diff as text/x-diff", async () => {
    const response = await browser.get(`/self-modify/queue/${fullId}/diff`, auth);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/x-diff/);
    expect(await response.text()).toContain("+new");
  });

  it("answers 404 for an unknown upgrade and leaves other paths to Probot", async () => {
    expect((await browser.get("/self-modify/queue/99999.json", auth)).status).toBe(404);
    const other = await browser.get("/api/github/webhooks", auth);
    expect(await other.text()).toBe("probot 404");
  });
});
