/** REST shapes of the app, its installations, check runs and commit statuses. */
import { baseShaOf, headShaOf } from "./pulls.js";
import { api, nodeId, userJson } from "./serialize.js";
import type { CheckRun, CommitStatus, Installation, Repo, State } from "./state.js";
import { ensureUser } from "./state.js";

export function checkRunJson(state: State, repo: Repo, run: CheckRun) {
  const app = run.appSlug === state.app.slug ? appJson(state) : ciAppJson(state);
  return {
    id: run.id,
    node_id: nodeId("CR", run.id),
    head_sha: run.headSha,
    external_id: run.externalId,
    url: `${api(state)}/repos/${repo.fullName}/check-runs/${run.id}`,
    html_url: `${state.baseUrl}/${repo.fullName}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: { ...run.output, annotations_count: 0, annotations_url: `${api(state)}/repos/${repo.fullName}/check-runs/${run.id}/annotations` },
    name: run.name,
    check_suite: { id: run.suiteId },
    app,
    pull_requests: [...repo.pulls.values()]
      .filter((p) => p.state === "open" && headShaOf(state, p) === run.headSha && p.headRepo === repo.fullName)
      .map((p) => ({
        url: `${api(state)}/repos/${repo.fullName}/pulls/${p.number}`,
        id: p.id,
        number: p.number,
        head: { ref: p.headRef, sha: headShaOf(state, p), repo: { id: repo.id, url: `${api(state)}/repos/${repo.fullName}`, name: repo.name } },
        base: { ref: p.baseRef, sha: baseShaOf(repo, p), repo: { id: repo.id, url: `${api(state)}/repos/${repo.fullName}`, name: repo.name } },
      })),
  };
}

export function statusJson(state: State, repo: Repo, status: CommitStatus) {
  return {
    url: `${api(state)}/repos/${repo.fullName}/statuses/${status.sha}`,
    id: status.id,
    node_id: nodeId("SC", status.id),
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    creator: userJson(state, status.creator),
  };
}

export function appJson(state: State) {
  return {
    id: state.app.id,
    slug: state.app.slug,
    node_id: nodeId("A", state.app.id),
    client_id: state.app.clientId,
    owner: userJson(state, state.app.owner),
    name: state.app.name,
    description: "Holds self-modifications behind a human approval gate",
    external_url: "http://localhost:3000",
    html_url: `${state.baseUrl}/apps/${state.app.slug}`,
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    permissions: { checks: "write", contents: "write", issues: "write", metadata: "read", pull_requests: "write", statuses: "read" },
    events: ["check_run", "check_suite", "issue_comment", "pull_request", "pull_request_review", "push", "status"],
  };
}

/** The id of the third-party CI app that `completeCheckRun` acts as. */
export const CI_APP_ID = 15368;

export function ciAppJson(state: State) {
  return { ...appJson(state), id: CI_APP_ID, slug: "ci", node_id: nodeId("A", CI_APP_ID), name: "CI", owner: userJson(state, "ci-org") };
}

export function installationJson(state: State, installation: Installation) {
  const account = ensureUser(state, installation.account);
  return {
    id: installation.id,
    account: userJson(state, installation.account),
    repository_selection: "selected",
    access_tokens_url: `${api(state)}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${api(state)}/installation/repositories`,
    html_url: `${state.baseUrl}/settings/installations/${installation.id}`,
    app_id: state.app.id,
    app_slug: state.app.slug,
    target_id: account.id,
    target_type: account.type === "Organization" ? "Organization" : "User",
    permissions: appJson(state).permissions,
    events: appJson(state).events,
    created_at: installation.createdAt,
    updated_at: installation.createdAt,
    single_file_name: null,
    suspended_at: null,
    suspended_by: null,
  };
}
