/**
 * A merge refused by branch protection or a ruleset is explained: the rule, and what would
 * satisfy it (CONTRACT §2, approved → failed). One row per known refusal, and the ones that are
 * not protection (conflicts, a moved head) are left as GitHub worded them.
 */
import { describe, expect, it } from "vitest";
import { decide } from "../../src/domain/decide.js";
import { explainMergeRefusal } from "../../src/domain/merge-refusal.js";
import { HEAD, approvedState, config, context } from "../support/upgrade-state.js";

describe("explainMergeRefusal", () => {
  it.each([
    [405, "At least 1 approving review is required by reviewers with write access.", "it requires approving pull request reviews"],
    [405, "Repository rule violations found\n\nReview required: At least 2 approving reviews are required by reviewers with write access.", "it requires approving pull request reviews"],
    [405, "Waiting on code owner review from acme/core.", "it requires a review from the code owners"],
    [405, 'Required status check "e2e" is expected.', "it requires status checks that have not passed"],
    [405, "2 of 3 required status checks are expected.", "it requires status checks that have not passed"],
    [405, "Changes must be made through the merge queue", "it requires GitHub's merge queue"],
    [405, "Commits must have verified signatures.", "it requires signed commits"],
    [405, "All comments must be resolved.", "it requires every review conversation to be resolved"],
    [405, "Merge commits are not allowed on this branch.", "it requires a linear history"],
    [405, "Pull Request is not mergeable", null],
    [409, "Head branch was modified. Review and try the merge again.", null],
    [500, "At least 1 approving review is required", null],
  ])("%s %j → %s", (status, message, rule) => {
    expect(explainMergeRefusal(status, message)?.rule ?? null).toBe(rule);
  });
});

describe("decide: a refused merge", () => {
  it("protection: failed, and a second comment names the rule and what would satisfy it", () => {
    const decision = decide(approvedState({ mergeClaimSha: HEAD }), { kind: "merge_failed", message: "405: At least 1 approving review is required by reviewers with write access.", headMoved: false, status: 405 }, config(), context());
    expect(decision.patch).toMatchObject({ status: "failed", errorMessage: "GitHub refused the merge: 405: At least 1 approving review is required by reviewers with write access." });
    expect(decision.events.map((e) => e.type)).toEqual(["upgrade.failed"]);
    const comments = decision.effects.flatMap((e) => (e.kind === "comment" ? [e.body] : []));
    expect(comments).toHaveLength(2);
    expect(comments[1]).toMatch(/^Branch protection on `main` refused the merge: it requires approving pull request reviews\. To satisfy it: .*GitHub counts only APPROVED reviews/);
  });

  it("a conflict: failed with GitHub's words only", () => {
    const decision = decide(approvedState({ mergeClaimSha: HEAD }), { kind: "merge_failed", message: "405: Pull Request is not mergeable", headMoved: false, status: 405 }, config(), context());
    expect(decision.patch.status).toBe("failed");
    expect(decision.effects.filter((e) => e.kind === "comment")).toHaveLength(1);
  });
});
