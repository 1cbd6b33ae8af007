/**
 * Reconciliation (CONTRACT §5): re-reads the open upgrade PRs, and those closed since the last
 * look, of every installation and corrects what missed webhooks left behind. What it finds is
 * recorded with `via: reconcile`.
 */
import type { RepoConfig } from "../config/repo-config.js";
import type { UpgradeStatus } from "../domain/types.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";
import { evaluateTestGate } from "../domain/test-gate.js";
import type { GitHubPort, PullFacts, RepoRef } from "../github/port.js";
import { splitRepository } from "../github/port.js";
import { applyInput, showStateLabel, syncCheckRun } from "../pipeline/apply-input.js";
import { STATE_LABELS } from "../github/octokit-port.js";
import type { PipelineDeps } from "../pipeline/deps.js";
import { handleJob } from "../pipeline/handle-job.js";
import { fetchHeadFacts } from "../pipeline/head-facts.js";

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
  const configResult = await deps.configs.get(repository.fullName, port, repo);
  if (!configResult.ok) return 0;
  const config = configResult.config;
  const startedAt = deps.now();
  const since = await deps.store.lastReconciled(repository.fullName);
  const isUpgrade = (pull: PullFacts) => pull.headRef.startsWith(config.branchPrefix) && pull.headRepoFullName === repository.fullName;
  const open = (await port.listPulls(repo, "open", null)).filter(isUpgrade);
  const closed = (await port.listPulls(repo, "closed", since)).filter(isUpgrade);
  let failed = false;
  for (const pull of [...open, ...closed]) {
    try {
      await reconcilePull(deps, port, repo, config, installationId, repository, pull);
    } catch (error) {
      failed = true;
      deps.log.warn({ err: error, repository: repository.fullName, pullNumber: pull.number }, "reconciling a pull request failed");
    }
  }
  // A closed PR is listed only while it changed since the last complete look: one whose
  // reconciliation failed must be listed again next time.
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
  pull: PullFacts,
): Promise<void> {
  const existing = await deps.store.byPull(repository.fullName, pull.number);
  const options = { deliveryId: null, labels: pull.labels };
  if (!existing) {
    if (pull.state !== "open") return;
    const job = {
      kind: "pull" as const,
      action: "opened" as const,
      repository: repository.fullName,
      installationId,
      private: repository.private,
      defaultBranch: repository.defaultBranch,
      pull,
      sender: { login: pull.author ?? "reconcile", isBot: false },
    };
    await handleJob(deps, job, null);
    return;
  }
  const { status } = existing.state;
  if (pull.state === "closed") {
    if (pull.merged && status !== "applied" && status !== "rolled_back") {
      // The pull request list does not say who merged (no `merged_by`): the single PR does.
      const mergedBy = pull.mergedBy ?? (await port.getPull(repo, pull.number)).mergedBy;
      const previousSha = pull.mergeCommitSha ? await port.firstParent(repo, pull.mergeCommitSha) : null;
      await applyInput(deps, existing.id, { kind: "closed", merged: true, actor: mergedBy ?? "reconcile", via: "reconcile", mergeCommitSha: pull.mergeCommitSha, previousSha }, options);
    } else if (!pull.merged && (status === "proposed" || status === "approved" || status === "failed")) {
      await applyInput(deps, existing.id, { kind: "closed", merged: false, actor: "reconcile", via: "reconcile" }, options);
    } else {
      // Already recorded: its label may still be wrong (the transition's label write failed).
      await repairStateLabel(deps, port, repo, await deps.store.byId(existing.id), status, pull);
    }
    return;
  }
  if (status === "rejected" || status === "expired") {
    // The list is a snapshot: the app may have closed this PR (expiry, rejection) since it was
    // taken. Only a PR that is open now was reopened.
    const now = await port.getPull(repo, pull.number);
    if (now.state !== "open") return;
    await applyInput(deps, existing.id, { kind: "reopened", actor: "reconcile", via: "reconcile" }, options);
  }
  if (pull.headSha !== existing.state.headSha) {
    const head = await fetchHeadFacts(port, repo, pull, config, []);
    await applyInput(deps, existing.id, { kind: "head_updated", facts: head.facts, actor: "reconcile", via: "reconcile" }, { ...options, extraPatch: { diffPreview: head.diffPreview } });
  }
  const fresh = await deps.store.byId(existing.id);
  await repairStateLabel(deps, port, repo, fresh, status, pull);
  // A check run whose creation failed (its pass claimed it, then GitHub answered 5xx) is created
  // here once the claim has lapsed: a retried delivery about the same head presents nothing.
  if (fresh && pull.state === "open" && (fresh.checkRunId === null || fresh.checkRunId.startsWith("pending:") || !fresh.checkRunId.endsWith(`@${fresh.state.headSha}`))) {
    await syncCheckRun(deps, port, repo, fresh, config);
  }
  if (fresh && (fresh.state.status === "proposed" || fresh.state.status === "approved")) {
    const results = evaluateTestGate(fresh.state.headSha, await port.listChecks(repo, fresh.state.headSha), config.requiredChecks);
    await applyInput(deps, fresh.id, { kind: "tests", results, via: "reconcile" }, options);
  }
}

/**
 * A transition whose label change failed (GitHub down) is put right here. When this pass
 * changed the state itself (`status` is what it started from), its transition already set the
 * label (from the same listed labels): doing it again here would repeat those requests.
 * A change made in the last two minutes (`deps.now()`, the wall clock in production, as
 * `updatedAt` is) may still be on its way to GitHub, its pass (maybe on another replica)
 * setting the label now: repairing it would race that pass.
 */
async function repairStateLabel(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, fresh: UpgradeRecord | null, status: UpgradeStatus, pull: PullFacts): Promise<void> {
  const settled = fresh !== null && deps.now().getTime() - fresh.updatedAt.getTime() > LABEL_REPAIR_SETTLE_MS && fresh.state.mergeClaimSha === null;
  if (!fresh || !settled || fresh.state.status !== status) return;
  const wanted = `upgrade:${fresh.state.status}`;
  // On a proposed upgrade, `upgrade:approved`/`upgrade:rejected` may be a person's decision
  // whose webhook was missed: left for the label handler, never removed silently here.
  const decisionLabel = (l: string) => fresh.state.status === "proposed" && (l === "upgrade:approved" || l === "upgrade:rejected");
  const stale = pull.labels.filter((l) => STATE_LABELS.includes(l) && l !== wanted && !decisionLabel(l));
  if (!pull.labels.includes(wanted) || stale.length > 0) await showStateLabel(deps, port, repo, fresh, pull.labels.filter((l) => !decisionLabel(l)));
}
