/**
 * Weakened tests by checks (CONTRACT §2 "Budgets and weakened tests"): an upgrade whose head
 * reports fewer distinct check names than the base branch head is guarded, and the PR comment
 * and check run name what shrank. Against the fake GitHub over real HTTP: the base head's checks
 * come with the same read of the PR as the head's (no extra request).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TestApp, createTestApp } from "../support/app.js";
import { type FakeGitHub, startFakeGitHub } from "../support/fake-github/index.js";

const REPO = "acme/widgets";
const BRANCH = "self-modify/faster";

let fake: FakeGitHub;
let app: TestApp;

beforeEach(async () => {
  fake = await startFakeGitHub();
  const { headSha: base } = fake.addRepo({ owner: "acme", name: "widgets", installationId: 1 });
  fake.setCollaborator(REPO, "alice", "write");
  for (const name of ["test", "lint"]) fake.completeCheckRun({ repo: REPO, sha: base, name, conclusion: "success" });
  app = await createTestApp({ baseUrl: `${fake.url}/api/v3` });
});

afterEach(async () => {
  await app.close();
  await fake.close();
});

describe("an upgrade whose head reports fewer checks than the base head", () => {
  it("is guarded once its checks complete; the comment and the check run name the missing check; a write approval does not merge it", async () => {
    const head = fake.pushCommit({ repo: REPO, branch: BRANCH, message: "Skip lint", files: { "src/a.ts": "export {};\n" }, author: "agent" });
    await app.send("push", fake.payloads.push(REPO, BRANCH));
    const n = (await app.db.upgrade.findFirstOrThrow({ where: { repository: REPO } })).pullNumber;
    expect((await app.db.upgrade.findFirstOrThrow({ where: { repository: REPO } })).guarded).toBe(false);

    const run = fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "success" });
    await app.send("check_run", fake.payloads.checkRun("completed", REPO, run.id));
    const upgrade = await app.db.upgrade.findFirstOrThrow({ where: { repository: REPO } });
    expect(upgrade.guarded).toBe(true);
    const events = await app.db.upgradeEvent.findMany({ where: { upgradeId: upgrade.id }, orderBy: { id: "asc" } });
    expect(events.find((e) => e.type === "upgrade.tests_weakened")?.details).toContain("lint");
    expect(fake.commentsOf(REPO, n).some((c) => c.body.includes("Tests weakened") && c.body.includes("`lint`"))).toBe(true);
    const checkRun = fake.checkRunsFor(REPO, head).find((r) => r.name === "Upgrade Queue");
    expect(checkRun?.output.summary).toContain("lint");

    await app.send("pull_request_review", fake.payloads.review(REPO, n, "alice", "approved", head));
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: upgrade.id } })).status).toBe("proposed");
    expect(fake.getPull(REPO, n).merged).toBe(false);
  });

  it("a head that reports the same checks (and one more) is not weakened", async () => {
    const head = fake.pushCommit({ repo: REPO, branch: BRANCH, message: "Add e2e", files: { "src/b.ts": "export {};\n" }, author: "agent" });
    await app.send("push", fake.payloads.push(REPO, BRANCH));
    let last = 0;
    for (const name of ["test", "lint", "e2e"]) last = fake.completeCheckRun({ repo: REPO, sha: head, name, conclusion: "success" }).id;
    await app.send("check_run", fake.payloads.checkRun("completed", REPO, last));
    const upgrade = await app.db.upgrade.findFirstOrThrow({ where: { repository: REPO } });
    expect(upgrade.guarded).toBe(false);
    expect(JSON.parse(upgrade.testResults ?? "null")).toMatchObject({ state: "passed" });
  });
});
