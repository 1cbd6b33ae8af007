/**
 * Budgets and weakened tests end to end (CONTRACT §2 "Budgets and weakened tests"): a pushed
 * proposal past `budget.maxOpen` or `budget.maxPerDay` gets its PR, is recorded and rejected at
 * once (actor `budget`, PR closed with the limit and the count), one below is not; a proposal
 * that changes a test file is guarded and named in a comment and on the check run; adding a test
 * file is not weakening.
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, pullRequest, push, sha } from "../support/payloads.js";
import { eventsOf, seedUpgrade } from "../support/seed.js";
import { readPull, setLabels, closePull, compare, config, createCheckRun, createPull, deleteBranch, expectComment, pullContents, repoPath, token } from "./github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created), token);

const HEAD = sha("a");
const BRANCH = "self-modify/flood";
const HOUR = 3_600_000;

/** Earlier proposals by `agent`, recorded `hoursAgo` (status as given). */
async function earlier(count: number, options: { status?: string; hoursAgo?: number; by?: string } = {}) {
  for (let i = 0; i < count; i++) {
    const n = 100 + (await app.db.upgrade.count());
    const id = await seedUpgrade(app.db, { pullNumber: n, branchName: `self-modify/old-${n}`, status: options.status ?? "proposed", checkRunId: `1@${sha("0")}` });
    await app.db.upgrade.update({ where: { id }, data: { proposedBy: options.by ?? "agent" } });
    await app.db.upgradeEvent.updateMany({ where: { upgradeId: id }, data: { at: new Date(app.clock.now.getTime() - (options.hoursAgo ?? 1) * HOUR) } });
  }
}

function pushedProposal(files = [{ filename: "src/feature.ts" }]) {
  compare(HEAD, files, [{ sha: HEAD, message: "Add a feature" }]);
  createPull(12, BRANCH, HEAD);
  // The PR the app just opened, as GitHub has it now: no labels, no checks.
  readPull(12, { head: HEAD, branch: BRANCH, labels: [] });
}

function rejectedByBudget(comment: string) {
  setLabels(12, ["upgrade:rejected"]);
  createCheckRun(HEAD, 77, (b) => b.conclusion === "failure" && b.output.title === "Rejected");
  const bodies = expectComment(12, comment);
  closePull(12);
  deleteBranch(BRANCH);
  return bodies;
}

function proposedNormally(match: (body: Record<string, any>) => boolean = () => true) {
  setLabels(12, ["upgrade:proposed"]);
  createCheckRun(HEAD, 77, match);
}

const sendPush = () => app.send("push", push({ branch: BRANCH, after: HEAD, message: "Add a feature", pusher: "agent" }));
const upgrade12 = () => app.db.upgrade.findFirstOrThrow({ where: { repository: FULL, pullNumber: 12 } });

describe("budget.maxOpen", () => {
  it("at the limit: recorded, rejected at once by `budget`, the PR closed with the limit and the count", async () => {
    await earlier(2);
    await earlier(3, { status: "applied" }); // not pending: do not count towards maxOpen
    await earlier(4, { by: "someone-else" });
    config("budget:\n  maxOpen: 2\n");
    pushedProposal();
    const bodies = rejectedByBudget("Rejected automatically: @agent already has 2 pending upgrades in this repository; budget.maxOpen is 2.");
    await sendPush();
    expectAllMocksUsed();
    expect(bodies).toHaveLength(1);
    const upgrade = await upgrade12();
    expect(upgrade).toMatchObject({ status: "rejected", proposedBy: "agent" });
    const events = await eventsOf(app.db, upgrade.id);
    expect(events.map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.proposed", "agent", "push"],
      ["upgrade.rejected", "budget", "push"],
    ]);
    expect(JSON.parse(events[1]!.details)).toMatchObject({ limit: "maxOpen", count: 2, max: 2, proposer: "agent" });
  });

  it("one below the limit: proposed as usual", async () => {
    await earlier(1);
    config("budget:\n  maxOpen: 2\n");
    pushedProposal();
    proposedNormally();
    await sendPush();
    expectAllMocksUsed();
    expect((await upgrade12()).status).toBe("proposed");
  });
});

