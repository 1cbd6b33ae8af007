/** Check runs and commit statuses: state changes and the combined status. */
import type { CheckRun, CommitStatus, Repo, State } from "./state.js";
import { nextId, now } from "./state.js";

export interface CheckRunInput {
  name: string;
  headSha: string;
  status?: CheckRun["status"];
  conclusion?: string | null;
  output?: Partial<CheckRun["output"]>;
  detailsUrl?: string | null;
  externalId?: string | null;
  appSlug: string;
}

export function createCheckRun(state: State, repo: Repo, input: CheckRunInput): CheckRun {
  const at = now(state);
  const completed = input.conclusion ? true : input.status === "completed";
  const run: CheckRun = {
    id: nextId(state),
    name: input.name,
    headSha: input.headSha,
    status: completed ? "completed" : (input.status ?? "queued"),
    conclusion: input.conclusion ?? null,
    output: { title: null, summary: null, text: null, ...input.output },
    detailsUrl: input.detailsUrl ?? null,
    externalId: input.externalId ?? null,
    appSlug: input.appSlug,
    startedAt: at,
    completedAt: completed ? at : null,
    suiteId: suiteIdFor(state, repo, input.headSha, input.appSlug),
  };
  repo.checkRuns.push(run);
  return run;
}

/** One check suite per (sha, app), as GitHub creates them. */
function suiteIdFor(state: State, repo: Repo, sha: string, app: string): number {
  const sibling = repo.checkRuns.find((r) => r.headSha === sha && r.appSlug === app);
  return sibling ? sibling.suiteId : nextId(state);
}

export function updateCheckRun(state: State, run: CheckRun, patch: Partial<Omit<CheckRunInput, "appSlug" | "headSha">>): void {
  if (patch.name !== undefined) run.name = patch.name;
  if (patch.status !== undefined) run.status = patch.status;
  if (patch.conclusion !== undefined) run.conclusion = patch.conclusion;
  if (patch.conclusion) run.status = "completed";
  if (patch.output) run.output = { ...run.output, ...patch.output };
  if (patch.detailsUrl !== undefined) run.detailsUrl = patch.detailsUrl;
  if (patch.externalId !== undefined) run.externalId = patch.externalId;
  if (run.status === "completed" && !run.completedAt) run.completedAt = now(state);
  if (run.status !== "completed") {
    run.completedAt = null;
    run.conclusion = null;
  }
}

/** Latest run per (app, name), like GitHub's default `filter=latest`. */
export function latestRuns(runs: CheckRun[]): CheckRun[] {
  const latest = new Map<string, CheckRun>();
  for (const run of runs) {
    const key = `${run.appSlug}\0${run.name}`;
    const seen = latest.get(key);
    if (!seen || seen.id < run.id) latest.set(key, run);
  }
  return [...latest.values()].sort((a, b) => b.id - a.id);
}

export function addStatus(
  state: State,
  repo: Repo,
  input: { sha: string; context: string; state: CommitStatus["state"]; targetUrl?: string | null; description?: string | null; creator: string },
): CommitStatus {
  const status: CommitStatus = {
    id: nextId(state),
    sha: input.sha,
    context: input.context,
    state: input.state,
    targetUrl: input.targetUrl ?? null,
    description: input.description ?? null,
    creator: input.creator,
    createdAt: now(state),
  };
  repo.statuses.push(status);
  return status;
}

/** Most recent status per context, newest first. */
export function latestStatuses(repo: Repo, sha: string): CommitStatus[] {
  const latest = new Map<string, CommitStatus>();
  for (const status of repo.statuses) if (status.sha === sha) latest.set(status.context, status);
  return [...latest.values()].sort((a, b) => b.id - a.id);
}

/** GitHub: failure if any error/failure, pending if any pending or none at all, else success. */
export function combinedState(statuses: CommitStatus[]): "failure" | "pending" | "success" {
  if (statuses.some((s) => s.state === "error" || s.state === "failure")) return "failure";
  if (statuses.length === 0 || statuses.some((s) => s.state === "pending")) return "pending";
  return "success";
}
