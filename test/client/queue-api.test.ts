/**
 * status, listUpgrades and waitForDecision against a scripted queue.json server: what they ask
 * the app, how they pick the upgrade, how long they wait and how they fail.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createUpgradeQueueClient, type Upgrade, UpgradeQueueError } from "../../src/client/index.js";
import { freePort } from "../support/app-process.js";

type Answer = { status: number; body: unknown };

let server: Server;
let url: string;
let answers: Answer[];
let seen: IncomingMessage[];

function upgrade(fields: Partial<Upgrade>): Partial<Upgrade> {
  return { id: 1, repository: "acme/agent", pullNumber: 3, branch: "self-modify/x", status: "proposed", headSha: "a".repeat(40), approvedBy: [], testResults: null, errorMessage: null, ...fields };
}
const queue = (...upgrades: Array<Partial<Upgrade>>): Answer => ({ status: 200, body: { pendingCount: upgrades.filter((u) => u.status === "proposed").length, upgrades } });

beforeEach(async () => {
  answers = [];
  seen = [];
  server = createServer((req, res) => {
    seen.push(req);
    // The last answer repeats: a queue that stays as it is.
    const answer = (answers.length > 1 ? answers.shift() : answers[0]) ?? queue();
    res.writeHead(answer.status, { "content-type": typeof answer.body === "string" ? "text/html" : "application/json" });
    res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const client = (queueUrl = url) => createUpgradeQueueClient({ queueUrl, statusPageToken: "wall-token" }, {});
const branch = { repository: "acme/agent", branch: "self-modify/x" };

async function failure(promise: Promise<unknown>): Promise<UpgradeQueueError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UpgradeQueueError);
  return error as UpgradeQueueError;
}

describe("status and listUpgrades", () => {
  it("ask queue.json with the branch filter and the status page token, and pick the current upgrade", async () => {
    answers = [queue(upgrade({ id: 9, status: "proposed", headSha: "b".repeat(40) }), upgrade({ id: 4, status: "rejected" }))];
    expect((await client().status(branch))?.id).toBe(9);
    expect((await client().status({ ...branch, sha: "a".repeat(40) }))?.id).toBe(4);
    expect(await client().status({ ...branch, sha: "c".repeat(40) })).toBeNull();
    expect(seen[0]?.url).toBe("/self-modify/queue.json?repo=acme%2Fagent&branch=self-modify%2Fx");
    expect(seen[0]?.headers.authorization).toBe("Bearer wall-token");
    await client().listUpgrades({ repository: "acme/agent", status: "applied" });
    expect(seen.at(-1)?.url).toBe("/self-modify/queue.json?repo=acme%2Fagent&status=applied");
  });

  it.each([
    ["a refused token", { status: 401, body: { message: "no" } }, "app_unauthorized", "set STATUS_PAGE_TOKEN"],
    ["a page that is not the queue", { status: 200, body: "<html>hello</html>" }, "app_error", "is UPGRADE_QUEUE_URL the app's base URL"],
    ["a server error", { status: 500, body: { message: "boom" } }, "app_error", "answered 500"],
  ])("explain %s", async (_name, answer, code, hint) => {
    answers = [answer];
    const error = await failure(client().status(branch));
    expect([error.code, error.message]).toEqual([code, expect.stringContaining(hint)]);
  });

  it("explain an app that does not answer, and a missing UPGRADE_QUEUE_URL", async () => {
    const closed = await freePort();
    const error = await failure(client(`http://127.0.0.1:${closed}`).status(branch));
    expect([error.code, error.message]).toEqual(["app_unreachable", expect.stringContaining("ECONNREFUSED")]);
    const unset = await failure(createUpgradeQueueClient({}, {}).status(branch));
    expect(unset.code).toBe("not_configured");
  });
});

describe("waitForDecision", () => {
  it("polls until the upgrade is decided, reporting progress and riding out an app restart", async () => {
    answers = [queue(), { status: 502, body: "<html>bad gateway</html>" }, queue(upgrade({ status: "approved" })), queue(upgrade({ status: "rejected", errorMessage: "Rejected: too clever" }))];
    const progress: string[] = [];
    const decided = await client().waitForDecision(branch, {
      pollIntervalMs: 50,
      timeoutMs: 10_000,
      onProgress: ({ upgrade: u, error }) => progress.push(error ? `error ${error.code}` : (u?.status ?? "none")),
    });
    expect(decided).toMatchObject({ status: "rejected", errorMessage: "Rejected: too clever" });
    expect(progress).toEqual(["none", "error app_error", "approved"]);
  });

  it.each(["applied", "rejected", "expired", "failed", "rolled_back"] as const)("resolves at once on %s", async (status) => {
    answers = [queue(upgrade({ status }))];
    await expect(client().waitForDecision(branch, { pollIntervalMs: 50 })).resolves.toMatchObject({ status });
    expect(seen).toHaveLength(1);
  });

  it("gives up after timeoutMs with the last state, and stops when aborted", async () => {
    answers = [queue(upgrade({ status: "proposed" }))];
    const timedOut = await failure(client().waitForDecision(branch, { pollIntervalMs: 50, timeoutMs: 300 }));
    expect(timedOut.code).toBe("timeout");
    expect(timedOut.message).toContain("it is still proposed");
    expect(timedOut.details.upgrade).toMatchObject({ status: "proposed" });

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const stopped = await failure(client().waitForDecision(branch, { pollIntervalMs: 60_000, timeoutMs: 120_000, signal: controller.signal }));
    expect(stopped.code).toBe("aborted");
  });

  it("fails at once when the app refuses the token (waiting longer would not help)", async () => {
    answers = [{ status: 401, body: {} }];
    const error = await failure(client().waitForDecision(branch, { pollIntervalMs: 50, timeoutMs: 10_000 }));
    expect(error.code).toBe("app_unauthorized");
    expect(seen).toHaveLength(1);
  });
});
