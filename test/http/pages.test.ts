import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser } from "./client.js";
import { createDb, fakeDashboard, seedEvent, seedUpgrade, serveHandler, type Served, type TestDb } from "./support.js";

describe("status page HTML", () => {
  let t: TestDb;
  let served: Served;
  let browser: Browser;
  let evilId: number;

  beforeAll(async () => {
    t = await createDb();
    const evil = await seedUpgrade(t.db, {
      repositoryPrivate: false,
      title: "<script>alert(1)</script>",
      description: '<img src=x onerror="alert(2)"> & "quotes"',
      branchName: "self-modify/<b>bold</b>",
      diffPreview: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-</pre><script>alert(3)</script>\n+ok\n",
      filesChanged: JSON.stringify([{ filename: "<i>f</i>.ts", status: "modified", additions: 1, deletions: 1 }]),
      testResults: JSON.stringify({ state: "failed", sha: "a", summary: "0 of 1 checks passed", checks: [{ name: "<u>ci</u>", conclusion: "failure", url: "javascript:alert(4)" }] }),
      guarded: true,
      urgent: true,
    });
    evilId = evil.id;
    await seedEvent(t.db, evil, { type: "upgrade.proposed", actor: "<em>bot</em>", via: "push", details: JSON.stringify({ note: "<script>" }) });
    const applied = await seedUpgrade(t.db, { repositoryPrivate: false, status: "applied", title: "Applied without approval", bypassed: true, mergeCommitSha: "c".repeat(40), previousSha: "d".repeat(40) });
    await seedEvent(t.db, applied, { type: "upgrade.applied", actor: "urgent-bypass", via: "check" });
    served = await serveHandler(t.db, { githubBaseUrl: "https://github.com" }, fakeDashboard());
    browser = new Browser(served.url);
  });

  afterAll(async () => {
    await served.close();
    await t.cleanup();
  });

  it("renders everything an agent wrote as text", async () => {
    for (const path of ["/self-modify/queue", `/self-modify/queue/${evilId}`, "/self-modify/events"]) {
      const page = await (await browser.get(path)).text();
      expect(page, path).not.toMatch(/<script>alert/);
      expect(page, path).not.toContain("<img src=x");
      expect(page, path).not.toContain("<b>bold</b>");
      expect(page, path).not.toContain("<em>bot</em>");
      expect(page, path).not.toContain("javascript:");
    }
    const page = await (await browser.get(`/self-modify/queue/${evilId}`)).text();
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("&lt;img src=x onerror=");
    expect(page).toContain("&lt;/pre&gt;&lt;script&gt;alert(3)");
  });

  it("sends a strict Content-Security-Policy and serves its own stylesheet", async () => {
    const response = await browser.get("/self-modify/queue");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("script-src");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/ style=/i);
    const css = await browser.get("/self-modify/assets/queue.css");
    expect(css.headers.get("content-type")).toContain("text/css");
  });

  it("shows pending details, the pending badge, flags, tests and history", async () => {
    const html = await (await browser.get("/self-modify/queue")).text();
    expect(html).toMatch(/class="count"[^>]*>1</);
    expect(html).toContain("Pending upgrades (1)");
    expect(html).toContain("guarded");
    expect(html).toContain("urgent");
    expect(html).toContain("0 of 1 checks passed");
    expect(html).toContain("0 of 2 approvals");
    expect(html).toContain("History");
    expect(html).toContain("applied without approval");
    expect(html).toContain("@urgent-bypass");
    expect(html).toContain("https://github.com/acme/agent/pull/");
  });

  it("colours diff lines on the upgrade page", async () => {
    const html = await (await browser.get(`/self-modify/queue/${evilId}`)).text();
    expect(html).toContain('<span class="d-add">+ok</span>');
    expect(html).toContain('class="d-hunk"');
    expect(html).toContain("upgrade.proposed");
  });

  it("serves the badge with the pending count", async () => {
    const response = await browser.get("/self-modify/queue/badge.svg");
    expect(response.headers.get("content-type")).toContain("image/svg+xml");
    expect(await response.text()).toContain("pending upgrades: 1");
  });
});
