/**
 * The webhook door through the real HTTP server (`npm start`'s command) and real signed
 * deliveries: what concerns no upgrade is answered 200 at the door (0 GitHub requests, 0 rows,
 * counted as `outcome="settled"` in /metrics, never seen by Probot or the pipeline); every kind of
 * delivery that may concern an upgrade reaches the pipeline (its id in the inbox); a repository
 * whose config is not cached yet is not settled on a guessed prefix; a bad signature is refused
 * before the body is parsed.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Db } from "../../src/store/prisma-client.js";
import { type AppProcess, contractEnv, eventually, startAppProcess } from "../support/app-process.js";
import { type EmptyDatabase, createEmptyTestDatabase } from "../support/database.js";
import { type FakeGitHub, type WebhookSender, createWebhookSender, sign, startFakeGitHub } from "../support/fake-github/index.js";
import { examples } from "../support/payloads.js";

const SECRET = "door-secret";
const AGENT_REPO = "acme/agent";
const NOISE_REPO = "acme/noise";
const BOT = "upgrade-queue[bot]";

/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are edited field by field */
type Payload = any;

describe("the webhook door over HTTP", () => {
  let fake: FakeGitHub;
  let app: AppProcess;
  let db: Db;
  let database: EmptyDatabase;
  let hooks: WebhookSender;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: "acme", name: "agent", private: true });
    fake.setUser("agent", { type: "User" });
    for (const login of ["alice", "dev"]) fake.setCollaborator(AGENT_REPO, login, "write");
    database = await createEmptyTestDatabase();
    app = await startAppProcess(contractEnv(fake, { secret: SECRET, databaseUrl: database.url }, { LOG_LEVEL: "debug" }));
    db = createPrismaClient(database.url);
    hooks = createWebhookSender({ url: `${app.url}/api/github/webhooks`, secret: SECRET });
    await quiet(); // start-up traffic: GET /app, the first reconciliation
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await db?.$disconnect();
    await fake?.close();
    await database?.drop();
  });

  /** Waits until the fake has seen no request for 1.5 s and the inbox holds nothing unprocessed. */
  async function quiet(): Promise<void> {
    let last = -1;
    let since = Date.now();
    await eventually(
      async () => {
        const unprocessed = await db.delivery.count({ where: { processedAt: null } });
        if (fake.requests.length !== last || unprocessed > 0) {
          last = fake.requests.length;
          since = Date.now();
          return false;
        }
        return Date.now() - since >= 1500;
      },
      "GitHub traffic and the inbox to settle",
      60_000,
    );
  }

  /** `upgrade_queue_webhook_duration_seconds_count` by `event/outcome`. */
  async function outcomes(): Promise<Map<string, number>> {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const counts = new Map<string, number>();
    for (const match of text.matchAll(/^upgrade_queue_webhook_duration_seconds_count\{event="([^"]+)",outcome="([^"]+)"\} (\d+)$/gm)) {
      counts.set(`${match[1]}/${match[2]}`, Number(match[3]));
    }
    return counts;
  }

  function byOutcome(counts: Map<string, number>, outcome: string): number {
    return [...counts].filter(([key]) => key.endsWith(`/${outcome}`)).reduce((sum, [, n]) => sum + n, 0);
  }

  async function rows(): Promise<number> {
    return (await db.delivery.count()) + (await db.upgrade.count()) + (await db.upgradeEvent.count());
  }

  async function send(event: string, payload: object): Promise<string> {
    const { status, deliveryId } = await hooks.send(event, payload);
    expect(status, `${event} ${(payload as Payload).action ?? ""}`).toBe(200);
    return deliveryId;
  }

  it("answers what concerns no upgrade at the door: 0 GitHub requests, 0 rows, never seen by Probot", async () => {
    // Added after the start-up reconciliation, which reads the config of every repository.
    fake.addRepo({ owner: "acme", name: "noise", private: true });
    for (const login of ["alice", "dev"]) fake.setCollaborator(NOISE_REPO, login, "write");
    const sha = fake.pushCommit({ repo: NOISE_REPO, branch: "feature/x", message: "Feature", files: { "src/x.ts": "x\n" }, author: "dev" });
    const pull = fake.openPull({ repo: NOISE_REPO, head: "feature/x", title: "Feature", user: "dev" });

    // Nothing cached for the repository yet: the door does not guess the prefix, the pipeline
    // reads the config (and caches it) and drops the delivery.
    const before = await outcomes();
    await send("pull_request", fake.payloads.pullRequest("opened", NOISE_REPO, pull, "dev"));
    await quiet();
    const warmed = await outcomes();
    expect(byOutcome(warmed, "settled") - byOutcome(before, "settled")).toBe(0);
    expect(byOutcome(warmed, "ignored") - byOutcome(before, "ignored")).toBe(1);
    expect(fake.requests.some((r) => r.path.includes(`/repos/${NOISE_REPO}/contents/.github%2Fupgrade-queue.yml`) || r.path.includes(`/repos/${NOISE_REPO}/contents/.github/upgrade-queue.yml`))).toBe(true);

    const run = fake.completeCheckRun({ repo: NOISE_REPO, sha, name: "test", conclusion: "failure" });
    const ownRun: Payload = fake.payloads.checkRun("completed", NOISE_REPO, run.id);
    Object.assign(ownRun.check_run, { app: { ...ownRun.check_run.app, id: fake.appId, slug: "upgrade-queue" }, check_suite: { ...ownRun.check_run.check_suite, head_branch: "self-modify/x" } });
    const fork: Payload = fake.payloads.pullRequest("opened", NOISE_REPO, pull, "dev");
    fork.pull_request.head = { ...fork.pull_request.head, ref: "self-modify/evil", repo: { ...fork.pull_request.head.repo, full_name: "mallory/noise" } };
    const echo: Payload = fake.payloads.pullRequest("synchronize", NOISE_REPO, pull, BOT);
    echo.pull_request.head = { ...echo.pull_request.head, ref: "self-modify/x" };
    const issue: Payload = examples("issues")[0];
    const irrelevant: Array<[string, object]> = [
      ["push", fake.payloads.push(NOISE_REPO, "feature/x")],
      ["push", fake.payloads.push(NOISE_REPO, "main")],
      ["pull_request", fake.payloads.pullRequest("synchronize", NOISE_REPO, pull, "dev")],
      ["pull_request", fake.payloads.pullRequest("closed", NOISE_REPO, pull, "dev")],
      ["pull_request_review", fake.payloads.review(NOISE_REPO, pull, "alice", "approved")],
      ["pull_request", fake.payloads.label("labeled", NOISE_REPO, pull, "alice", "upgrade:approved")],
      ["issue_comment", fake.payloads.issueComment("created", NOISE_REPO, pull, "alice", "Looks good to me")],
      ["check_run", fake.payloads.checkRun("completed", NOISE_REPO, run.id)],
      ["check_run", fake.payloads.checkRun("created", NOISE_REPO, run.id)],
      ["check_suite", fake.payloads.checkSuite(NOISE_REPO, sha, "failure")],
      ["status", fake.payloads.status(NOISE_REPO, sha, "ci/lint", "failure")],
      ["check_run", ownRun], // the app's own check run (app id), even on a prefixed branch
      ["pull_request", fork], // a fork's PR, even from a prefixed branch
      ["pull_request", echo], // the app's own echo, even on a prefixed branch
      ["issues", issue], // an event the app does not handle
    ];
    const requestsBefore = fake.requests.length;
    const rowsBefore = await rows();
    const counted = await outcomes();
    const ids = [];
    for (const [event, payload] of irrelevant) ids.push(await send(event, payload));
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect(fake.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(await rows()).toBe(rowsBefore);
    const after = await outcomes();
    expect(byOutcome(after, "settled") - byOutcome(counted, "settled")).toBe(irrelevant.length);
    expect(byOutcome(after, "ignored")).toBe(byOutcome(counted, "ignored"));
    expect(byOutcome(after, "accepted")).toBe(byOutcome(counted, "accepted"));
    // Probot's middleware logs every delivery it receives at debug level: none of these.
    for (const id of ids) expect(app.output()).not.toContain(`event received (id: ${id})`);
  }, 60_000);

  it("passes every kind of delivery that may concern an upgrade on to the pipeline", async () => {
    const head = fake.pushCommit({ repo: AGENT_REPO, branch: "self-modify/a", message: "Teach the agent", files: { "src/a.ts": "a\n" }, author: "agent" });
    const inbox = async (id: string) => (await db.delivery.findUnique({ where: { id }, select: { id: true } }))?.id;
    const reached = async (event: string, payload: object) => {
      const id = await send(event, payload);
      expect(await inbox(id), `${event} ${(payload as Payload).action ?? ""} in the inbox`).toBe(id);
      await eventually(() => app.output().includes(`event received (id: ${id})`), `Probot's middleware to log ${id}`);
    };

    await reached("push", fake.payloads.push(AGENT_REPO, "self-modify/a"));
    const upgrade = await eventually(() => db.upgrade.findFirst({ where: { branchName: "self-modify/a" } }), "the upgrade to be proposed", 60_000);
    await quiet();
    const n = upgrade.pullNumber;

    const run = fake.completeCheckRun({ repo: AGENT_REPO, sha: head, name: "test", conclusion: "success" });
    const unnamed: Payload = fake.payloads.checkRun("completed", AGENT_REPO, run.id);
    Object.assign(unnamed.check_run, { pull_requests: [], check_suite: { ...unnamed.check_run.check_suite, head_branch: null, pull_requests: [] } });
    fake.pushCommit({ repo: AGENT_REPO, branch: "self-modify/b", message: "Adopt me", files: { "src/b.ts": "b\n" }, author: "agent" });
    const adopted = fake.openPull({ repo: AGENT_REPO, head: "self-modify/b", title: "Adopt me", user: "dev" });

    await reached("check_run", fake.payloads.checkRun("created", AGENT_REPO, run.id));
    await reached("check_run", fake.payloads.checkRun("completed", AGENT_REPO, run.id));
    await reached("check_run", unnamed); // names no branch: only the database can tell
    await reached("check_suite", fake.payloads.checkSuite(AGENT_REPO, head, "success"));
    await reached("status", fake.payloads.status(AGENT_REPO, head, "ci/lint", "success"));
    await reached("pull_request", fake.payloads.pullRequest("synchronize", AGENT_REPO, n, "agent"));
    await reached("pull_request", fake.payloads.pullRequest("edited", AGENT_REPO, n, "agent"));
    await reached("pull_request_review", fake.payloads.review(AGENT_REPO, n, "alice", "changes_requested"));
    await reached("issue_comment", fake.payloads.issueComment("created", AGENT_REPO, n, "alice", "/status"));
    await reached("pull_request", fake.payloads.label("labeled", AGENT_REPO, n, "alice", "upgrade:rejected"));
    await reached("pull_request", fake.payloads.pullRequest("opened", AGENT_REPO, adopted, "dev"));
    fake.closePull(AGENT_REPO, adopted);
    await reached("pull_request", fake.payloads.pullRequest("closed", AGENT_REPO, adopted, "dev"));
    fake.reopenPull(AGENT_REPO, adopted);
    await reached("pull_request", fake.payloads.pullRequest("reopened", AGENT_REPO, adopted, "dev"));
    await quiet();

    // Passed on although the pipeline then finds them irrelevant: a merged PR from any branch
    // (it may revert an upgrade), a comment with a command (its PR is known to the database
    // only), a push that changes the config on the default branch (the cache must drop it).
    fake.pushCommit({ repo: AGENT_REPO, branch: "feature/y", message: "Feature", files: { "src/y.ts": "y\n" }, author: "dev" });
    const feature = fake.openPull({ repo: AGENT_REPO, head: "feature/y", title: "Feature", user: "dev" });
    fake.mergePull(AGENT_REPO, feature, { by: "alice" });
    fake.setConfig(AGENT_REPO, "requiredApprovals: 2\n");
    const before = await outcomes();
    await send("pull_request", fake.payloads.pullRequest("closed", AGENT_REPO, feature, "alice"));
    await send("issue_comment", fake.payloads.issueComment("created", AGENT_REPO, feature, "alice", "/approve"));
    await send("push", fake.payloads.push(AGENT_REPO, "main"));
    await quiet();
    const after = await outcomes();
    expect(byOutcome(after, "settled")).toBe(byOutcome(before, "settled"));
    expect(byOutcome(after, "ignored") - byOutcome(before, "ignored")).toBe(3);
  }, 120_000);

  it("refuses a bad signature before the body is parsed, and logs no payload", async () => {
    const marker = `MARKER-${randomUUID()}`;
    const body = `{"not json at all ${marker}`;
    const before = await outcomes();
    const response = await fetch(`${app.url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": sign("not-the-secret", body) },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("signature does not match");
    expect(await outcomes()).toEqual(before);
    expect(app.output()).not.toContain(marker);
  });
});
