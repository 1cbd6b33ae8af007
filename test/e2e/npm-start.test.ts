/**
 * The product as its users run it: `npm start` with only the environment of CONTRACT §5,
 * against a GitHub-compatible server at GHE_HOST, driven by real signed webhooks. Every GitHub
 * call goes to that server; the database schema is created on start.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGitHub, createWebhookSender, startFakeGitHub } from "../support/fake-github/index.js";
import { type AppProcess, eventually, contractEnv, startAppProcess } from "../support/app-process.js";
import { createEmptyPostgresDatabase, testDatabaseProvider } from "../support/database.js";

const SECRET = "npm-start-secret";

function findPull(fake: FakeGitHub, branch: string) {
  for (let n = 1; n <= 10; n++) {
    try {
      const pull = fake.getPull(REPO, n);
      if (pull.head.ref === branch) return pull;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
const REPO = "acme/agent";

describe("npm start against a GitHub-compatible server", () => {
  let fake: FakeGitHub;
  let app: AppProcess;
  let dropDatabase: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: "acme", name: "agent", private: true });
    fake.setCollaborator(REPO, "alice", "write");
    fake.setUser("agent", { type: "User" });
    let databaseUrl = `file:${join(mkdtempSync(join(tmpdir(), "uq-start-")), "data", "queue.db")}`;
    if (testDatabaseProvider() === "postgresql") {
      const empty = await createEmptyPostgresDatabase();
      databaseUrl = empty.url;
      dropDatabase = empty.drop;
    }
    app = await startAppProcess(contractEnv(fake, { secret: SECRET, databaseUrl }, { STATUS_PAGE_TOKEN: "wall-screen-token", SWEEP_INTERVAL_SECONDS: "1" }));
    fake.autoDeliver({ url: `${app.url}/api/github/webhooks`, secret: SECRET });
  });

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await dropDatabase?.();
  });

  it("serves health, refuses unsigned webhooks, and runs a whole upgrade", async () => {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const unsigned = await fetch(`${app.url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": "x1", "x-hub-signature-256": "sha256=00" },
      body: "{}",
    });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);

    const hooks = createWebhookSender({ url: `${app.url}/api/github/webhooks`, secret: SECRET });
    const head = fake.pushCommit({ repo: REPO, branch: "self-modify/greeting", message: "Say hello properly\n\nThe agent noticed a typo.", files: { "src/greeting.ts": "export const greeting = 'hello';\n" }, author: "agent" });
    await hooks.send("push", fake.payloads.push(REPO, "self-modify/greeting"));

    const pull = await eventually(() => findPull(fake, "self-modify/greeting"), "the app to open the PR");
    const number = pull.number;
    expect(fake.getPull(REPO, number)).toMatchObject({ title: "Say hello properly", state: "open" });
    await eventually(() => fake.labelsOf(REPO, number).includes("upgrade:proposed"), "the proposed label");

    fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "success" });
    await hooks.send("check_run", fake.payloads.checkRun("completed", REPO, fake.checkRunsFor(REPO, head).find((r) => r.name === "test")!.id));
    await hooks.send("pull_request_review", fake.payloads.review(REPO, number, "alice", "approved"));

    await eventually(() => fake.getPull(REPO, number).merged === true, "the app to merge", 30_000);
    await eventually(() => fake.labelsOf(REPO, number).join() === "upgrade:applied", "the applied label").catch((error) => {
      throw new Error(`${error.message}; labels ${fake.labelsOf(REPO, number).join()}; app output:\n${app.output()}`);
    });

    const queue = await eventually(async () => {
      const response = await fetch(`${app.url}/self-modify/queue.json?status=applied`, { headers: { authorization: "Bearer wall-screen-token" } });
      const body = (await response.json()) as { upgrades: Array<Record<string, unknown>> };
      return body.upgrades.find((u) => u.pullNumber === number);
    }, "the status page to show it applied");
    expect(queue).toMatchObject({ status: "applied", headSha: head, approvedSha: head, approvedBy: ["alice"], repository: REPO });
    expect(queue.mergeCommitSha).toBe(fake.getBranchSha(REPO, "main"));
    // The app's GitHub traffic reached this server (the only GitHub it knows), authenticated.
    expect(fake.requests.filter((r) => r.operationName === "UpgradeQueueMerge")).toHaveLength(1);
    expect(fake.requests.some((r) => r.operationName === "UpgradeQueuePull")).toBe(true);
    expect(fake.requests.every((r) => typeof r.headers.authorization === "string")).toBe(true);
    // One `Upgrade Queue` check run on the head, updated in place; one comment per decision.
    expect(fake.checkRunsFor(REPO, head).filter((r) => r.name === "Upgrade Queue")).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === "POST" && r.path.includes("/check-runs")).map((r) => [r.path, (r.body as { name?: string }).name, r.status])).toEqual([[`/api/v3/repos/${REPO}/check-runs`, "Upgrade Queue", 201]]);
    await eventually(() => fake.commentsOf(REPO, number).some((c) => c.body.includes("Applied: merged")), "the applied comment");
    await eventually(() => fake.getBranchSha(REPO, "self-modify/greeting") === undefined, "the branch to be deleted");
  });
});
