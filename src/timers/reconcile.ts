/**
 * Reconciliation (CONTRACT §5): re-reads the open upgrade PRs, and those closed since the last
 * look, of every installation and corrects what missed webhooks left behind. What it finds is
 * recorded with `via: reconcile`.
 */
import type { RepoConfig } from "../config/repo-config.js";
import type { UpgradeInput } from "../domain/types.js";
import type { GitHubPort, PullFacts, PullSnapshot, RepoRef } from "../github/port.js";
import { splitRepository } from "../github/port.js";
import { applyFromGitHub, showStateLabel } from "../pipeline/apply-input.js";
import { DECISION_LABELS, type DecisionLabel, STATE_LABELS } from "../github/octokit-port.js";
import type { PipelineDeps } from "../pipeline/deps.js";
import { handleJob } from "../pipeline/handle-job.js";
import { fetchHeadFacts } from "../pipeline/head-facts.js";
import { queueInputs, syncHead } from "../pipeline/sync-head.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";

const LABEL_REPAIR_SETTLE_MS = 2 * 60_000;

export interface ReconcileResult {
  repositories: number;
  pulls: number;
}

export async function reconcile(deps: PipelineDeps, installationIds: readonly number[]): Promise<ReconcileResult> {
  const result: ReconcileResult = { repositories: 0, pulls: 0 };
  for (const installationId of installationIds) {
    try {
      const port = await deps.github(installationId);
      for (const repository of await port.listInstallationRepositories()) {
        try {
          result.pulls += await reconcileRepository(deps, port, installationId, repository);
          result.repositories++;
        } catch (error) {
          deps.log.warn({ err: error, repository: repository.fullName }, "reconciling a repository failed");
        }
      }
    } catch (error) {
      deps.log.warn({ err: error, installationId }, "reconciling an installation failed");
    }
  }
  return result;
}

async function reconcileRepository(
  deps: PipelineDeps,
  port: GitHubPort,
  installationId: number,
  repository: { fullName: string; private: boolean; defaultBranch: string },
): Promise<number> {
  const repo = splitRepository(repository.fullName);
  // Reconciliation repairs what lost webhooks left behind, a lost push of a config fix among
  // them: the config is read as it is now, not as the cache (up to 5 minutes old) remembers it.
  deps.configs.invalidate(repository.fullName);
  const configResult = await deps.configs.get(repository.fullName, port, repo);
  if (!configResult.ok) return 0;
  const config = configResult.config;
  const startedAt = deps.now();
  const since = await deps.store.lastReconciled(repository.fullName);
  const isUpgrade = (pull: PullFacts) => pull.headRef.startsWith(config.branchPrefix) && pull.headRepoFullName === repository.fullName;
  // Oldest first: upgrades it finds ready merge in proposal order, as after an unfreeze.
  const open = (await port.listPulls(repo, "open", null)).filter(isUpgrade).sort((a, b) => a.number - b.number);
  const closed = (await port.listPulls(repo, "closed", since)).filter(isUpgrade);
  let failed = false;
  for (const pull of [...open, ...closed]) {
    try {
      let outcome = await reconcilePull(deps, port, repo, config, installationId, repository, pull);
      // A lost decision label is decided in a pass of its own; the PR is looked at again at once
      // for another one beside it (a person's reject after a refused approval), not a period later.
      for (let looks = 1; outcome === "label decided" && looks <= DECISION_LABELS.length; looks++) {
        outcome = await reconcilePull(deps, port, repo, config, installationId, repository, pull);
      }
      if (outcome === "look again") failed = true;
    } catch (error) {
      failed = true;
      deps.log.warn({ err: error, repository: repository.fullName, pullNumber: pull.number }, "reconciling a pull request failed");
    }
  }
  // A closed PR is listed only while it changed since the last complete look: one whose
  // reconciliation failed, or could not be judged yet, must be listed again next time.
  if (!failed) await deps.store.markReconciled(repository.fullName, installationId, startedAt);
  return open.length + closed.length;
}

