/**
 * A secondary rate limit seen by one replica pauses the installation's writes on every replica
 * (InstallationState.pausedUntil in the shared database). Two app instances on one database,
 * one fake GitHub: the fake answers one write of replica A with GitHub's secondary-rate-limit
 * 403; replica B's next write for that installation waits for the pause (or is refused when the
 * pause is long), reads go on, and another installation is not affected.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InstallationPausedError, rateLimitEnd } from "../../src/github/rate-limit-pause.js";
import type { GitHubPort } from "../../src/github/port.js";
import { type TestApp, createTestApp } from "../support/app.js";
import { type FakeGitHub, startFakeGitHub } from "../support/fake-github/index.js";

const SECONDARY = "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.";
const REPO = { owner: "acme", repo: "widgets" };
const OTHER = { owner: "other", repo: "tools" };

let fake: FakeGitHub;
let a: TestApp;
let b: TestApp;
let pull: number;
let otherPull: number;

function commentRequests(repo: typeof REPO, n: number) {
  return fake.requests.filter((r) => r.method === "POST" && r.path === `/api/v3/repos/${repo.owner}/${repo.repo}/issues/${n}/comments`);
}

async function pausedUntil(app: TestApp, installationId: number): Promise<Date | null> {
  return (await app.db.installationState.findUnique({ where: { installationId } }))?.pausedUntil ?? null;
}

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addRepo({ owner: "acme", name: "widgets", installationId: 1 });
  fake.addRepo({ owner: "other", name: "tools", installationId: 2 });
  fake.pushCommit({ repo: "acme/widgets", branch: "self-modify/x", message: "x", files: { "x.ts": "x\n" }, author: "agent" });
  fake.pushCommit({ repo: "other/tools", branch: "self-modify/y", message: "y", files: { "y.ts": "y\n" }, author: "agent" });
  pull = fake.openPull({ repo: "acme/widgets", head: "self-modify/x", title: "x", user: "agent" });
  otherPull = fake.openPull({ repo: "other/tools", head: "self-modify/y", title: "y", user: "agent" });
  a = await createTestApp({ baseUrl: `${fake.url}/api/v3` });
  b = await createTestApp({ baseUrl: `${fake.url}/api/v3`, databaseUrl: a.databaseUrl });
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  await fake?.close();
});

describe("a secondary rate limit pauses the installation's writes on every replica", () => {
  it("a short pause: replica B's write waits it out, its reads do not, another installation writes at once", async () => {
    const portA: GitHubPort = await a.queue.deps.github(1);
    const portB: GitHubPort = await b.queue.deps.github(1);
    fake.failNext("POST", `/repos/acme/widgets/issues/${pull}/comments`, [{ status: 403, body: { message: SECONDARY }, headers: { "retry-after": "2" } }]);
    const before = Date.now();
    await expect(portA.comment(REPO, pull, "from A")).rejects.toMatchObject({ status: 403 });
    const until = await pausedUntil(a, 1);
    expect(until).not.toBeNull();
    expect(until!.getTime()).toBeGreaterThanOrEqual(before + 2000);
    expect(until!.getTime()).toBeLessThan(Date.now() + 2500);

    const read = Date.now();
    await portB.readPull(REPO, pull);
    expect(Date.now() - read).toBeLessThan(1000);
    await (await b.queue.deps.github(2)).comment(OTHER, otherPull, "another installation");
    expect(commentRequests(OTHER, otherPull)).toHaveLength(1);

    await portB.comment(REPO, pull, "from B");
    const sent = commentRequests(REPO, pull).at(-1)!;
    expect(sent.at.getTime()).toBeGreaterThanOrEqual(until!.getTime() - 5);
    expect(fake.commentsOf("acme/widgets", pull).map((c) => c.body)).toEqual(["from B"]);
  });

  it("a long pause: replica B's write is refused without reaching GitHub", async () => {
    const portA = await a.queue.deps.github(1);
    const portB = await b.queue.deps.github(1);
    fake.failNext("POST", `/repos/acme/widgets/issues/${pull}/comments`, [{ status: 403, body: { message: SECONDARY }, headers: { "retry-after": "3600" } }]);
    await expect(portA.comment(REPO, pull, "from A")).rejects.toMatchObject({ status: 403 });
    expect((await pausedUntil(a, 1))!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const count = commentRequests(REPO, pull).length;
    await expect(portB.comment(REPO, pull, "from B")).rejects.toBeInstanceOf(InstallationPausedError);
    await expect(portA.comment(REPO, pull, "from A again")).rejects.toBeInstanceOf(InstallationPausedError);
    expect(commentRequests(REPO, pull)).toHaveLength(count);
    await a.db.installationState.deleteMany();

    // A 429 that Octokit's retry plugin absorbs (the retry succeeds) still pauses the others:
    // answers are read underneath the plugins.
    fake.failNext("POST", `/repos/acme/widgets/issues/${pull}/comments`, [{ status: 429, body: { message: "API rate limit exceeded" }, headers: { "retry-after": "3600" } }]);
    await portA.comment(REPO, pull, "from A after a retry");
    expect((await pausedUntil(a, 1))!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    await expect(portB.comment(REPO, pull, "from B")).rejects.toBeInstanceOf(InstallationPausedError);
    // A later, shorter limit never shortens the pause.
    fake.failNext("POST", `/repos/other/tools/issues/${otherPull}/comments`, [{ status: 403, body: { message: SECONDARY } }]);
    await expect((await b.queue.deps.github(2)).comment(OTHER, otherPull, "x")).rejects.toMatchObject({ status: 403 });
    expect((await pausedUntil(a, 2))!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    await a.db.installationState.deleteMany();
  });
});

describe("rateLimitEnd: which answers pause", () => {
  const NOW = 1_000_000;
  const headers = (h: Record<string, string>) => new Headers(h);
  it.each([
    ["403 with retry-after", { status: 403, headers: headers({ "retry-after": "30" }), message: "" }, NOW + 30_000],
    ["429 with retry-after", { status: 429, headers: headers({ "retry-after": "5" }), message: "" }, NOW + 5_000],
    ["403 secondary rate limit message, no retry-after: a minute", { status: 403, headers: headers({}), message: SECONDARY }, NOW + 60_000],
    ["403 primary limit exhausted: until the reset", { status: 403, headers: headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 120) }), message: "API rate limit exceeded" }, NOW + 120_000],
    ["403 for a missing permission", { status: 403, headers: headers({ "x-ratelimit-remaining": "4999" }), message: "Resource not accessible by integration" }, null],
    ["422", { status: 422, headers: headers({ "retry-after": "30" }), message: "" }, null],
  ])("%s", (_name, answer, expected) => {
    expect(rateLimitEnd(answer, NOW)).toBe(expected);
  });
});
