import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Browser, csrfFrom, signInWithGitHub, signInWithToken } from "./client.js";
import {
  createDb,
  fakeDashboard,
  seedUpgrade,
  serveHandler,
  startGitHubStub,
  type GitHubStub,
  type Served,
  type TestDb,
} from "./support.js";

const TOKEN = "status-token-123";

describe("status page access (CONTRACT §6)", () => {
  let t: TestDb;
  let stub: GitHubStub;
  let dashboard: ReturnType<typeof fakeDashboard>;
  let served: Served[] = [];
  let privateId: number;
  let otherId: number;
  let publicId: number;

  beforeAll(async () => {
    t = await createDb();
    stub = await startGitHubStub();
    privateId = (await seedUpgrade(t.db, { repository: "acme/agent", title: "Private agent change" })).id;
    otherId = (await seedUpgrade(t.db, { repository: "acme/secret", title: "Secret repo change" })).id;
    publicId = (await seedUpgrade(t.db, { repository: "acme/public", repositoryPrivate: false, title: "Public change" })).id;
    stub.repos.set("alice", ["acme/agent"]);
    stub.repos.set("carol", ["acme/agent"]);
    dashboard = fakeDashboard({ [privateId]: ["alice"] });
  });

  afterEach(async () => {
    for (const s of served) await s.close();
    served = [];
  });

  afterAll(async () => {
    await stub.close();
    await t.cleanup();
  });

  async function serve(statusPageToken?: string): Promise<Browser> {
    const s = await serveHandler(
      t.db,
      { githubBaseUrl: stub.url, statusPageToken, githubClientId: "Iv1.test", githubClientSecret: "shh" },
      dashboard,
    );
    served.push(s);
    return new Browser(s.url);
  }

  const titles = async (browser: Browser, headers: Record<string, string> = {}) => {
    const response = await browser.get("/self-modify/queue.json", { accept: "application/json", ...headers });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { upgrades: Array<{ id: number }> };
    return body.upgrades.map((u) => u.id).sort();
  };

  it("answers 401 to anonymous visitors when a token is configured, on every page and JSON", async () => {
    const browser = await serve(TOKEN);
    for (const path of ["/self-modify/queue", "/self-modify/queue.json", `/self-modify/queue/${publicId}`, `/self-modify/queue/${publicId}.json`, `/self-modify/queue/${publicId}/diff`, "/self-modify/queue/badge.svg", "/self-modify/events", "/self-modify/events.json"]) {
      expect((await browser.get(path)).status, path).toBe(401);
    }
    expect((await browser.get("/self-modify/queue.json", { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await browser.get("/self-modify/login")).status).toBe(200);
  });

  it("shows everything, read only, to the bearer token", async () => {
    const browser = await serve(TOKEN);
    expect(await titles(browser, { authorization: `Bearer ${TOKEN}` })).toEqual([privateId, otherId, publicId].sort());
    const page = await (await browser.get("/self-modify/queue", { authorization: `Bearer ${TOKEN}` })).text();
    expect(page).not.toContain("Approve");
  });

  it("the token form sets an HttpOnly, SameSite=Lax session cookie that reads everything, without buttons", async () => {
    const browser = await serve(TOKEN);
    const wrong = await signInWithToken(browser, "nope");
    expect(wrong.status).toBe(401);
    const response = await signInWithToken(browser, TOKEN);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/self-modify/queue");
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("uq_session="));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    expect(await titles(browser)).toEqual([privateId, otherId, publicId].sort());
    const page = await (await browser.get(`/self-modify/queue/${privateId}`)).text();
    expect(page).not.toContain(">Approve<");
    expect(page).not.toContain(">Reject<");
  });

  it("refuses the token form without its CSRF token", async () => {
    const browser = await serve(TOKEN);
    await browser.get("/self-modify/login");
    expect((await browser.post("/self-modify/login", { token: TOKEN })).status).toBe(403);
  });

  it("rejects a forged or tampered session cookie", async () => {
    const browser = await serve(TOKEN);
    await signInWithToken(browser, TOKEN);
    const value = browser.cookies.get("uq_session") ?? "";
    browser.cookies.set("uq_session", `${value.slice(0, -2)}AA`);
    expect((await browser.get("/self-modify/queue.json")).status).toBe(401);
  });

  it("shows only public repositories to anonymous visitors when no token is configured", async () => {
    const browser = await serve(undefined);
    expect(await titles(browser)).toEqual([publicId]);
    expect((await browser.get(`/self-modify/queue/${privateId}.json`, { accept: "application/json" })).status).toBe(404);
    expect((await browser.get(`/self-modify/queue/${privateId}/diff`)).status).toBe(404);
    const page = await (await browser.get("/self-modify/queue")).text();
    expect(page).toContain("Public change");
    expect(page).not.toContain("Private agent change");
  });

  it("a GitHub session sees only the repositories the user can read (and public ones), with buttons only where it may decide", async () => {
    const browser = await serve(TOKEN);
    stub.codes.set("code-alice", "alice");
    const response = await signInWithGitHub(browser, "code-alice");
    expect(response.status).toBe(303);
    expect(stub.requests).toContain("GET /api/v3/user/installations/7/repositories");
    expect(await titles(browser)).toEqual([privateId, publicId].sort());
    expect((await browser.get(`/self-modify/queue/${otherId}.json`, { accept: "application/json" })).status).toBe(404);
    const page = await (await browser.get("/self-modify/queue")).text();
    expect(page).toContain("@alice");
    expect(page).toContain(`action="/self-modify/queue/${privateId}/approve"`);
    expect(page).not.toContain(`action="/self-modify/queue/${publicId}/approve"`);
  });

  it("refuses a callback whose state does not match", async () => {
    const browser = await serve(TOKEN);
    await browser.get("/self-modify/login");
    stub.codes.set("code-x", "alice");
    const response = await browser.get("/self-modify/callback?code=code-x&state=forged");
    expect(response.status).toBe(403);
    expect(browser.cookies.has("uq_session")).toBe(false);
  });

  it("logout needs the session's CSRF token and then ends the session", async () => {
    const browser = await serve(TOKEN);
    await signInWithToken(browser, TOKEN);
    expect((await browser.post("/self-modify/logout", {})).status).toBe(403);
    const page = await (await browser.get("/self-modify/queue")).text();
    const response = await browser.post("/self-modify/logout", { csrf: csrfFrom(page) });
    expect(response.status).toBe(303);
    expect((await browser.get("/self-modify/queue.json")).status).toBe(401);
  });

  it("marks cookies Secure when the public URL is https", async () => {
    const s = await serveHandler(t.db, { githubBaseUrl: stub.url, statusPageToken: TOKEN, publicUrl: "https://queue.example.com" }, dashboard);
    served.push(s);
    const browser = new Browser(s.url);
    const response = await browser.get("/self-modify/login");
    expect(response.headers.getSetCookie().join("\n")).toMatch(/Secure/);
  });
});
