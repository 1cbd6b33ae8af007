/** The "issue" view of a pull request (GET /issues/:n, issue_comment payloads). */
import { associationOf, labelsJson, userJson } from "./serialize.js";
import type { Pull, Repo, State } from "./state.js";

export function issueJson(state: State, repo: Repo, pull: Pull) {
  const api = `${state.baseUrl}/api/v3/repos/${repo.fullName}`;
  const html = `${state.baseUrl}/${repo.fullName}/pull/${pull.number}`;
  return {
    url: `${api}/issues/${pull.number}`,
    repository_url: api,
    labels_url: `${api}/issues/${pull.number}/labels{/name}`,
    comments_url: `${api}/issues/${pull.number}/comments`,
    html_url: html,
    id: pull.id + 1_000_000,
    node_id: pull.nodeId.replace(/^PR_/, "I_"),
    number: pull.number,
    title: pull.title,
    user: userJson(state, pull.user),
    labels: labelsJson(state, repo, pull.labels),
    state: pull.state,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: pull.comments.length,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    author_association: associationOf(state, repo, pull.user),
    draft: false,
    pull_request: {
      url: `${api}/pulls/${pull.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: pull.mergedAt,
    },
    body: pull.body,
    state_reason: pull.state === "closed" ? "completed" : null,
  };
}
