/**
 * After approval (CONTRACT §2 and the test gate): `failed` and `/retry` (approvals of the head
 * still hold -> approved and merged; otherwise -> proposed; after failed tests it waits for a
 * green re-run), `applyMode: manual` and `/apply` (also before tests pass), and `requiredChecks`
 * (only named checks count, a missing one keeps the gate pending, commit statuses count by
 * context). Signed webhooks in, exact GitHub requests out: a merge is a mocked GraphQL
 * `mergePullRequest` with `expectedHeadOid` = the approved SHA, and its absence is asserted by
 * having no mock.
 */
import { describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { expectAllMocksUsed, useNock } from "../support/nock.js";
import { FULL, INSTALLATION, checkRun, comment, examples, sha } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { branchHead, checks, config, deleteBranch, expectComment, merge, permission, setLabels, stateChange, token, updateCheckRun } from "./github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created), token);

const BASE_HEAD = sha("b");
const MERGE = sha("c");

/** The seeded PR #12 as GitHub has it now: head SEED_HEAD with these checks, labelled `label`. */
function pullNow(label: string, runs: Parameters<typeof checks>[2], statuses: Parameters<typeof checks>[3] = []) {
  checks(12, SEED_HEAD, runs, statuses, [label]);
}

/**
 * The merge of the seeded upgrade at SEED_HEAD, recorded as applied. `reread`: the pass reads
 * the PR (green, labelled `from`) right before merging; `fresh`: it already read it.
 */
function mergeAndApply(gate: "reread" | "fresh", from: string, ...commentParts: string[]) {
  merge(12, { sha: SEED_HEAD }, MERGE, { parent: BASE_HEAD, gate, labels: [`upgrade:${from}`] });
  stateChange(12, from, "applied", (b) => b.status === "completed" && b.conclusion === "success" && b.output.title === "Applied");
  expectComment(12, ...commentParts, "Applied: merged `ddddddd` into `main` as `ccccccc` (previous head `bbbbbbb`).");
  deleteBranch("self-modify/cache");
}

async function expectApplied(id: number) {
  expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "applied", approvedSha: SEED_HEAD, previousSha: BASE_HEAD, mergeCommitSha: MERGE });
}

function statusPayload(opts: { sha: string; context: string; state: string }) {
  const p = examples("status")[0];
  p.repository = { ...p.repository, name: "agent", full_name: FULL, private: true, default_branch: "main", owner: { ...p.repository.owner, login: "acme" } };
  p.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  Object.assign(p, { sha: opts.sha, context: opts.context, state: opts.state, sender: { login: "ci-bot[bot]", type: "Bot" } });
  return p;
}

describe("mergeMethod", () => {
  it("rebase leaves no merge commit to ask, so previousSha is the base head read just before merging", async () => {
    const id = await seedUpgrade(app.db, { status: "failed", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "passed" } });
    config("mergeMethod: rebase\n");
    permission("bob", "write");
    branchHead("main", BASE_HEAD);
    // The PR (and its gate) read again before merging. The merge's answer names the rebased
    // commit's first parent, which is not the old base head: previousSha must not come from it.
    merge(12, { sha: SEED_HEAD, merge_method: "rebase" }, MERGE, { parent: sha("e"), gate: "reread", labels: ["upgrade:failed"] });
    stateChange(12, "failed", "applied", (b) => b.conclusion === "success");
    expectComment(12, "Applied: merged `ddddddd` into `main` as `ccccccc` (previous head `bbbbbbb`).");
    deleteBranch("self-modify/cache");
    await app.send("issue_comment", comment({ number: 12, login: "bob", body: "/retry" }));
    expectAllMocksUsed();
    await expectApplied(id);
  });
});

