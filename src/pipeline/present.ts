/**
 * Shows a pass's outcome on GitHub once, against the final state: the `upgrade:<state>` label,
 * the `Upgrade Queue` check run, the comment, closing the PR and deleting the branch.
 */
import type { RepoConfig } from "../config/repo-config.js";
import { type CheckRunView, checkRunView, invalidConfigView } from "../domain/messages.js";
import type { UpgradeStatus } from "../domain/types.js";
import type { GitHubPort, PullSnapshot, RepoRef } from "../github/port.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";
import type { PipelineDeps } from "./deps.js";
import { DECISION_LABELS, STATE_LABELS } from "../github/octokit-port.js";
import { creatingCheckRunOn, INVALID_CONFIG_COMMENT } from "./invalid-config.js";
import type { PassContext } from "./pass-context.js";

/** An effect of a decision, with the id of its `PendingEffect` row when it is owed. */
export interface Owed<E> {
  effect: E;
  owedId: number | null;
}

export interface Presentation {
  comments: Array<Owed<string>>;
  removeLabels: string[];
  syncLabel: boolean;
  syncCheckRun: boolean;
  closePr: Array<number | null>;
  deleteBranch: Array<number | null>;
  startStatus: UpgradeStatus;
  /** Owed effects this pass saved and has not done yet. */
  open: Set<number>;
}

export function emptyPresentation(startStatus: UpgradeStatus): Presentation {
  return { comments: [], removeLabels: [], syncLabel: false, syncCheckRun: false, closePr: [], deleteBranch: [], startStatus, open: new Set() };
}

export async function present(ctx: PassContext, record: UpgradeRecord, p: Presentation): Promise<void> {
  const { deps, port, repo, config } = ctx;
  const n = record.state.pullNumber;
  for (const name of p.removeLabels) await port.removeLabel(repo, n, name);
  const changed = record.state.status !== p.startStatus;
  let pull = null;
  if (p.syncLabel || changed) {
    // The labels as GitHub has them, never as a payload listed them: a person may have closed
    // or labelled the PR a moment before the app's own label landed (CONTRACT §2).
    pull = await ctx.readPull();
    record = await showStateLabel(deps, port, repo, record, pull.labels.filter((l) => !p.removeLabels.includes(l)));
  } else {
    // Any pass that read the open PR puts its state label right when it is missing or doubled
    // (a person removed it, a write failed): no request when it is right. showStateLabel ends
    // on the newest state, so a transition another pass is presenting is not undone.
    // A pending decision label (its webhook on the way) is left to its own pass.
    const read = ctx.pullIfRead();
    if (read && read.state === "open" && stateLabelWrong(record, read.labels) && !read.labels.some((l) => isPendingDecision(record, l))) {
      record = await showStateLabel(deps, port, repo, record, read.labels.filter((l) => !p.removeLabels.includes(l)));
    }
  }
  if (p.syncCheckRun || changed) {
    // A check run the app made on this head before the upgrade existed (an invalid config was
    // reported on it) is taken over, not doubled.
    const read = ctx.pullIfRead();
    const adoptable = read && read.headSha === record.state.headSha ? read.ownCheckRunId : null;
    const frozen = await deps.store.freezeOf(record.repository);
    await upsertCheckRunFor(deps, port, repo, record, (r) => checkRunView(r.state, config, frozen), async () => adoptable);
  }
  if (p.comments.length > 0) {
    await port.comment(repo, n, p.comments.map((c) => c.effect).join("\n\n"));
    await done(deps, p, p.comments.map((c) => c.owedId));
  }
  if (p.closePr.length > 0) {
    await port.closePull(repo, n);
    await done(deps, p, p.closePr);
  }
  if (p.deleteBranch.length > 0) {
    const read = pull ?? (await ctx.readPull());
    if (mayDeleteBranch(deps, record, read)) await port.deleteBranch(repo, record.state.branchName);
    await done(deps, p, p.deleteBranch);
  }
}

/**
 * Whether the app deletes the upgrade's branch now: not when GitHub deletes a merged PR's branch
 * itself (the repository asks it to), and not when another open PR has the same branch as its
 * head (the agent opened a new one from it): deleting the branch would close that PR.
 */
export function mayDeleteBranch(deps: PipelineDeps, record: UpgradeRecord, pull: PullSnapshot): boolean {
  if (record.state.status === "applied" && pull.deleteBranchOnMerge) return false;
  if (pull.otherOpenPullsOnHead.length === 0) return true;
  deps.log.info({ repository: record.repository, pullNumber: record.state.pullNumber, branch: record.state.branchName, openPulls: pull.otherOpenPullsOnHead }, "branch kept: other open pull requests use it");
  return false;
}

async function done(deps: PipelineDeps, p: Presentation, ids: Array<number | null>): Promise<void> {
  const owed = ids.filter((id): id is number => id !== null);
  await deps.store.effectsDone(owed);
  for (const id of owed) p.open.delete(id);
}

