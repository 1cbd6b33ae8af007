/**
 * Freeze, Unfreeze and Roll back as maintainers meet them: the real app (`npm start`'s command,
 * contract env only) against the GitHub-compatible server, signed in with GitHub in Chromium.
 * Frozen from the page, an approved green upgrade is not merged (the check run and the page say
 * who froze it and why); Unfreeze merges it; Roll back undoes it with a PR comment naming the
 * maintainer, recorded `via: dashboard`. A write user sees none of these buttons.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppProcess, contractEnv, eventually, freePort, startAppProcess } from "../support/app-process.js";
import { launchChromium } from "../support/browser.js";
import { type EmptyDatabase, createEmptyTestDatabase } from "../support/database.js";
import { type FakeGitHub, type WebhookSender, createWebhookSender, startFakeGitHub } from "../support/fake-github/index.js";

const SECRET = "browser-freeze-secret";
const REPO = "acme/agent";
const BRANCH = "self-modify/planner";

interface Detail {
  upgrade: { id: number; status: string; mergeCommitSha: string | null; rollbackSha: string | null };
  events: Array<{ type: string; actor: string; via: string }>;
}

describe("freezing, unfreezing and rolling back from the status page", () => {
  let fake: FakeGitHub;
  let app: AppProcess;
  let browser: Browser;
  let database: EmptyDatabase;
  let hooks: WebhookSender;
  let number = 0;
  let head = "";

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: "acme", name: "agent", private: true });
    fake.setCollaborator(REPO, "maya", "maintain");
    fake.setCollaborator(REPO, "alice", "write");
    fake.setUser("agent", { type: "User" });
    database = await createEmptyTestDatabase();
    const port = await freePort();
    app = await startAppProcess(
      contractEnv(fake, { secret: SECRET, databaseUrl: database.url }, {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        GITHUB_CLIENT_ID: fake.clientId,
        GITHUB_CLIENT_SECRET: fake.clientSecret,
        SESSION_SECRET: "browser-freeze-session-secret",
      }),
      { port },
    );
    hooks = createWebhookSender({ url: `${app.url}/api/github/webhooks`, secret: SECRET });
    fake.autoDeliver(hooks);
    head = fake.pushCommit({ repo: REPO, branch: BRANCH, message: "Plan in smaller steps", files: { "src/planner.ts": "export const steps = 3;\n" }, author: "agent" });
    await hooks.send("push", fake.payloads.push(REPO, BRANCH));
    number = await eventually(() => {
      for (const n of [1, 2]) {
        try {
          if (fake.getPull(REPO, n).head.ref === BRANCH && fake.labelsOf(REPO, n).includes("upgrade:proposed")) return n;
        } catch {
          // no such pull request (yet)
        }
      }
      return undefined;
    }, "the app to propose the upgrade").catch((error: unknown) => {
      throw new Error(`${String(error)}\n${app.output().slice(-3000)}`);
    });
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

  const ourCheckRun = () => fake.checkRunsFor(REPO, head).find((run) => run.name === "Upgrade Queue");
  const detail = async (page: Page, id: number) => (await (await page.context().request.get(`${app.url}/self-modify/queue/${id}.json`)).json()) as Detail;

  it("a write user sees neither Freeze nor Roll back", async () => {
    const page = await signIn("alice");
    await expect(page.locator("button.freeze").count()).resolves.toBe(0);
    await expect(page.locator("button.rollback").count()).resolves.toBe(0);
  });

  it("Freeze holds an approved green upgrade; Unfreeze merges it; Roll back undoes it", async () => {
    const maya = await signIn("maya");
    await maya.fill("form:has(button.freeze) input[name=reason]", "incident 42");
    await maya.click("button.freeze");
    await maya.waitForURL(/\/self-modify\/queue\?repo=acme%2Fagent$/);
    await expect(maya.locator(".notice.frozen").textContent()).resolves.toContain("Frozen by @maya: incident 42");
    await eventually(() => ourCheckRun()?.output.title === "Frozen by @maya: incident 42", "the check run to show the freeze");

    // CI goes green and an approver approves: approved, but nothing is merged.
    const run = fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "success" });
    await hooks.send("check_run", fake.payloads.checkRun("completed", REPO, run.id));
    const alice = await signIn("alice");
    await alice.click("article.card button.approve");
    await alice.waitForURL(/\/self-modify\/queue\/\d+$/);
    const id = Number(new URL(alice.url()).pathname.split("/").pop());
    await eventually(() => fake.commentsOf(REPO, number).some((c) => c.body.includes("Not merged yet: Frozen by @maya: incident 42")), "the app to say the merge waits");
    expect((await detail(alice, id)).upgrade.status).toBe("approved");
    expect(fake.getPull(REPO, number).merged).toBe(false);

    // Unfreeze: the waiting upgrade merges.
    await maya.goto(`${app.url}/self-modify/queue`);
    await maya.click("button.unfreeze");
    await maya.waitForURL(/\/self-modify\/queue\?repo=acme%2Fagent$/);
    await eventually(() => fake.getPull(REPO, number).merged, "the merge after unfreezing");
    await eventually(async () => (await detail(maya, id)).upgrade.status === "applied", "the upgrade to be applied");

    // Roll back from the upgrade's page.
    await maya.goto(`${app.url}/self-modify/queue/${id}`);
    await maya.click("button.rollback");
    await maya.waitForURL(`${app.url}/self-modify/queue/${id}`);
    const rolledBack = await eventually(async () => {
      const d = await detail(maya, id);
      return d.upgrade.status === "rolled_back" ? d : undefined;
    }, "the rollback");
    expect(rolledBack.upgrade.rollbackSha).toBe(fake.getBranchSha(REPO, "main"));
    expect(rolledBack.events.find((e) => e.type === "upgrade.rollback_requested")).toMatchObject({ actor: "maya", via: "dashboard" });
    const comment = await eventually(() => fake.commentsOf(REPO, number).find((c) => c.body.includes("@maya asked for a rollback on the Upgrade Queue status page")), "the PR comment naming the maintainer");
    expect(comment.user.login).toBe(fake.botLogin);

    const audit = (await (await maya.context().request.get(`${app.url}/self-modify/events.json?repo=acme/agent`)).json()) as { events: Array<{ type: string; actor: string; via: string; upgradeId: number | null }> };
    expect(audit.events.filter((e) => e.type.startsWith("repository.")).map((e) => [e.type, e.actor, e.via, e.upgradeId])).toEqual([
      ["repository.unfrozen", "maya", "dashboard", null],
      ["repository.frozen", "maya", "dashboard", null],
    ]);
  }, 180_000);
});
