/**
 * The Rollback, Freeze and Unfreeze buttons (CONTRACT §6): GitHub sessions only (401 otherwise),
 * CSRF (403), admin or maintain as `dashboard` says (403 otherwise, the button not even shown),
 * 303 back. queue.json lists frozen repositories, and the audit log shows repository events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, csrfFrom, signInWithGitHub, signInWithToken } from "./client.js";
import { createDb, fakeDashboard, seedUpgrade, serveHandler, startGitHubStub, type GitHubStub, type Served, type TestDb } from "./support.js";

const TOKEN = "status-token-123";

describe("maintainers' buttons", () => {
  let t: TestDb;
  let stub: GitHubStub;
  let served: Served;
  let dashboard: ReturnType<typeof fakeDashboard>;
  let applied: number;

  beforeAll(async () => {
    t = await createDb();
    stub = await startGitHubStub();
    applied = (await seedUpgrade(t.db, { repository: "acme/agent", status: "applied", mergeCommitSha: "c".repeat(40), previousSha: "d".repeat(40) })).id;
    await seedUpgrade(t.db, { repository: "acme/agent" });
    await seedUpgrade(t.db, { repository: "acme/secret" });
    stub.repos.set("maya", ["acme/agent"]);
    stub.repos.set("wendy", ["acme/agent"]);
    dashboard = fakeDashboard({}, { "acme/agent": ["maya"], "acme/secret": ["maya"] });
    served = await serveHandler(t.db, { githubBaseUrl: stub.url, statusPageToken: TOKEN, githubClientId: "Iv1.test", githubClientSecret: "shh" }, dashboard);
  });

  afterAll(async () => {
    await served.close();
    await stub.close();
    await t.cleanup();
  });

  let signIns = 0;
  async function github(login: string): Promise<{ browser: Browser; csrf: string }> {
    const browser = new Browser(served.url);
    const code = `code-${login}-${signIns++}`;
    stub.codes.set(code, login);
    expect((await signInWithGitHub(browser, code)).status).toBe(303);
    const page = await (await browser.get("/self-modify/queue")).text();
    return { browser, csrf: csrfFrom(page) };
  }

  it("a maintainer sees Roll back on an applied upgrade and Freeze on the queue; the posts go to dashboard and come back with 303", async () => {
    const { browser, csrf } = await github("maya");
    const upgradePage = await (await browser.get(`/self-modify/queue/${applied}`)).text();
    expect(upgradePage).toContain(`action="/self-modify/queue/${applied}/rollback"`);
    const queue = await (await browser.get("/self-modify/queue")).text();
    expect(queue).toContain('action="/self-modify/repos/acme/agent/freeze"');

    const rolled = await browser.post(`/self-modify/queue/${applied}/rollback`, { csrf });
    expect(rolled.status).toBe(303);
    expect(rolled.headers.get("location")).toBe(`/self-modify/queue/${applied}`);
    const frozen = await browser.post("/self-modify/repos/acme/agent/freeze", { csrf, reason: "  incident 42  " });
    expect(frozen.status).toBe(303);
    expect(frozen.headers.get("location")).toBe("/self-modify/queue?repo=acme%2Fagent");
    const unfrozen = await browser.post("/self-modify/repos/acme/agent/unfreeze", { csrf, reason: "ignored" });
    expect(unfrozen.status).toBe(303);
    expect(dashboard.maintainerActions).toEqual([
      { rollback: applied, login: "maya" },
      { repository: "acme/agent", login: "maya", frozen: true, reason: "incident 42" },
      { repository: "acme/agent", login: "maya", frozen: false },
    ]);
  });

  it("a write user sees no Roll back or Freeze button, and a valid post is refused with 403", async () => {
    const { browser, csrf } = await github("wendy");
    expect(await (await browser.get(`/self-modify/queue/${applied}`)).text()).not.toContain("/rollback");
    expect(await (await browser.get("/self-modify/queue")).text()).not.toContain("/freeze");
    const before = dashboard.maintainerActions.length;
    expect((await browser.post(`/self-modify/queue/${applied}/rollback`, { csrf })).status).toBe(403);
    expect((await browser.post("/self-modify/repos/acme/agent/freeze", { csrf })).status).toBe(403);
    expect(dashboard.maintainerActions.length).toBe(before);
  });

  it("refuses a missing or forged CSRF token with 403", async () => {
    const { browser } = await github("maya");
    const before = dashboard.maintainerActions.length;
    expect((await browser.post(`/self-modify/queue/${applied}/rollback`, {})).status).toBe(403);
    expect((await browser.post(`/self-modify/queue/${applied}/rollback`, { csrf: "forged" })).status).toBe(403);
    expect((await browser.post("/self-modify/repos/acme/agent/freeze", { csrf: "forged" })).status).toBe(403);
    expect(dashboard.maintainerActions.length).toBe(before);
  });

  it("answers 401 to a token session and to nobody, and 404 for a repository the user cannot read", async () => {
    const tokenBrowser = new Browser(served.url);
    await signInWithToken(tokenBrowser, TOKEN);
    const csrf = csrfFrom(await (await tokenBrowser.get("/self-modify/queue")).text());
    expect((await tokenBrowser.post(`/self-modify/queue/${applied}/rollback`, { csrf })).status).toBe(401);
    expect((await tokenBrowser.post("/self-modify/repos/acme/agent/freeze", { csrf })).status).toBe(401);
    expect((await new Browser(served.url).post("/self-modify/repos/acme/agent/unfreeze", {})).status).toBe(401);
    const { browser, csrf: mine } = await github("maya");
    expect((await browser.post("/self-modify/repos/acme/secret/freeze", { csrf: mine })).status).toBe(404);
  });

  it("queue.json and the pages show a frozen repository; the audit log shows repository events without an upgrade", async () => {
    const at = new Date("2026-11-20T11:00:00Z");
    await t.db.repositoryState.create({ data: { repository: "acme/agent", installationId: 1, frozenBy: "maya", frozenReason: "incident <42>", frozenAt: at } });
    await t.db.upgradeEvent.create({ data: { upgradeId: null, pullNumber: null, repository: "acme/agent", type: "repository.frozen", actor: "maya", via: "dashboard", at, details: JSON.stringify({ reason: "incident <42>" }) } });
    const auth = { authorization: `Bearer ${TOKEN}`, accept: "application/json" };
    const queue = (await (await new Browser(served.url).get("/self-modify/queue.json", auth)).json()) as { frozen: unknown[] };
    expect(queue.frozen).toEqual([{ repository: "acme/agent", reason: "incident <42>", by: "maya", at: at.toISOString() }]);
    const filtered = (await (await new Browser(served.url).get("/self-modify/queue.json?repo=acme/secret", auth)).json()) as { frozen: unknown[] };
    expect(filtered.frozen).toEqual([]);

    const events = (await (await new Browser(served.url).get("/self-modify/events.json?type=repository.frozen", auth)).json()) as { events: unknown[] };
    expect(events.events).toEqual([{ upgradeId: null, repository: "acme/agent", pullNumber: null, type: "repository.frozen", actor: "maya", via: "dashboard", at: at.toISOString(), deliveryId: null, details: { reason: "incident <42>" } }]);
    const log = await (await new Browser(served.url).get("/self-modify/events", { authorization: `Bearer ${TOKEN}` })).text();
    expect(log).toContain("repository.frozen");

    const { browser } = await github("maya");
    const page = await (await browser.get("/self-modify/queue")).text();
    expect(page).toContain("Frozen by @maya: incident &lt;42&gt;");
    expect(page).toContain('action="/self-modify/repos/acme/agent/unfreeze"');
    expect(await (await browser.get(`/self-modify/queue/${applied}`)).text()).toContain("Frozen by @maya");
  });
});
