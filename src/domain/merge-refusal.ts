/**
 * Why branch protection or a ruleset refused a merge, in words a maintainer can act on
 * (CONTRACT §2 "approved → failed"). GitHub answers a refused merge with 405 and one sentence
 * (rulesets prefix "Repository rule violations found"); each known sentence maps to the rule
 * and what would satisfy it. Unknown refusals are passed on as GitHub worded them.
 */

export interface RefusalExplanation {
  rule: string;
  remedy: string;
}

const RULES: ReadonlyArray<{ match: RegExp; rule: string; remedy: string }> = [
  {
    match: /approving review|review is required|reviews? required/i,
    rule: "it requires approving pull request reviews",
    remedy:
      "Upgrade Queue counts `/approve` comments, labels and status-page approvals, but GitHub counts only APPROVED reviews: approvers should approve with a pull request review (then an approver can comment `/retry`), or the rule can exempt the app",
  },
  {
    match: /code owner/i,
    rule: "it requires a review from the code owners",
    remedy: "a code owner of the changed files should approve with a pull request review, then an approver can comment `/retry`",
  },
  {
    match: /required status checks?|status checks? .*(expected|required)/i,
    rule: "it requires status checks that have not passed",
    remedy: "make the branch protection's required checks report success on the head (or list them in `requiredChecks` so that Upgrade Queue waits for them), then an approver can comment `/retry`",
  },
  {
    match: /merge queue/i,
    rule: "it requires GitHub's merge queue",
    // Upgrade Queue enqueues by itself when its read of the PR says the base requires the queue:
    // this refusal means the rule came into force between that read and the merge.
    remedy: "an approver can comment `/retry`: Upgrade Queue then sees the rule and adds the pull request to the merge queue itself",
  },
  {
    match: /verified signatures?|signed commits?/i,
    rule: "it requires signed commits",
    remedy: "the agent's commits must be signed (push signed commits, then approve the new head)",
  },
  {
    match: /conversations? .*resolved|comments must be resolved/i,
    rule: "it requires every review conversation to be resolved",
    remedy: "resolve the open conversations on the pull request, then an approver can comment `/retry`",
  },
  {
    match: /linear history|merge commits? (are|is) not allowed/i,
    rule: "it requires a linear history",
    remedy: "set `mergeMethod: squash` or `rebase` in `.github/upgrade-queue.yml`, then an approver can comment `/retry`",
  },
  {
    match: /deployments? .*(succeed|required)/i,
    rule: "it requires successful deployments",
    remedy: "deploy the head to the required environments, then an approver can comment `/retry`",
  },
];

/** The rule behind a refused merge and what would satisfy it; null when GitHub gave another reason. */
export function explainMergeRefusal(status: number, message: string): RefusalExplanation | null {
  if (status !== 405 && status !== 422 && status !== 403) return null;
  const found = RULES.find((r) => r.match.test(message));
  return found ? { rule: found.rule, remedy: found.remedy } : null;
}
