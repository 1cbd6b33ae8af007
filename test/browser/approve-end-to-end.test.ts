/**
 * The Approve button as users meet it: the real app (`npm start`'s command, contract env only)
 * against the GitHub-compatible server, signed in through the app's OAuth web flow in Chromium.
 * The click goes through the same decide() path as a review: the upgrade is approved, the app
 * comments on the PR naming the user, and the event has `via: dashboard`. A read-only user sees
 * no buttons, a forged post is refused, and an Approve clicked on a page older than the head
 * approves nothing.
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppProcess, eventually, freePort, contractEnv, startAppProcess } from "../support/app-process.js";
import { launchChromium } from "../support/browser.js";
import { type EmptyDatabase, createEmptyTestDatabase } from "../support/database.js";
import { type FakeGitHub, createWebhookSender, startFakeGitHub } from "../support/fake-github/index.js";

const SECRET = "browser-e2e-secret";
const REPO = "acme/agent";
const BRANCH = "self-modify/tidy";

describe("approving from the status page, end to end", () => {
  let fake: FakeGitHub;
  let app: AppProcess;
  let browser: Browser;
  let database: EmptyDatabase;
  let number = 0;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: "acme", name: "agent", private: true });
    fake.setCollaborator(REPO, "alice", "write");
    fake.setCollaborator(REPO, "rita", "read");
    fake.setUser("agent", { type: "User" });
    database = await createEmptyTestDatabase();
    const port = await freePort();
    app = await startAppProcess(
      contractEnv(fake, { secret: SECRET, databaseUrl: database.url }, {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        GITHUB_CLIENT_ID: fake.clientId,
        GITHUB_CLIENT_SECRET: fake.clientSecret,
        SESSION_SECRET: "browser-e2e-session-secret",
      }),
      { port },
    );
    fake.autoDeliver({ url: `${app.url}/api/github/webhooks`, secret: SECRET });
    fake.pushCommit({ repo: REPO, branch: BRANCH, message: "Tidy the planner", files: { "src/planner.ts": "export const plan = [];\n" }, author: "agent" });
    await createWebhookSender({ url: `${app.url}/api/github/webhooks`, secret: SECRET }).send("push", fake.payloads.push(REPO, BRANCH));
    number = await eventually(() => {
      for (let n = 1; n <= 3; n++) {
        try {
          if (fake.getPull(REPO, n).head.ref === BRANCH) return fake.labelsOf(REPO, n).includes("upgrade:proposed") ? n : undefined;
        } catch {
          return undefined;
        }
      }
      return undefined;
    }, "the app to propose the upgrade");
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await fake?.close();
    await database?.drop();
  });

  async function signIn(login: string): Promise<Page> {
    fake.setOAuthUser(login);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app.url}/self-modify/login`);
    await page.click("text=Sign in with GitHub");
    await page.waitForURL(`${app.url}/self-modify/queue`);
    return page;
  }

  it("a read-only user sees the upgrade but no buttons, and a forged post is refused", async () => {
    const page = await signIn("rita");
    await expect(page.locator("article.card h3").allTextContents()).resolves.toContain("Tidy the planner");
    await expect(page.locator("button.approve").count()).resolves.toBe(0);
    const id = await page.locator("article.card").first().getAttribute("id");
    // The page runs no script (strict CSP), so the forgery is posted with the browser's cookies.
    const forged = await page.context().request.post(`${app.url}/self-modify/queue/${id?.replace("upgrade-", "")}/approve`, { form: { csrf: "forged" }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    expect(fake.commentsOf(REPO, number)).toEqual([]);
  });

  it("the agent pushes while an approver has the page open: her Approve is of the commit she saw, so it approves nothing and the page says why", async () => {
    const page = await signIn("alice");
    const id = Number((await page.locator("article.card").first().getAttribute("id"))?.replace("upgrade-", ""));
    const moved = fake.pushCommit({ repo: REPO, branch: BRANCH, message: "Tidy the planner more", files: { "src/planner.ts": "export const plan = [1];\n" }, author: "agent" });
    await createWebhookSender({ url: `${app.url}/api/github/webhooks`, secret: SECRET }).send("push", fake.payloads.push(REPO, BRANCH));
    await eventually(async () => {
      const json = (await (await page.context().request.get(`${app.url}/self-modify/queue/${id}.json`)).json()) as { upgrade: { headSha: string } };
      return json.upgrade.headSha === moved || undefined;
    }, "the app to take the new head");
    await page.click("article.card button.approve");
    expect(page.url()).toMatch(/\/approve$/);
    await expect(page.locator("body").textContent()).resolves.toContain(`the head is now ${moved.slice(0, 7)}`);
    const detail = (await (await page.context().request.get(`${app.url}/self-modify/queue/${id}.json`)).json()) as {
      upgrade: { status: string; approvedBy: string[] };
      events: Array<{ type: string; actor: string; via: string }>;
    };
    expect(detail.upgrade).toMatchObject({ status: "proposed", approvedBy: [] });
    expect(detail.events.filter((e) => e.type === "upgrade.approval_stale")).toEqual([expect.objectContaining({ actor: "alice", via: "dashboard" })]);
    expect(fake.labelsOf(REPO, number)).toEqual(["upgrade:proposed"]);
  });

  it("an approver clicks Approve: approved through the pipeline, commented on the PR, recorded via dashboard", async () => {
    const page = await signIn("alice");
    await page.click("article.card button.approve");
    await page.waitForURL(/\/self-modify\/queue\/\d+$/);
    const upgradeId = Number(new URL(page.url()).pathname.split("/").pop());
    const comment = await eventually(() => fake.commentsOf(REPO, number).find((c) => c.body.includes("@alice approved")), "the app's PR comment");
    expect(comment.body).toContain("status page");
    expect(comment.user.login).toBe(fake.botLogin);
    await eventually(() => fake.labelsOf(REPO, number).join() === "upgrade:approved", "the approved label");
    const detail = (await (await page.context().request.get(`${app.url}/self-modify/queue/${upgradeId}.json`)).json()) as {
      upgrade: { status: string; approvedBy: string[] };
      events: Array<{ type: string; actor: string; via: string }>;
    };
    expect(detail.upgrade).toMatchObject({ status: "approved", approvedBy: ["alice"] });
    expect(detail.events.find((e) => e.type === "upgrade.approved")).toMatchObject({ actor: "alice", via: "dashboard" });
  });
});