async function reconcilePull(
  deps: PipelineDeps,
  port: GitHubPort,
  repo: RepoRef,
  config: RepoConfig,
  installationId: number,
  repository: { fullName: string; private: boolean; defaultBranch: string },
  listed: PullFacts,
): Promise<"done" | "look again" | "label decided"> {
  const existing = await deps.store.byPull(repository.fullName, listed.number);
  if (!existing) {
    if (listed.state !== "open") return "done";
    const job = {
      kind: "pull" as const,
      action: "opened" as const,
      repository: repository.fullName,
      installationId,
      private: repository.private,
      defaultBranch: repository.defaultBranch,
      pull: listed,
      sender: { login: listed.author ?? "reconcile", isBot: false },
    };
    await handleJob(deps, job, null);
    return "done";
  }
  const { status } = existing.state;
  const terminal = status !== "proposed" && status !== "approved" && status !== "failed";
  // A settled upgrade's closed PR: only its state label may need putting right.
  if (listed.state === "closed" && (status === "applied" || status === "rolled_back" || (!listed.merged && terminal))) {
    return repairClosedLabel(deps, port, repo, existing, listed);
  }
  // The list is a snapshot taken before this loop got here (the app may have closed or merged
  // the PR since), and lacks who merged: the PR itself is read again, inside the pass, and decides.
  let seen: PullSnapshot | null = null;
  let statusRead: string | null = null;
  const before = existing.version;
  const fresh = await applyFromGitHub(
    deps,
    existing.id,
    {
      async build(pull, record) {
        seen = pull;
        const current = record.state.status;
        statusRead = current;
        const pending = current === "proposed" || current === "approved" || current === "failed";
        if (pull.merged) {
          if (current === "applied" || current === "rolled_back") return { inputs: [] };
          const previousSha = pull.mergeCommitSha ? await port.firstParent(repo, pull.mergeCommitSha) : null;
          return { inputs: [{ kind: "closed", merged: true, actor: pull.mergedBy ?? "reconcile", via: "reconcile", mergeCommitSha: pull.mergeCommitSha, previousSha }] };
        }
        if (pull.state === "closed") return { inputs: pending ? [{ kind: "closed", merged: false, actor: "reconcile", via: "reconcile" }] : [] };
        // Open while the app still owes its close (see handle-job.ts): not a reopen.
        const reopenedNow = (current === "rejected" || current === "expired") && !(await deps.store.owesClose(record.id));
        const reopened: UpgradeInput[] = reopenedNow ? [{ kind: "reopened", actor: "reconcile", via: "reconcile" }] : [];
        if (reopened.length === 0 && !pending) return { inputs: [] };
        // Created, but its proposal never recorded (the pass that created it found the config
        // invalid, or failed): recorded now, label and check run included.
        const proposing: UpgradeInput[] = [];
        if (!(await deps.store.hasProposal(record.id))) {
          const { facts } = await fetchHeadFacts(port, repo, pull, config, []);
          proposing.push({ kind: "proposed", via: "reconcile", actor: "reconcile", weakenedTests: facts.weakenedTests ?? [] });
        }
        const head = await syncHead(port, repo, config, record, pull, { actor: "reconcile", via: "reconcile", nonApprovers: [] });
        // An approved green upgrade that no pass is merging is merged now (the replica that
        // unfroze the repository died before getting to it, say); after the head's inputs, so a
        // moved head or a red gate is taken first.
        const resume: UpgradeInput[] = current === "approved" && record.state.mergeClaimSha === null ? [{ kind: "resume_apply", via: "reconcile" }] : [];
        return { inputs: [...proposing, ...reopened, ...head.inputs, ...queueInputs(record, pull, "reconcile"), ...resume], extraPatch: head.extraPatch };
      },
    },
    { deliveryId: null },
  );
  const pull = seen as PullSnapshot | null;
  // A transition in this pass set the state label from the same read (the read's labels are stale now).
  if (!fresh || !pull || pull.state !== "open" || fresh.state.status !== statusRead) return "done";
  const wanted = `upgrade:${fresh.state.status}`;
  // `upgrade:approved`/`upgrade:rejected` beside another state may be a person's decision whose
  // webhook was lost (or came while the config was invalid): GitHub's issue events say who added
  // it and when, and it is decided as its webhook would have been, in a pass of its own. The
  // app's own label (a write that failed to replace it) is repaired below.
  const unknown: string[] = [];
  const decisions = pull.labels.filter((l): l is DecisionLabel => DECISION_LABELS.includes(l) && l !== wanted);
  for (const [i, label] of decisions.entries()) {
    const by = await port.lastLabeled(repo, pull.number, label);
    if (by === null) unknown.push(label); // GitHub names no one: never removed silently
    else if (!addedByTheApp(deps, by)) {
      // Another bot's too: its webhook would have refused it (bots never decide) and taken it off.
      // One added in the last two minutes is left to its webhook (open PRs are looked at every time).
      if (deps.now().getTime() - Date.parse(by.at) <= LABEL_REPAIR_SETTLE_MS) return "done";
      await handleJob(deps, labelJob(installationId, repository, pull, label, by), null);
      // Another one beside it is decided in a look of its own, at once (reconcileRepository).
      return i < decisions.length - 1 ? "label decided" : "done";
    }
  }
  // A transition whose label change failed (GitHub down) is put right here. When this pass
  // changed the upgrade itself, its transition already set the label from the same read.
  // A change made in the last two minutes (`deps.now()`: the wall clock in production, as `updatedAt` is) may still be on its
  // way to GitHub, its pass (maybe on another replica) setting the label now: repairing it
  // would race that pass.
  if (fresh.version !== before) return "done";
  const settled = deps.now().getTime() - fresh.updatedAt.getTime() > LABEL_REPAIR_SETTLE_MS && fresh.state.mergeClaimSha === null;
  if (!settled) return "done";
  const stale = pull.labels.filter((l) => STATE_LABELS.includes(l) && l !== wanted && !unknown.includes(l));
  if (!pull.labels.includes(wanted) || stale.length > 0) await showStateLabel(deps, port, repo, fresh, pull.labels.filter((l) => !unknown.includes(l)));
  return "done";
}


