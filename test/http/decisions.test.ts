import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, csrfFrom, signInWithGitHub, signInWithToken } from "./client.js";
import { createDb, fakeDashboard, seedUpgrade, serveHandler, startGitHubStub, type GitHubStub, type Served, type TestDb } from "./support.js";

const TOKEN = "status-token-123";

describe("Approve and Reject buttons (CONTRACT §6)", () => {
  let t: TestDb;
  let stub: GitHubStub;
  let served: Served;
  let dashboard: ReturnType<typeof fakeDashboard>;
  let id: number;
  let hiddenId: number;

  beforeAll(async () => {
    t = await createDb();
    stub = await startGitHubStub();
    id = (await seedUpgrade(t.db, { repository: "acme/agent" })).id;
    hiddenId = (await seedUpgrade(t.db, { repository: "acme/secret" })).id;
    stub.repos.set("alice", ["acme/agent"]);
    stub.repos.set("carol", ["acme/agent"]);
    dashboard = fakeDashboard({ [id]: ["alice"], [hiddenId]: ["alice"] });
    served = await serveHandler(
      t.db,
      { githubBaseUrl: stub.url, statusPageToken: TOKEN, githubClientId: "Iv1.test", githubClientSecret: "shh" },
      dashboard,
    );
  });

  afterAll(async () => {
    await served.close();
    await stub.close();
    await t.cleanup();
  });

  async function github(login: string): Promise<{ browser: Browser; csrf: string }> {
    const browser = new Browser(served.url);
    stub.codes.set(`code-${login}-${browser.cookies.size}`, login);
    expect((await signInWithGitHub(browser, `code-${login}-0`)).status).toBe(303);
    const page = await (await browser.get("/self-modify/queue")).text();
    return { browser, csrf: csrfFrom(page) };
  }

  it("approves through dashboard.decide and redirects back with 303", async () => {
    const { browser, csrf } = await github("alice");
    const response = await browser.post(`/self-modify/queue/${id}/approve`, { csrf });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/self-modify/queue/${id}`);
    expect(dashboard.decisions.at(-1)).toEqual({ upgradeId: id, login: "alice", decision: "approve" });
  });

  it("the Approve form names the head the page shows, and the post passes it on (a malformed one is dropped)", async () => {
    const { browser, csrf } = await github("alice");
    const page = await (await browser.get(`/self-modify/queue/${id}`)).text();
    expect(page).toContain(`<input type="hidden" name="sha" value="${"a".repeat(40)}">`);
    expect((await browser.post(`/self-modify/queue/${id}/approve`, { csrf, sha: "a".repeat(40) })).status).toBe(303);
    expect(dashboard.decisions.at(-1)).toEqual({ upgradeId: id, login: "alice", decision: "approve", sha: "a".repeat(40) });
    expect((await browser.post(`/self-modify/queue/${id}/approve`, { csrf, sha: "HEAD; drop table" })).status).toBe(303);
    expect(dashboard.decisions.at(-1)).toEqual({ upgradeId: id, login: "alice", decision: "approve" });
  });

  it("rejects with a reason", async () => {
    const { browser, csrf } = await github("alice");
    const response = await browser.post(`/self-modify/queue/${id}/reject`, { csrf, reason: "  too risky  " });
    expect(response.status).toBe(303);
    expect(dashboard.decisions.at(-1)).toEqual({ upgradeId: id, login: "alice", decision: "reject", reason: "too risky" });
  });

  it("refuses a missing or wrong CSRF token with 403 and decides nothing", async () => {
    const { browser } = await github("alice");
    const before = dashboard.decisions.length;
    expect((await browser.post(`/self-modify/queue/${id}/approve`, {})).status).toBe(403);
    expect((await browser.post(`/self-modify/queue/${id}/approve`, { csrf: "forged" })).status).toBe(403);
    expect(dashboard.decisions.length).toBe(before);
  });

  it("answers 403 (from decide) to a user who may not decide, even with a valid form", async () => {
    const { browser, csrf } = await github("carol");
    const page = await (await browser.get(`/self-modify/queue/${id}`)).text();
    expect(page).not.toContain(`/self-modify/queue/${id}/approve`);
    const before = dashboard.decisions.length;
    expect((await browser.post(`/self-modify/queue/${id}/approve`, { csrf })).status).toBe(403);
    expect(dashboard.decisions.length).toBe(before);
  });

  it("answers 404 for an upgrade of a repository the user cannot read", async () => {
    const { browser, csrf } = await github("alice");
    expect((await browser.post(`/self-modify/queue/${hiddenId}/approve`, { csrf })).status).toBe(404);
  });

  it("answers 401 to a token session, a bearer token and nobody", async () => {
    const tokenBrowser = new Browser(served.url);
    await signInWithToken(tokenBrowser, TOKEN);
    const csrf = csrfFrom(await (await tokenBrowser.get("/self-modify/queue")).text());
    expect((await tokenBrowser.post(`/self-modify/queue/${id}/approve`, { csrf })).status).toBe(401);
    const bearer = new Browser(served.url);
    expect((await bearer.post(`/self-modify/queue/${id}/approve`, {}, { authorization: `Bearer ${TOKEN}` })).status).toBe(401);
    expect((await new Browser(served.url).post(`/self-modify/queue/${id}/reject`, {})).status).toBe(401);
  });

  it("passes decide's 409 through", async () => {
    const { browser, csrf } = await github("alice");
    const original = dashboard.decide;
    dashboard.decide = async () => ({ ok: false, status: 409, message: "already applied" });
    try {
      const response = await browser.post(`/self-modify/queue/${id}/approve`, { csrf });
      expect(response.status).toBe(409);
      expect(await response.text()).toContain("already applied");
    } finally {
      dashboard.decide = original;
    }
  });
});