describe("budget.maxPerDay", () => {
  it("at the limit: rejected, counting every proposal of the last 24 hours whatever became of it", async () => {
    await earlier(1, { hoursAgo: 2 });
    await earlier(2, { status: "rejected", hoursAgo: 23 });
    await earlier(5, { status: "applied", hoursAgo: 25 }); // older than a day
    config("budget:\n  maxPerDay: 3\n");
    pushedProposal();
    rejectedByBudget("Rejected automatically: @agent already made 3 proposals in this repository in the last 24 hours; budget.maxPerDay is 3.");
    await sendPush();
    expectAllMocksUsed();
    expect((await upgrade12()).status).toBe("rejected");
  });

  it("one below the limit: proposed as usual", async () => {
    await earlier(2, { status: "rejected", hoursAgo: 23 });
    await earlier(5, { hoursAgo: 25 });
    config("budget:\n  maxPerDay: 3\n");
    pushedProposal();
    proposedNormally();
    await sendPush();
    expectAllMocksUsed();
    expect((await upgrade12()).status).toBe("proposed");
  });
});

describe("weakened tests", () => {
  it("a changed test file makes the proposal guarded, named in a comment and on the check run", async () => {
    config(null);
    pushedProposal([{ filename: "src/cache.ts" }, { filename: "test/cache.test.ts" }]);
    proposedNormally((b) => b.output.summary.includes("**Tests weakened** (guarded): test files deleted or changed: `test/cache.test.ts`"));
    expectComment(12, "**Tests weakened:** test files deleted or changed: `test/cache.test.ts`. This upgrade is guarded: it needs 2 approvals by admins or maintainers");
    await sendPush();
    expectAllMocksUsed();
    const upgrade = await upgrade12();
    expect(upgrade).toMatchObject({ guarded: true, weakened: JSON.stringify({ files: ["test/cache.test.ts"], checks: [] }) });
    expect((await eventsOf(app.db, upgrade.id)).map((e) => e.type)).toEqual(["upgrade.proposed", "upgrade.tests_weakened"]);
  });

  it("an added test file is not weakening", async () => {
    config(null);
    // The compare helper reports every file as modified; an adopted PR lists real statuses.
    nock(API)
      .get(`${repoPath}/pulls/12/files`)
      .query(true)
      .reply(200, [{ filename: "test/new.test.ts", status: "added", additions: 9, deletions: 0, patch: "@@ +1 @@\n+it()" }]);
    nock(API).get(`${repoPath}/pulls/12/commits`).query(true).reply(200, [{ sha: HEAD, commit: { message: "More tests" }, author: { login: "agent" }, committer: { login: "agent" } }]);
    readPull(12, { head: HEAD, branch: BRANCH, labels: [] });
    proposedNormally((b) => !b.output.summary.includes("weakened"));
    await app.send("pull_request", pullRequest("opened", { number: 12, branch: BRANCH, head: HEAD, sender: "agent" }));
    expectAllMocksUsed();
    expect(await upgrade12()).toMatchObject({ guarded: false, weakened: null });
  });

  it("a test file renamed out of testPaths (it no longer runs) is weakening, named by its old name", async () => {
    config(null);
    nock(API)
      .get(`${repoPath}/pulls/12/files`)
      .query(true)
      .reply(200, [{ filename: "src/cache-notes.ts", previous_filename: "test/cache.test.ts", status: "renamed", additions: 0, deletions: 0 }]);
    nock(API).get(`${repoPath}/pulls/12/commits`).query(true).reply(200, [{ sha: HEAD, commit: { message: "Tidy tests" }, author: { login: "agent" }, committer: { login: "agent" } }]);
    readPull(12, { head: HEAD, branch: BRANCH, labels: [] });
    proposedNormally((b) => b.output.summary.includes("**Tests weakened** (guarded): test files deleted or changed: `test/cache.test.ts`"));
    expectComment(12, "**Tests weakened:** test files deleted or changed: `test/cache.test.ts`.");
    await app.send("pull_request", pullRequest("opened", { number: 12, branch: BRANCH, head: HEAD, sender: "agent" }));
    expectAllMocksUsed();
    expect(await upgrade12()).toMatchObject({ guarded: true, weakened: JSON.stringify({ files: ["test/cache.test.ts"], checks: [] }) });
  });
});
