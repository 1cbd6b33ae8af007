import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transitions } from "../../src/metrics.js";
import { createPrismaClient } from "../../src/store/prisma-client.js";
import { Browser } from "./client.js";
import { createDb, fakeDashboard, seedEvent, seedUpgrade, serveHandler, type Served, type TestDb } from "./support.js";

type EventsBody = { events: Array<{ type: string; actor: string; repository: string; at: string }>; next: string | null };

describe("audit log, health and metrics", () => {
  let t: TestDb;
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    t = await createDb();
    const a = await seedUpgrade(t.db, { repository: "acme/agent", repositoryPrivate: false, status: "applied" });
    const b = await seedUpgrade(t.db, { repository: "acme/other", repositoryPrivate: false });
    const hidden = await seedUpgrade(t.db, { repository: "acme/private" });
    for (let i = 0; i < 7; i++) {
      await seedEvent(t.db, i % 2 ? a : b, {
        type: i % 3 === 0 ? "upgrade.applied" : "upgrade.proposed",
        actor: i % 2 ? "alice" : "bob",
        via: "review",
        at: new Date(Date.UTC(2026, 10, 20, 10, i)),
      });
    }
    await seedEvent(t.db, hidden, { type: "upgrade.applied", actor: "alice", via: "review" });
    await t.db.pendingEffect.create({ data: { upgradeId: a.id, kind: "comment", body: "Applied", status: "applied", createdAt: new Date(Date.now() - 90_000), claimedUntil: new Date() } });
    served = await serveHandler(t.db, { githubBaseUrl: "https://github.com" }, fakeDashboard());
    browser = new Browser(served.url);
  });

  afterAll(async () => {
    await served.close();
    await t.cleanup();
  });

  const events = async (query: string) => {
    const response = await browser.get(`/self-modify/events.json${query}`, { accept: "application/json" });
    expect(response.status).toBe(200);
    return (await response.json()) as EventsBody;
  };

  it("lists visible events newest first with filters", async () => {
    const all = await events("");
    expect(all.events).toHaveLength(7);
    expect(all.next).toBeNull();
    expect(all.events.map((e) => e.at)).toEqual([...all.events.map((e) => e.at)].sort().reverse());
    expect(all.events.every((e) => e.repository !== "acme/private")).toBe(true);
    expect((await events("?repo=acme/agent")).events.every((e) => e.repository === "acme/agent")).toBe(true);
    expect((await events("?repo=acme/agent")).events).toHaveLength(3);
    expect((await events("?actor=bob")).events).toHaveLength(4);
    expect((await events("?type=upgrade.applied")).events).toHaveLength(3);
    expect((await events("?type=upgrade.applied&actor=alice")).events).toHaveLength(1);
  });

  it("pages with limit and next, without gaps or repeats", async () => {
    const seen: string[] = [];
    let body = await events("?limit=3");
    let pages = 1;
    seen.push(...body.events.map((e) => e.at));
    while (body.next) {
      expect(body.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/self-modify\/events\.json\?limit=3&before=\d+$/);
      body = (await (await browser.get(body.next, { accept: "application/json" })).json()) as EventsBody;
      seen.push(...body.events.map((e) => e.at));
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual((await events("")).events.map((e) => e.at));
  });

  it("caps limit at 500", async () => {
    expect((await events("?limit=100000")).events).toHaveLength(7);
    expect((await browser.get("/self-modify/events?limit=100000")).status).toBe(200);
  });

  it("answers healthz with a database check", async () => {
    const response = await browser.get("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers 503 when the database cannot be reached", async () => {
    const unreachable = createPrismaClient("postgresql://root@127.0.0.1:1/nothing_listens_here");
    const s = await serveHandler(unreachable, { githubBaseUrl: "https://github.com" }, fakeDashboard());
    try {
      const response = await new Browser(s.url).get("/healthz");
      expect(response.status).toBe(503);
      expect(((await response.json()) as { status: string }).status).toBe("error");
    } finally {
      await s.close();
      await unreachable.$disconnect();
    }
  });

  it("serves Prometheus metrics including upgrades by state", async () => {
    transitions.inc({ from: "proposed", to: "approved" });
    const response = await browser.get("/metrics");
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain('upgrade_queue_upgrades{state="proposed"} 2');
    expect(text).toContain('upgrade_queue_upgrades{state="applied"} 1');
    expect(text).toContain('upgrade_queue_upgrades{state="rolled_back"} 0');
    expect(text).toContain('upgrade_queue_transitions_total{from="proposed",to="approved"} 1');
    expect(text).toContain("upgrade_queue_pending_github_writes 1");
    const oldest = Number(/^upgrade_queue_pending_github_writes_oldest_seconds (\S+)$/m.exec(text)?.[1]);
    expect(oldest).toBeGreaterThanOrEqual(90);
    expect(oldest).toBeLessThan(3600);
    expect(text).toContain("# TYPE upgrade_queue_webhook_duration_seconds histogram");
    expect(text).toContain("upgrade_queue_github_requests_total");
    expect(text).toContain("process_cpu_seconds_total");
  });
});