/** The app's own label (its write that replaced it failed); any bot's when the app's login is unknown. */
function addedByTheApp(deps: PipelineDeps, by: { login: string; isBot: boolean }): boolean {
  return deps.botLogin ? by.login.toLowerCase() === deps.botLogin.toLowerCase() : by.isBot;
}

/** The job a label's webhook would have made, from GitHub's record of it (CONTRACT §2: webhooks are triggers). */
function labelJob(
  installationId: number,
  repository: { fullName: string; private: boolean; defaultBranch: string },
  pull: PullSnapshot,
  label: DecisionLabel,
  by: { login: string; isBot: boolean; at: string },
) {
  return {
    kind: "label" as const,
    repository: repository.fullName,
    installationId,
    private: repository.private,
    defaultBranch: repository.defaultBranch,
    pullNumber: pull.number,
    headRef: pull.headRef,
    headSha: pull.headSha,
    labels: pull.labels,
    label,
    sender: { login: by.login, isBot: by.isBot },
    madeAt: by.at,
  };
}

/**
 * A closed upgrade keeps exactly one state label (CONTRACT §3) even when the write that set it
 * failed or a person removed it: put back from the PR as it is now. A change of the last two
 * minutes may still be on its way to GitHub (see above), so that PR is looked at again next time.
 */
async function repairClosedLabel(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, record: UpgradeRecord, listed: PullFacts): Promise<"done" | "look again"> {
  const wanted = `upgrade:${record.state.status}`;
  const shown = (labels: readonly string[]) => labels.includes(wanted) && labels.filter((l) => STATE_LABELS.includes(l)).length === 1;
  if (shown(listed.labels)) return "done";
  if (deps.now().getTime() - record.updatedAt.getTime() <= LABEL_REPAIR_SETTLE_MS) return "look again";
  const pull = await port.readPull(repo, listed.number);
  const latest = await deps.store.byId(record.id);
  // Reopened, or the upgrade moved on since the list was read: the next look decides.
  if (pull.state !== "closed" || !latest || latest.version !== record.version) return "look again";
  if (!shown(pull.labels)) await showStateLabel(deps, port, repo, latest, pull.labels);
  return "done";
}