describe("failed and /retry", () => {
  it("a refused merge, then /retry while approvals of the head still hold: approved again and merged", async () => {
    const id = await seedUpgrade(app.db, { status: "failed", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "passed" } });
    config(null);
    permission("bob", "write");
    mergeAndApply("reread", "failed", "Retrying: approvals of `ddddddd` still hold.");
    await app.send("issue_comment", comment({ number: 12, login: "bob", body: "Conflict fixed upstream.\n/retry" }));
    expectAllMocksUsed();
    await expectApplied(id);
    expect((await eventsOf(app.db, id)).map((e) => [e.type, e.actor, e.via])).toEqual([
      ["upgrade.proposed", "agent", "push"],
      ["upgrade.retried", "bob", "comment"],
      ["upgrade.approved", "bob", "comment"],
      ["upgrade.applied", "upgrade-queue", "check"],
    ]);
  });

  it("/retry after failed tests is approved again but waits for a green re-run, then merges", async () => {
    const id = await seedUpgrade(app.db, { status: "failed", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "failed" } });
    config(null);
    permission("bob", "write");
    pullNow("upgrade:failed", [{ name: "test", conclusion: "failure" }]); // read to change the state label
    stateChange(12, "failed", "approved");
    expectComment(12, "Retrying: approvals of `ddddddd` still hold.");
    await app.send("issue_comment", comment({ number: 12, login: "bob", body: "/retry" }));
    expectAllMocksUsed(); // no merge: the tests on the head failed
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("approved");

    pullNow("upgrade:approved", [{ name: "test", conclusion: "success" }]);
    mergeAndApply("fresh", "approved");
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    await expectApplied(id);
  });

  it("/retry without enough approvals of the head goes back to proposed", async () => {
    const id = await seedUpgrade(app.db, { status: "failed", approvedSha: SEED_HEAD, approvals: [{ login: "alice", sha: sha("0") }], testResults: { state: "passed" } });
    config(null);
    permission("bob", "write");
    pullNow("upgrade:failed", [{ name: "test", conclusion: "success" }]); // read to change the state label
    stateChange(12, "failed", "proposed", (b) => b.status === "in_progress");
    expectComment(12, "Retrying: back to `proposed`, 0 of 1 approvals of the head.");
    await app.send("issue_comment", comment({ number: 12, login: "bob", body: "/retry" }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "proposed", approvedSha: null, errorMessage: null });
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.retried", actor: "bob" });
  });

  it("/retry from someone who may not approve, or of an upgrade that is not failed, is refused", async () => {
    const id = await seedUpgrade(app.db, { status: "failed", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "passed" } });
    config(null);
    permission("rita", "read");
    expectComment(12, "`/retry` was not accepted: @rita has read permission");
    await app.send("issue_comment", comment({ number: 12, login: "rita", body: "/retry" }));
    expectAllMocksUsed();
    await app.db.upgrade.update({ where: { id }, data: { status: "proposed" } });
    permission("bob", "write");
    expectComment(12, "`/retry` was not accepted: the upgrade is `proposed`; only a failed upgrade can be retried.");
    await app.send("issue_comment", comment({ number: 12, login: "bob", body: "/retry" }));
    expectAllMocksUsed();
    const denied = (await eventsOf(app.db, id)).filter((e) => e.type === "upgrade.command_denied");
    expect(denied.map((e) => e.actor)).toEqual(["rita", "bob"]);
  });
});

describe("applyMode: manual", () => {
  it("green tests do not merge; /apply before the tests pass waits; /apply after they pass merges", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }], testResults: { state: "pending" } });
    config("applyMode: manual\n");
    permission("bob", "write");
    expectComment(12, "Tests have not passed on the approved commit yet; the upgrade will wait. Comment `/apply` again once they pass.");
    await app.send("issue_comment", comment({ number: 12, login: "bob", body: "/apply" }));
    expectAllMocksUsed();

    pullNow("upgrade:approved", [{ name: "test", conclusion: "success" }]);
    updateCheckRun((b) => b.status === "in_progress" && b.output.summary.includes("passed"));
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed(); // approved and green, but no merge without /apply
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("approved");

    permission("bob", "write");
    mergeAndApply("reread", "approved");
    await app.send("issue_comment", comment({ number: 12, login: "bob", body: "/apply" }));
    expectAllMocksUsed();
    await expectApplied(id);
    expect((await eventsOf(app.db, id)).map((e) => [e.type, e.actor])).toEqual([
      ["upgrade.proposed", "agent"],
      ["upgrade.tests_passed", "upgrade-queue"],
      ["upgrade.apply_requested", "bob"],
      ["upgrade.applied", "upgrade-queue"],
    ]);
  });

  it("/apply of an upgrade that is not approved is refused", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "passed" } });
    config("applyMode: manual\n");
    permission("bob", "write");
    expectComment(12, "`/apply` was not accepted: the upgrade is `proposed`; only an approved upgrade can be applied.");
    await app.send("issue_comment", comment({ number: 12, login: "bob", body: "/apply" }));
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).at(-1)).toMatchObject({ type: "upgrade.command_denied", actor: "bob", via: "comment" });
  });
});

