/**
 * The app was down (or GitHub's webhooks were lost) while people acted on GitHub. Reconciliation
 * re-reads the upgrade PRs and records what it finds with `via: reconcile` and, as actor, the
 * person GitHub names for it. Mocks answer as GitHub does: the pull request *list* carries no
 * `merged`/`merged_by`; the app reads each PR again (GraphQL `UpgradeQueuePull`), which does.
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { FULL, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { reconcile } from "../../src/timers/reconcile.js";
import { type PullSpec, mergeMutation, readPull, setLabels } from "../rules/github.js";

const repoPath = `/repos/${FULL}`;
const BRANCH = "self-modify/cache";
const MERGE = sha("c");
const PARENT = sha("9");
const NEW_HEAD = sha("e");

useNock();

let app: TestApp;
useTestApp((created) => (app = created), () => {
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
  nock(API).get("/installation/repositories").query(true).reply(200, { total_count: 1, repositories: [{ full_name: FULL, private: true, default_branch: "main" }] });
  nock(API).get(/\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/).reply(404, { message: "Not Found" });
});

/** A pull request as `GET /repos/{o}/{r}/pulls` lists it (pull-request-simple). */
function listed(opts: { state: "open" | "closed"; head?: string; mergedAt?: string | null; labels?: string[] }) {
  return {
    number: 12,
    node_id: "PR_12",
    state: opts.state,
    title: "Teach the agent to cache embeddings",
    body: "Adds a cache.",
    user: { login: "upgrade-queue[bot]", type: "Bot" },
    head: { ref: BRANCH, sha: opts.head ?? SEED_HEAD, repo: { full_name: FULL } },
    base: { ref: "main", repo: { full_name: FULL } },
    labels: (opts.labels ?? []).map((name) => ({ name })),
    merged_at: opts.mergedAt ?? null,
    merge_commit_sha: opts.mergedAt ? MERGE : sha("7"), // GitHub fills in a test-merge SHA for unmerged PRs
    closed_at: opts.state === "closed" ? "2026-11-20T09:45:00Z" : null,
    updated_at: "2026-11-20T09:45:00Z",
    html_url: `https://github.com/${FULL}/pull/12`,
  };
}

function pulls(open: object[], closed: object[]) {
  nock(API).get(`${repoPath}/pulls`).query((q) => q.state === "open").reply(200, open);
  nock(API).get(`${repoPath}/pulls`).query((q) => q.state === "closed").reply(200, closed);
}

/** The state label set from the labels GitHub has now (one PUT), and the check run follows. */
function stateChange(to: string, checkRun: (b: Record<string, any>) => boolean, checkRunId = 77) {
  setLabels(12, [`upgrade:${to}`]);
  nock(API).patch(`${repoPath}/check-runs/${checkRunId}`, checkRun).reply(200, { id: checkRunId });
}

/** The PR as GitHub has it now (read again after the list), merged by `mergedBy`. */
function mergedNow(mergedBy: string, labels: string[]): PullSpec {
  return { head: SEED_HEAD, branch: BRANCH, state: "closed", merged: true, mergedBy, mergeCommit: MERGE, labels };
}

