/**
 * The status page in a real browser (Chromium, test/support/browser.ts) against the
 * real handler on 127.0.0.1 and a seeded database.
 */
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDb,
  fakeDashboard,
  seedEvent,
  seedUpgrade,
  serveHandler,
  startGitHubStub,
  type GitHubStub,
  type Served,
  type TestDb,
} from "../http/support.js";
import { launchChromium } from "../support/browser.js";

const TOKEN = "wall-screen-token";

describe("status page in Chromium", () => {
  let t: TestDb;
  let stub: GitHubStub;
  let served: Served;
  let browser: Browser;
  let dashboard: ReturnType<typeof fakeDashboard>;
  let evilId: number;
  let plainId: number;
  const dialogs: string[] = [];

  beforeAll(async () => {
    t = await createDb();
    stub = await startGitHubStub();
    const evil = await seedUpgrade(t.db, {
      repository: "acme/agent",
      title: "<script>alert(1)</script>",
      description: 'Adds caching. <img src=x onerror="alert(2)">',
      diffPreview: "--- a/src/plan.ts\n+++ b/src/plan.ts\n@@ -1,3 +1,3 @@\n context\n-const cache = null;\n+const cache = new Map();\n",
      filesChanged: JSON.stringify([{ filename: "src/plan.ts", status: "modified", additions: 1, deletions: 1 }]),
      additions: 1,
      deletions: 1,
      testResults: JSON.stringify({ state: "passed", sha: "a".repeat(40), summary: "2 of 2 checks passed", checks: [{ name: "test", conclusion: "success", url: "https://ci.example/1" }, { name: "lint", conclusion: "success", url: null }] }),
      proposedAt: new Date(Date.now() - 3 * 3600_000),
    });
    evilId = evil.id;
    await seedEvent(t.db, evil, { type: "upgrade.proposed", actor: "agent-bot", via: "push" });
    plainId = (
      await seedUpgrade(t.db, {
        repository: "acme/agent",
        title: "Tune the retry policy",
        description: "Fewer retries on 4xx.",
        guarded: true,
        filesChanged: JSON.stringify([{ filename: ".github/workflows/ci.yml", status: "modified", additions: 4, deletions: 2 }]),
        additions: 4,
        deletions: 2,
        testResults: JSON.stringify({ state: "failed", sha: "b", summary: "1 of 2 checks passed; test failed: 1 error", checks: [{ name: "test", conclusion: "failure", url: "https://ci.example/2" }] }),
        proposedAt: new Date(Date.now() - 26 * 3600_000),
      })
    ).id;
    const applied = await seedUpgrade(t.db, {
      repository: "acme/agent",
      status: "applied",
      title: "Fix auth bug",
      approvedBy: JSON.stringify(["alice"]),
      mergeCommitSha: "c".repeat(40),
      previousSha: "d".repeat(40),
      appliedAt: new Date(Date.now() - 2 * 3600_000),
      proposedAt: new Date(Date.now() - 30 * 3600_000),
    });
    await seedEvent(t.db, applied, { type: "upgrade.applied", actor: "alice", via: "review" });
    const rejected = await seedUpgrade(t.db, {
      repository: "acme/agent",
      status: "rejected",
      title: "Change config",
      rejectedAt: new Date(Date.now() - 24 * 3600_000),
      proposedAt: new Date(Date.now() - 48 * 3600_000),
    });
    await seedEvent(t.db, rejected, { type: "upgrade.rejected", actor: "bob", via: "dashboard" });
    stub.repos.set("alice", ["acme/agent"]);
    stub.repos.set("carol", ["acme/agent"]);
    dashboard = fakeDashboard({ [evilId]: ["alice"], [plainId]: ["alice"] });
    served = await serveHandler(
      t.db,
      { githubBaseUrl: stub.url, statusPageToken: TOKEN, githubClientId: "Iv1.test", githubClientSecret: "shh" },
      dashboard,
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await stub?.close();
    await t?.cleanup();
  });

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    return { context, page };
  }

  async function signInWithToken(page: Page) {
    await page.goto(`${served.url}/self-modify/login`);
    await page.fill("input[name=token]", TOKEN);
    await page.click("text=Sign in with token");
    await page.waitForURL(`${served.url}/self-modify/queue`);
  }

  async function signInWithGitHub(page: Page, login: string) {
    stub.authorizeAs = login;
    await page.goto(`${served.url}/self-modify/login`);
    await page.click("text=Sign in with GitHub");
    await page.waitForURL(`${served.url}/self-modify/queue`);
  }

  it("answers 401 without the token", async () => {
    const { context, page } = await newPage();
    const response = await page.goto(`${served.url}/self-modify/queue`);
    expect(response?.status()).toBe(401);
    await expect(page.textContent("body")).resolves.toContain("Sign in required");
    await context.close();
  });

  it("signs in with the token form; lists pending and history; renders agent text as text; runs nothing", async () => {
    const { context, page } = await newPage();
    await signInWithToken(page);
    await expect(page.locator("h2", { hasText: "Pending upgrades (2)" }).count()).resolves.toBe(1);
    await expect(page.locator("header .count").textContent()).resolves.toBe("2");
    const titles = await page.locator("article.card h3").allTextContents();
    expect(titles).toEqual(["Tune the retry policy", "<script>alert(1)</script>"]);
    await expect(page.getByText('Adds caching. <img src=x onerror="alert(2)">').isVisible()).resolves.toBe(true);
    const history = await page.locator("table tbody tr").allTextContents();
    expect(history.join("\n")).toContain("Fix auth bug");
    expect(history.join("\n")).toContain("Change config");
    await expect(page.locator("button.approve").count()).resolves.toBe(0);
    await expect(page.locator("img").count()).resolves.toBe(0);
    mkdirSync("test-artifacts", { recursive: true });
    await page.screenshot({ path: "test-artifacts/status-page.png", fullPage: true });
    await page.goto(`${served.url}/self-modify/queue/${evilId}`);
    await expect(page.locator("h1").textContent()).resolves.toBe("<script>alert(1)</script>");
    await expect(page.locator("pre.diff .d-add").first().textContent()).resolves.toBe("+const cache = new Map();");
    await page.screenshot({ path: "test-artifacts/status-page-upgrade.png", fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${served.url}/self-modify/queue`);
    await page.screenshot({ path: "test-artifacts/status-page-phone.png", fullPage: true });
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it("a GitHub approver sees and clicks Approve; the decision reaches the pipeline and the page comes back", async () => {
    const { context, page } = await newPage();
    await signInWithGitHub(page, "alice");
    await expect(page.locator(".who").textContent()).resolves.toContain("@alice");
    const card = page.locator(`#upgrade-${plainId}`);
    await card.locator("button.approve").click();
    await page.waitForURL(`${served.url}/self-modify/queue/${plainId}`);
    // The form names the head the page showed (the seeded upgrade's).
    expect(dashboard.decisions).toContainEqual({ upgradeId: plainId, login: "alice", decision: "approve", sha: "a".repeat(40) });
    await page.fill("input[name=reason]", "not now");
    await page.click("button.reject");
    await page.waitForURL(`${served.url}/self-modify/queue/${plainId}`);
    expect(dashboard.decisions.at(-1)).toEqual({ upgradeId: plainId, login: "alice", decision: "reject", reason: "not now" });
    await page.screenshot({ path: "test-artifacts/status-page-approver.png", fullPage: true });
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it("a read-only GitHub user sees no buttons, and a forged post is refused", async () => {
    const { context, page } = await newPage();
    await signInWithGitHub(page, "carol");
    await expect(page.locator("button.approve").count()).resolves.toBe(0);
    await expect(page.locator("button.reject").count()).resolves.toBe(0);
    const before = dashboard.decisions.length;
    const noCsrf = await page.request.post(`${served.url}/self-modify/queue/${plainId}/approve`, { form: { csrf: "forged" }, maxRedirects: 0 });
    expect(noCsrf.status()).toBe(403);
    const csrf = await page.locator("input[name=csrf]").first().getAttribute("value");
    const withCsrf = await page.request.post(`${served.url}/self-modify/queue/${plainId}/approve`, { form: { csrf: csrf ?? "" }, maxRedirects: 0 });
    expect(withCsrf.status()).toBe(403);
    expect(dashboard.decisions.length).toBe(before);
    await context.close();
  });

  it("a token session may not post decisions", async () => {
    const { context, page } = await newPage();
    await signInWithToken(page);
    const csrf = await page.locator("input[name=csrf]").first().getAttribute("value");
    const response = await page.request.post(`${served.url}/self-modify/queue/${plainId}/approve`, { form: { csrf: csrf ?? "" }, maxRedirects: 0 });
    expect(response.status()).toBe(401);
    await context.close();
  });
});