describe("requiredChecks", () => {
  it("only the named checks count, a missing one keeps the gate pending, and a commit status counts by its context", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }] });
    config("requiredChecks:\n  - test\n  - lint\n");

    // A check that is not required fails: it does not matter.
    pullNow("upgrade:approved", [{ name: "docs", conclusion: "failure" }, { name: "test", status: "in_progress" }]);
    updateCheckRun((b) => b.output.summary.includes("0 of 2 checks passed; 2 pending"));
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "docs", conclusion: "failure" }));
    expectAllMocksUsed();

    // `test` passes, `lint` has not reported at all: still pending, no merge.
    pullNow("upgrade:approved", [{ name: "docs", conclusion: "failure" }, { name: "test", conclusion: "success" }]);
    updateCheckRun((b) => b.output.summary.includes("1 of 2 checks passed; 1 pending"));
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "approved" });

    // `lint` is a commit status: its success completes the gate, and the upgrade merges.
    pullNow("upgrade:approved", [{ name: "docs", conclusion: "failure" }, { name: "test", conclusion: "success" }], [{ context: "lint", state: "success" }]);
    mergeAndApply("fresh", "approved");
    await app.send("status", statusPayload({ sha: SEED_HEAD, context: "lint", state: "success" }));
    expectAllMocksUsed();
    await expectApplied(id);
    const upgrade = await app.db.upgrade.findUniqueOrThrow({ where: { id } });
    expect(JSON.parse(upgrade.testResults ?? "null")).toMatchObject({
      state: "passed",
      summary: "2 of 2 checks passed",
      checks: [{ name: "test", conclusion: "success" }, { name: "lint", conclusion: "success" }],
    });
  });

  it("a failing required commit status fails the approved upgrade", async () => {
    const id = await seedUpgrade(app.db, { status: "approved", approvedSha: SEED_HEAD, approvals: [{ login: "alice" }] });
    config("requiredChecks:\n  - lint\n");
    pullNow("upgrade:approved", [{ name: "test", conclusion: "success" }], [{ context: "lint", state: "error" }]);
    stateChange(12, "approved", "failed", (b) => b.conclusion === "failure");
    expectComment(12, "Failed:", "lint error");
    await app.send("status", statusPayload({ sha: SEED_HEAD, context: "lint", state: "error" }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("failed");
  });
});

describe("the state label, put right by any pass that reads the PR", () => {
  it("removed by a person (its webhook lost): a check event's pass puts `upgrade:proposed` back, keeping the other labels", async () => {
    const id = await seedUpgrade(app.db, { testResults: { state: "pending" } });
    config(null);
    checks(12, SEED_HEAD, [{ name: "test", status: "in_progress", conclusion: null }], [], ["bug"]);
    setLabels(12, ["bug", "upgrade:proposed"]);
    updateCheckRun(() => true);
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
  });

  it("right already: no label request", async () => {
    await seedUpgrade(app.db, { testResults: { state: "pending" } });
    config(null);
    checks(12, SEED_HEAD, [{ name: "test", status: "in_progress", conclusion: null }], [], ["upgrade:proposed"]);
    updateCheckRun(() => true);
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
  });

  it("a person's `upgrade:approved` label whose webhook is on its way is left to that webhook's pass", async () => {
    await seedUpgrade(app.db, { testResults: { state: "pending" } });
    config(null);
    checks(12, SEED_HEAD, [{ name: "test", status: "in_progress", conclusion: null }], [], ["upgrade:approved"]);
    updateCheckRun(() => true);
    await app.send("check_run", checkRun({ head: SEED_HEAD, name: "test", conclusion: "success" }));
    expectAllMocksUsed();
  });
});
