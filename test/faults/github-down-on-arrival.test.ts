/**
 * GitHub is down when a delivery arrives, so the app cannot read the repository's config to
 * tell whether it matters: the delivery is kept, not dropped, and processed once GitHub is back.
 */
import { expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, pullRequest, sha } from "../support/payloads.js";
import { readPull } from "../support/read-pull-mock.js";

const CONFIG = /\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/;
useNock();

let app: TestApp;
useTestApp((created) => (app = created));

it("keeps a delivery whose relevance cannot be read, and processes it after GitHub recovers", async () => {
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
  // Octokit retries a 5xx three times; every attempt fails, on arrival and in processing.
  nock(API).get(CONFIG).times(8).reply(503, { message: "Service Unavailable" });
  await app.send("pull_request", pullRequest("opened", { number: 21, branch: "self-modify/x", head: sha("9"), sender: "carol" }), "delivery-during-outage");
  expectAllMocksUsed();
  const stored = await app.db.delivery.findUniqueOrThrow({ where: { id: "delivery-during-outage" } });
  expect(stored).toMatchObject({ processedAt: null, attempts: 1 });
  expect(stored.error).toMatch(/Service Unavailable|503/);

  // GitHub is back: the sweep's resume() adopts the PR.
  nock(API).get(CONFIG).reply(404, { message: "Not Found" });
  // The pull_request delivery reads the PR as GitHub has it now: open, no checks, no labels.
  readPull(21, { head: sha("9"), branch: "self-modify/x", author: "carol" });
  nock(API).get(`/repos/${FULL}/pulls/21/files`).query(true).reply(200, [{ filename: "src/x.ts", status: "added", additions: 2, deletions: 0, patch: "+a\n+b" }]);
  nock(API).get(`/repos/${FULL}/pulls/21/commits`).query(true).reply(200, [{ sha: sha("9"), commit: { message: "X" }, author: { login: "carol" }, committer: { login: "carol" } }]);
  nock(API).put(`/repos/${FULL}/issues/21/labels`, { labels: ["upgrade:proposed"] }).reply(200, []);
  nock(API).post(`/repos/${FULL}/check-runs`).reply(201, { id: 3 });
  expect(await app.queue.processor.resume()).toBe(1);
  expectAllMocksUsed();
  expect((await app.db.delivery.findUniqueOrThrow({ where: { id: "delivery-during-outage" } })).processedAt).not.toBeNull();
  expect(await app.db.upgrade.findFirstOrThrow({ where: { pullNumber: 21 } })).toMatchObject({ status: "proposed", author: "carol" });
});