/**
 * Sets the `upgrade:<state>` label, given the labels a fresh read found on the PR. Another pass
 * (on another replica) may move the upgrade on while this one talks to GitHub, and its label
 * write may land before ours: so whoever finishes re-reads the state and, if it moved, shows the
 * newest one. As each write sets the PR's whole state-label set, the last write is the newest
 * state's. Returns the record it showed.
 */
/**
 * On a proposed upgrade, `upgrade:approved`/`upgrade:rejected` may be a person's decision whose
 * webhook has not arrived (or was lost): left for the label handler, never removed silently.
 */
function isPendingDecision(record: UpgradeRecord, label: string): boolean {
  return record.state.status === "proposed" && DECISION_LABELS.includes(label);
}

/** Whether `labels` lack the upgrade's `upgrade:<state>` label or hold another state label. */
function stateLabelWrong(record: UpgradeRecord, labels: readonly string[]): boolean {
  const wanted = `upgrade:${record.state.status}`;
  return !labels.includes(wanted) || labels.some((l) => STATE_LABELS.includes(l) && l !== wanted && !isPendingDecision(record, l));
}

export async function showStateLabel(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, record: UpgradeRecord, present: readonly string[]): Promise<UpgradeRecord> {
  let shown = record;
  let labels = [...present];
  for (let round = 0; round < 3; round++) {
    await port.setStateLabel(repo, record.state.pullNumber, shown.state.status, labels);
    const latest = await deps.store.byId(record.id);
    if (!latest || latest.state.status === shown.state.status) return shown;
    labels = [`upgrade:${shown.state.status}`, ...labels.filter((l) => l !== `upgrade:${shown.state.status}`)];
    shown = latest;
  }
  return shown;
}

export async function syncCheckRun(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, record: UpgradeRecord, config: RepoConfig): Promise<void> {
  const frozen = await deps.store.freezeOf(record.repository);
  await upsertCheckRunFor(deps, port, repo, record, (r) => checkRunView(r.state, config, frozen));
}

/**
 * Creates or updates the `Upgrade Queue` check run of the head. Its id is kept as `<id>@<sha>`
 * (a new head gets a new check run); creating one is claimed in the database first, and the
 * creator refreshes it if the upgrade changed meanwhile, so there is one per head.
 */
async function upsertCheckRunFor(
  deps: PipelineDeps,
  port: GitHubPort,
  repo: RepoRef,
  record: UpgradeRecord,
  viewOf: (r: UpgradeRecord) => CheckRunView,
  /**
   * The app's own check run already on the head (an invalid config reported on it before the
   * upgrade had one), taken over, not doubled: from the pass's read when it has one, else asked
   * of GitHub when a check run is about to be created.
   */
  adoptable?: () => Promise<string | null>,
): Promise<void> {
  const sha = record.state.headSha;
  const findAdoptable = adoptable ?? (async () => (await port.findCheckRun(repo, sha))?.id ?? null);
  const detailsUrl = `${deps.publicUrl}/self-modify/queue/${record.id}`;
  const existing = (r: UpgradeRecord) => (r.checkRunId?.endsWith(`@${sha}`) ? (r.checkRunId.slice(0, r.checkRunId.indexOf("@")) as string) : null);
  let current = existing(record);
  // A pending claim whose pass failed (GitHub down) lapses: the claim below takes it over then.
  if (current === null || current.startsWith("pending:")) {
    if (await deps.store.claimCheckRunCreation(record.id, sha, deps.now().getTime())) {
      // In turn with an invalid-config report on the head (invalid-config.ts), which may have
      // created the check run after the pass's read.
      const id = await creatingCheckRunOn(deps, record.repository, sha, async (reportedHere) => {
        const adopted = reportedHere ? ((await port.findCheckRun(repo, sha))?.id ?? null) : await findAdoptable();
        const created = await port.upsertCheckRun(repo, { id: adopted, headSha: sha, view: viewOf(record), detailsUrl });
        await deps.store.setCheckRunId(record.id, `${created}@${sha}`);
        return created;
      });
      const fresh = await deps.store.byId(record.id);
      if (fresh && fresh.version !== record.version && fresh.state.headSha === sha) {
        await port.upsertCheckRun(repo, { id, headSha: sha, view: viewOf(fresh), detailsUrl });
      }
      return;
    }
    const fresh = await deps.store.byId(record.id);
    current = fresh ? existing(fresh) : null;
    if (fresh) record = fresh;
  }
  // Another pass is creating it and will bring it up to date.
  if (current === null || current.startsWith("pending:")) return;
  await port.upsertCheckRun(repo, { id: current, headSha: sha, view: viewOf(record), detailsUrl });
}

export async function reportInvalidConfig(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, record: UpgradeRecord, error: string): Promise<void> {
  // The push before the upgrade existed may have reported the same problem on the head already
  // (reportInvalidConfigOnHead): that check run is taken over.
  await upsertCheckRunFor(deps, port, repo, record, () => invalidConfigView(error));
  // Say it on the PR once per distinct problem, not on every delivery.
  if (await deps.store.recordConfigProblem(record, error)) {
    await port.comment(repo, record.state.pullNumber, `${INVALID_CONFIG_COMMENT}\n\n${error}`);
  }
}