describe("reconciliation after missed webhooks", () => {
  it("a PR closed while the app was down: rejected, via reconcile", async () => {
    const id = await seedUpgrade(app.db);
    pulls([], [listed({ state: "closed", labels: ["upgrade:proposed"] })]);
    readPull(12, { head: SEED_HEAD, branch: BRANCH, state: "closed", labels: ["upgrade:proposed"] });
    stateChange("rejected", (b) => b.conclusion === "failure");
    nock(API).delete(/\/repos\/acme\/agent\/git\/refs\/heads(%2F|\/)self-modify(%2F|\/)cache/).reply(204);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("rejected");
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.rejected", via: "reconcile", deliveryId: null });
  });

  it("a PR merged by a person while the app was down: applied, previousSha = the merge commit's parent, the merger as actor", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }] });
    pulls([], [listed({ state: "closed", mergedAt: "2026-11-20T09:45:00Z", labels: ["upgrade:approved"] })]);
    // The list does not say who merged: the PR read again does.
    readPull(12, mergedNow("bob", ["upgrade:approved"]));
    nock(API).get(`${repoPath}/git/commits/${MERGE}`).reply(200, { sha: MERGE, parents: [{ sha: PARENT }], tree: { sha: sha("8") } });
    stateChange("applied", (b) => b.conclusion === "success");
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", mergeCommitSha: MERGE, previousSha: PARENT });
    const last = (await eventsOf(app.db, id)).at(-1);
    expect(last).toMatchObject({ type: "upgrade.applied", actor: "bob", via: "reconcile" });
    expect(JSON.parse(last!.details)).toMatchObject({ mergedOutsideApp: true, previousSha: PARENT, mergeCommitSha: MERGE });
  });

  it("the app's own merge, made on another replica and not recorded yet (claim held): recorded as the app's, Applied comment and branch deletion included", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "passed" } });
    await app.db.upgrade.update({ where: { id }, data: { mergeClaimSha: SEED_HEAD, mergeClaimedAt: new Date() } });
    pulls([], [listed({ state: "closed", mergedAt: "2026-11-20T09:45:00Z", labels: ["upgrade:approved"] })]);
    readPull(12, mergedNow("upgrade-queue[bot]", ["upgrade:approved"]));
    nock(API).get(`${repoPath}/git/commits/${MERGE}`).reply(200, { sha: MERGE, parents: [{ sha: PARENT }], tree: { sha: sha("8") } });
    stateChange("applied", (b) => b.conclusion === "success");
    nock(API).post(`${repoPath}/issues/12/comments`, (b) => b.body.startsWith(`Applied: merged \`${SEED_HEAD.slice(0, 7)}\``) && b.body.includes(PARENT.slice(0, 7))).reply(201, { id: 1 });
    nock(API).delete(/\/repos\/acme\/agent\/git\/refs\/heads(%2F|\/)self-modify(%2F|\/)cache/).reply(204);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", mergeCommitSha: MERGE, previousSha: PARENT, mergeClaimSha: null });
    const applied = (await eventsOf(app.db, id)).filter((e) => e.type === "upgrade.applied");
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ actor: "upgrade-queue", via: "check" });
    expect(JSON.parse(applied[0]!.details)).not.toHaveProperty("mergedOutsideApp");
  });

  it("an approved green upgrade that no pass is merging (the replica that unfroze the repository died first): merged by reconciliation", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "passed" } });
    pulls([listed({ state: "open", labels: ["upgrade:approved"] })], []);
    // The PR read again: still the approved head, its checks green.
    readPull(12, { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:approved"], checks: [{ name: "test", conclusion: "success" }], ownCheckRun: 77 });
    mergeMutation(12, { expectedHeadOid: SEED_HEAD, mergeMethod: "SQUASH", commitHeadline: "Teach the agent to cache embeddings (#12)" }, { merged: MERGE, parent: PARENT });
    stateChange("applied", (b) => b.conclusion === "success");
    nock(API).post(`${repoPath}/issues/12/comments`, (b) => b.body.startsWith(`Applied: merged \`${SEED_HEAD.slice(0, 7)}\``)).reply(201, { id: 1 });
    nock(API).delete(/\/repos\/acme\/agent\/git\/refs\/heads(%2F|\/)self-modify(%2F|\/)cache/).reply(204);
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", mergeCommitSha: MERGE, previousSha: PARENT, mergeClaimSha: null });
    expect((await eventsOf(app.db, id)).filter((e) => e.type === "upgrade.applied")).toHaveLength(1);
  });

  it("an approved green upgrade of a frozen repository: reconciliation merges nothing, look after look", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "passed" } });
    await app.queue.deps.store.setFreeze({ repository: FULL, installationId: 1, frozen: true, actor: "bob", reason: "incident 7", via: "comment", at: app.clock.now, deliveryId: null });
    const look = () => {
      pulls([listed({ state: "open", labels: ["upgrade:approved"] })], []);
      readPull(12, { head: SEED_HEAD, branch: BRANCH, labels: ["upgrade:approved"], checks: [{ name: "test", conclusion: "success" }], ownCheckRun: 77 });
    };
    // The first look records the gate as read (the seed's summary differs), so the pass says the merge is held.
    look();
    nock(API).patch(`${repoPath}/check-runs/77`, (b) => JSON.stringify(b).includes("incident 7")).reply(200, { id: 77 });
    nock(API).post(`${repoPath}/issues/12/comments`, (b) => b.body === "Not merged yet: Frozen by @bob: incident 7. It merges after `/unfreeze`.").reply(201, { id: 1 });
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    // The second finds nothing new: it reads, and writes nothing.
    nock(API).get("/installation/repositories").query(true).reply(200, { total_count: 1, repositories: [{ full_name: FULL, private: true, default_branch: "main" }] });
    nock(API).get(/\/repos\/acme\/agent\/contents\/\.github(%2F|\/)upgrade-queue\.yml/).reply(404, { message: "Not Found" });
    look();
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved", mergeClaimSha: null });
  });

  it("new commits pushed while the app was down: the approval of the old head is invalidated", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "passed" } });
    pulls([listed({ state: "open", head: NEW_HEAD, labels: ["upgrade:approved"] })], []);
    // The PR read again: the new head, nothing has run on it yet.
    readPull(12, { head: NEW_HEAD, branch: BRANCH, body: "Adds a cache.", labels: ["upgrade:approved"] });
    nock(API).get(`${repoPath}/pulls/12/files`).query(true).reply(200, [{ filename: "src/cache.ts", status: "added", additions: 14, deletions: 0, patch: "+x" }]);
    nock(API).get(`${repoPath}/pulls/12/commits`).query(true).reply(200, [
      { sha: SEED_HEAD, commit: { message: "Add a cache" }, author: { login: "agent" }, committer: { login: "agent" } },
      { sha: NEW_HEAD, commit: { message: "More cache" }, author: { login: "agent" }, committer: { login: "agent" } },
    ]);
    setLabels(12, ["upgrade:proposed"]);
    // The new head's check run says its gate is pending (no checks yet).
    nock(API).post(`${repoPath}/check-runs`, (b) => b.head_sha === NEW_HEAD && b.output.summary.includes("no checks reported yet")).reply(201, { id: 78 });
    nock(API).post(`${repoPath}/issues/12/comments`, (b) => b.body.includes("no longer count")).reply(201, { id: 1 });
    await reconcile(app.queue.deps, [1]);
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "proposed", headSha: NEW_HEAD, approvedSha: null, mergeClaimSha: null });
    const events = await eventsOf(app.db, id);
    expect(events.at(-1)).toMatchObject({ type: "upgrade.approval_invalidated", actor: "reconcile", via: "reconcile" });
    expect(JSON.parse(events.at(-1)!.details)).toMatchObject({ previousHeadSha: SEED_HEAD, headSha: NEW_HEAD, from: "approved" });
  });
});
