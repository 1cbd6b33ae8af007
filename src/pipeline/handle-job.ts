/**
 * Runs one routed job: finds the upgrade it concerns, turns it into a domain input (reading
 * from GitHub only what that input needs), and hands it to applyInput(). `isRelevant` answers,
 * without writing anything, whether a job concerns an upgrade at all.
 */
import { CONFIG_PATH, type RepoConfig } from "../config/repo-config.js";
import { splitCommitMessage } from "../domain/head-facts.js";
import { howToApprove } from "../domain/messages.js";
import type { Actor, UpgradeInput } from "../domain/types.js";
import type { GitHubPort, PullSnapshot, RepoRef } from "../github/port.js";
import { splitRepository } from "../github/port.js";
import type { Job, Sender } from "../adapter/route-delivery.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";
import { applyFromGitHub, applyInput, reportInvalidConfig } from "./apply-input.js";
import type { PipelineDeps } from "./deps.js";
import { type FetchedHead, fetchHeadFacts, headFactsFrom, headSinceOf } from "./head-facts.js";
import { reportInvalidConfigOnHead } from "./invalid-config.js";
import { type HeadSync, type SyncCause, closedInputs, queueInputs, stripHowTo, syncHead } from "./sync-head.js";

const DEFAULT_PREFIX = "self-modify/";

async function configFor(deps: PipelineDeps, job: Job): Promise<{ port: GitHubPort; repo: RepoRef; config: RepoConfig | null; error: string | null }> {
  const { repo, config, error } = await cachedConfigFor(deps, job);
  return { port: await deps.github(job.installationId), repo, config, error };
}

/** The config alone: on a cache hit no installation client is built (irrelevant deliveries stay cheap). */
async function cachedConfigFor(deps: PipelineDeps, job: Job): Promise<{ repo: RepoRef; config: RepoConfig | null; error: string | null }> {
  const repo = splitRepository(job.repository);
  const result = await deps.configs.get(job.repository, () => deps.github(job.installationId), repo);
  return result.ok ? { repo, config: result.config, error: null } : { repo, config: null, error: result.error };
}

function prefixOf(config: RepoConfig | null): string {
  return config?.branchPrefix ?? DEFAULT_PREFIX;
}

/** Does this job concern an upgrade? Reads config (cached) and the database; writes nothing. */
export async function isRelevant(deps: PipelineDeps, job: Job): Promise<boolean> {
  switch (job.kind) {
    case "push": {
      if (job.branch === job.defaultBranch) {
        if (job.touchedFiles.includes(CONFIG_PATH)) deps.configs.invalidate(job.repository);
        return false;
      }
      const { config } = await cachedConfigFor(deps, job);
      return job.branch.startsWith(prefixOf(config));
    }
    case "pull": {
      if (job.action === "closed" && job.pull.merged && (await deps.store.byRevertPull(job.repository, job.pull.number))) return true;
      if (job.pull.headRepoFullName !== job.repository) return false;
      const { config } = await cachedConfigFor(deps, job);
      return job.pull.headRef.startsWith(prefixOf(config));
    }
    case "review":
    case "label": {
      // An upgrade's PR always comes from a prefixed branch: most reviews and labels (those on
      // other PRs) are told apart without a database read.
      const { config } = await cachedConfigFor(deps, job);
      if (!job.headRef.startsWith(prefixOf(config))) return false;
      return deps.store.hasPull(job.repository, job.pullNumber);
    }
    case "comment":
      return deps.store.hasPull(job.repository, job.pullNumber);
    case "checks":
      return (await deps.store.idsByHeadSha(job.repository, job.sha)).length > 0;
  }
}

export async function handleJob(deps: PipelineDeps, job: Job, deliveryId: string | null): Promise<void> {
  switch (job.kind) {
    case "push":
      return handlePush(deps, job, deliveryId);
    case "pull":
      return handlePull(deps, job, deliveryId);
    case "review":
      return handleReview(deps, job, deliveryId);
    case "comment":
      return handleComment(deps, job, deliveryId);
    case "label":
      return handleLabel(deps, job, deliveryId);
    case "checks":
      return handleChecks(deps, job, deliveryId);
  }
}

type JobOf<K extends Job["kind"]> = Extract<Job, { kind: K }>;

async function handlePush(deps: PipelineDeps, job: JobOf<"push">, deliveryId: string | null): Promise<void> {
  const { port, repo, config, error } = await configFor(deps, job);
  if (!job.branch.startsWith(prefixOf(config))) return;
  const existing = await deps.store.openByBranch(job.repository, job.branch);
  if (!config) {
    // An upgrade's own report goes through its check-run claim, so a pass of that upgrade
    // running meanwhile (the config fixed since) cannot make a second check run on the head.
    const report = (record: UpgradeRecord) => reportInvalidConfig(deps, port, repo, record, error ?? "invalid configuration");
    if (existing) return report(existing);
    return reportInvalidConfigOnHead(deps, port, repo, { sha: job.headSha, pull: null }, error ?? "invalid configuration", () => deps.store.openByBranch(job.repository, job.branch), report);
  }
  const pushers = [job.pusher, ...job.commitLogins];
  if (existing) {
    // The push is a reason to look: the head and its checks are read from the PR as it is now
    // (a later push may have superseded this one; CI may have finished already).
    await sync(deps, port, existing.id, config, { actor: job.pusher, via: "push", nonApprovers: pushers }, { deliveryId }, { kind: "proposed", via: "push", actor: job.pusher ?? "push" });
    return;
  }
  const base = config.baseBranch ?? job.defaultBranch;
  const compared = await port.compare(repo, base, job.headSha);
  if (compared.files.length === 0 && compared.commits.length === 0) return; // nothing to propose
  const head = headFactsFrom(compared.files, compared.commits, { headSha: job.headSha, author: null }, config, pushers);
  const message = job.headMessage || head.headMessage;
  const { subject, body } = splitCommitMessage(message);
  const title = subject || job.branch;
  const created = await port.createPull(repo, { head: job.branch, base, title, body: pullBody(body, head) });
  const pull = created === "exists" ? await port.findOpenPullByHead(repo, job.branch) : created;
  if (!pull) return;
  // The branch may have moved on since this push (or the PR existed already): the upgrade's
  // facts (guarded, size, urgency, who may not approve) are the PR head's, not this push's.
  const facts = pull.headSha === job.headSha ? head : await fetchHeadFacts(port, repo, pull, config, pushers);
  await adopt(deps, { port, repo, config }, job, pull, facts, body, job.pusher ?? "push", "push", deliveryId);
}

function pullBody(description: string, head: FetchedHead): string {
  const { files, additions, deletions } = head.facts;
  const stats = `**${files.length} file${files.length === 1 ? "" : "s"} changed**, +${additions} −${deletions}`;
  return [description, stats, howToApprove()].filter((part) => part !== "").join("\n\n");
}

/**
 * Records a new upgrade for `pull` and proposes it, in one pass with the checks that already
 * completed on its head (read from GitHub now, CONTRACT §2).
 */
async function adopt(
  deps: PipelineDeps,
  { port, repo, config }: { port: GitHubPort; repo: RepoRef; config: RepoConfig },
  job: Job,
  pull: { number: number; headRef: string; baseRef: string; headSha: string; title: string; author: string | null; createdAt: string | null; updatedAt: string },
  head: FetchedHead,
  description: string,
  actor: string,
  via: "push" | "pull_request",
  deliveryId: string | null,
  snapshot: PullSnapshot | null = null,
): Promise<void> {
  const { record, created } = await deps.store.create(
    {
      installationId: job.installationId,
      repository: job.repository,
      repositoryPrivate: job.private,
      pullNumber: pull.number,
      title: pull.title,
      description,
      branchName: pull.headRef,
      baseBranch: pull.baseRef,
      author: pull.author,
      headSha: pull.headSha,
      headSince: headSinceOf(pull),
      additions: head.facts.additions,
      deletions: head.facts.deletions,
      files: head.facts.files,
      diffPreview: head.diffPreview,
      guarded: head.facts.guarded,
      urgent: head.facts.urgent,
      nonApprovers: head.facts.nonApprovers,
      proposedAt: deps.now(),
      // Budgets count per proposing account: who pushed the branch, or who opened the PR by
      // hand (the app's own PRs belong to whoever pushed, the first commit's author when unknown).
      proposedBy: via === "push" ? ((job.kind === "push" ? job.pusher : null) ?? head.firstAuthor) : pull.author && pull.author !== deps.botLogin ? pull.author : head.firstAuthor,
    },
    [],
    deliveryId,
  );
  // The caller's read is of a PR no pass has touched yet only when this call created the upgrade.
  await sync(deps, port, record.id, config, { actor, via, nonApprovers: [] }, { deliveryId, snapshot: created ? snapshot : null }, { kind: "proposed", via, actor, weakenedTests: head.facts.weakenedTests ?? [] });
}

/**
 * One pass from the PR as GitHub has it now: the proposal when it is not recorded yet (a crash
 * or a failed attempt between creating the upgrade and recording its proposal leaves one
 * without `upgrade.proposed`; decide() records it once however many try), then the head and
 * its test gate.
 */
async function sync(
  deps: PipelineDeps,
  port: GitHubPort,
  upgradeId: number,
  config: RepoConfig,
  cause: SyncCause,
  options: { deliveryId: string | null; snapshot?: PullSnapshot | null },
  proposal: Extract<UpgradeInput, { kind: "proposed" }> | null,
): Promise<void> {
  await applyFromGitHub(
    deps,
    upgradeId,
    {
      async build(pull, record) {
        const repo = splitRepository(record.repository);
        const head = await syncHead(port, repo, config, record, pull, cause);
        const proposing = proposal && !(await deps.store.hasProposal(record.id)) ? [proposal] : [];
        // Closed or merged already (its webhook late or lost, or before it was adopted): so be it.
        const closed = await closedInputs(port, repo, record, pull);
        // Taken into or out of GitHub's merge queue (a lost `dequeued` delivery, say).
        const queued = queueInputs(record, pull, cause.via);
        return { inputs: [...proposing, ...head.inputs, ...closed, ...queued], extraPatch: head.extraPatch };
      },
    },
    options,
  );
}

async function handlePull(deps: PipelineDeps, job: JobOf<"pull">, deliveryId: string | null): Promise<void> {
  const { pull: payload, sender } = job;
  if (job.action === "closed" && payload.merged) {
    const reverted = await deps.store.byRevertPull(job.repository, payload.number);
    if (reverted) {
      await applyInput(deps, reverted.id, { kind: "revert_merged", actor: payload.mergedBy ?? sender.login, via: "close" }, { deliveryId });
      return;
    }
  }
  const { port, repo, config, error } = await configFor(deps, job);
  if (!payload.headRef.startsWith(prefixOf(config))) return;
  const existing = await deps.store.byPull(job.repository, payload.number);
  if (!existing && job.action === "closed") return;
  if (!config) {
    const report = (record: UpgradeRecord) => reportInvalidConfig(deps, port, repo, record, error ?? "invalid configuration");
    if (existing) return report(existing);
    return reportInvalidConfigOnHead(deps, port, repo, { sha: payload.headSha, pull: payload.number }, error ?? "invalid configuration", () => deps.store.byPull(job.repository, payload.number), report);
  }
  if (!existing) {
    const pull = await port.readPull(repo, payload.number);
    if (pull.state !== "open") return;
    const head = await fetchHeadFacts(port, repo, pull, config, []);
    await adopt(deps, { port, repo, config }, job, pull, head, stripHowTo(pull.body), sender.login, "pull_request", deliveryId, pull);
    return;
  }
  // The delivery says something happened to the PR; what it is now decides (a close may have
  // been undone by a reopen since, a reopen by a close).
  await applyFromGitHub(deps, existing.id, { build: (pull, record) => pullInputs(deps, port, config, job, pull, record) }, { deliveryId });
}

async function pullInputs(deps: PipelineDeps, port: GitHubPort, config: RepoConfig, job: JobOf<"pull">, pull: PullSnapshot, record: UpgradeRecord): Promise<HeadSync> {
  const { sender } = job;
  const repo = splitRepository(record.repository);
  const proposing: UpgradeInput[] = (await deps.store.hasProposal(record.id)) ? [] : [{ kind: "proposed", via: "pull_request", actor: sender.login }];
  const { status } = record.state;
  const byThisDelivery = (action: JobOf<"pull">["action"]) => job.action === action;
  if (pull.merged) {
    if (status === "applied" || status === "rolled_back") return { inputs: [] };
    const previousSha = pull.mergeCommitSha ? await port.firstParent(repo, pull.mergeCommitSha) : null;
    const actor = pull.mergedBy ?? (byThisDelivery("closed") ? sender.login : null);
    return { inputs: [...proposing, { kind: "closed", merged: true, actor, via: byThisDelivery("closed") ? "close" : "reconcile", mergeCommitSha: pull.mergeCommitSha, previousSha }] };
  }
  if (pull.state === "closed") {
    return { inputs: [...proposing, { kind: "closed", merged: false, actor: byThisDelivery("closed") ? sender.login : null, via: byThisDelivery("closed") ? "close" : "reconcile" }] };
  }
  // Open now: a reopened upgrade is proposed again, then its head and checks are taken as they
  // are. Not while the app still owes the close it decided (its pass failed before closing):
  // the PR is open because of that, not reopened, and the sweep closes it.
  const reopened: UpgradeInput[] =
    (status === "rejected" || status === "expired") && !(await deps.store.owesClose(record.id))
      ? [{ kind: "reopened", actor: byThisDelivery("reopened") ? sender.login : "reconcile", via: byThisDelivery("reopened") ? "pull_request" : "reconcile" }]
      : [];
  const pushed = job.action === "synchronize" || job.action === "opened" || job.action === "ready_for_review";
  const cause: SyncCause = { actor: sender.login, via: pushed ? "push" : "pull_request", nonApprovers: pushed ? [sender.login] : [] };
  const head = await syncHead(port, repo, config, record, pull, cause);
  const edited = job.action === "edited" ? { title: pull.title, description: stripHowTo(pull.body) } : {};
  // A `dequeued` delivery is a reason to look: the read says whether, and why, it left the queue.
  const queued = queueInputs(record, pull, byThisDelivery("dequeued") ? "pull_request" : cause.via);
  return { inputs: [...proposing, ...reopened, ...head.inputs, ...queued], extraPatch: { ...(head.extraPatch ?? {}), ...edited } };
}

/** The actor with their repository permission, looked up only when it can matter. */
async function actorFor(port: GitHubPort, repo: RepoRef, sender: Sender, record: UpgradeRecord): Promise<Actor> {
  const excluded = sender.isBot || record.state.nonApprovers.some((l) => l.toLowerCase() === sender.login.toLowerCase());
  return { login: sender.login, isBot: sender.isBot, permission: excluded ? null : await port.getPermission(repo, sender.login) };
}

/**
 * The upgrade a review, comment or label is about, with a valid config; an invalid config is
 * reported instead (before anything is looked up for the actor) and nothing else happens.
 */
async function upgradeWithConfig(deps: PipelineDeps, job: Job & { pullNumber: number }) {
  const record = await deps.store.byPull(job.repository, job.pullNumber);
  if (!record) return null;
  const { port, repo, config, error } = await configFor(deps, job);
  if (!config) {
    await reportInvalidConfig(deps, port, repo, record, error ?? "invalid configuration");
    return null;
  }
  return { record, port, repo, config };
}

async function handleReview(deps: PipelineDeps, job: JobOf<"review">, deliveryId: string | null): Promise<void> {
  const found = await upgradeWithConfig(deps, job);
  if (!found) return;
  const { record, port, repo, config } = found;
  // The PR now, with its reviews: the pass decides (and merges, when this approval completes
  // the gate) from this one read.
  await applyFromGitHub(
    deps,
    record.id,
    {
      reviews: true,
      async build(pull, current) {
        const review = job.reviewId === null ? undefined : pull.reviews?.find((r) => r.id === job.reviewId);
        if (review?.state === "DISMISSED") return { inputs: [] }; // dismissed before the app looked: it never counted
        const actor = await reviewer(port, repo, job.sender, current, config, review?.authorCanPush === true);
        const input: UpgradeInput = job.state === "approved" ? { kind: "approve", actor, sha: review?.commitSha ?? job.sha, via: "review" } : { kind: "changes_requested", actor, via: "review" };
        const head = await syncHead(port, repo, config, current, pull, { actor: null, via: "review", nonApprovers: [] });
        return { inputs: [...head.inputs, ...queueInputs(current, pull, "review"), input], extraPatch: head.extraPatch };
      },
    },
    { deliveryId },
  );
}

/**
 * A reviewer's permission. GitHub's read of the review says whether its author can push (write
 * or more), which is all an unguarded upgrade needs; a guarded one needs to know maintain or
 * admin, and a refusal names the exact permission, so those ask the permission API.
 */
async function reviewer(port: GitHubPort, repo: RepoRef, sender: Sender, record: UpgradeRecord, config: RepoConfig, canPush: boolean): Promise<Actor> {
  const excluded = sender.isBot || record.state.nonApprovers.some((l) => l.toLowerCase() === sender.login.toLowerCase());
  if (excluded) return { login: sender.login, isBot: sender.isBot, permission: null };
  if (canPush && !record.state.guarded && !config.approvers.some((l) => l.toLowerCase() === sender.login.toLowerCase())) {
    return { login: sender.login, isBot: sender.isBot, permission: "write" };
  }
  return actorFor(port, repo, sender, record);
}

async function handleComment(deps: PipelineDeps, job: JobOf<"comment">, deliveryId: string | null): Promise<void> {
  const found = await upgradeWithConfig(deps, job);
  if (!found) return;
  const { port, repo } = found;
  let actor: Actor | null = null;
  for (const { command, argument } of job.commands) {
    const record = await deps.store.byPull(job.repository, job.pullNumber);
    if (!record) return;
    if (command !== "help" && command !== "status") actor ??= await actorFor(port, repo, job.sender, record);
    const who: Actor = actor ?? { login: job.sender.login, isBot: job.sender.isBot, permission: null };
    const input: UpgradeInput =
      command === "approve"
        ? { kind: "approve", actor: who, sha: record.state.headSha, via: "comment", ...(job.createdAt ? { madeAt: job.createdAt } : {}) }
        : command === "reject"
          ? { kind: "reject", actor: who, reason: argument, via: "comment" }
          : { kind: "command", command, actor: who, via: "comment", argument };
    await applyInput(deps, record.id, input, { deliveryId });
  }
}

async function handleLabel(deps: PipelineDeps, job: JobOf<"label">, deliveryId: string | null): Promise<void> {
  const found = await upgradeWithConfig(deps, job);
  if (!found) return;
  const { record, port, repo } = found;
  const actor = await actorFor(port, repo, job.sender, record);
  const input: UpgradeInput =
    job.label === "upgrade:approved" ? { kind: "approve", actor, sha: job.headSha, via: "label", ...(job.madeAt ? { madeAt: job.madeAt } : {}) } : { kind: "reject", actor, reason: null, via: "label" };
  await applyInput(deps, record.id, input, { deliveryId });
}

/**
 * A check run, suite or status on an upgrade's head: the gate is read from GitHub (all checks
 * of the PR's head as it is now; one payload tells nothing of the others). A check on a SHA
 * that is no upgrade's head is dropped: when that SHA becomes a head, its checks are read then.
 */
async function handleChecks(deps: PipelineDeps, job: JobOf<"checks">, deliveryId: string | null): Promise<void> {
  const ids = await deps.store.idsByHeadSha(job.repository, job.sha);
  if (ids.length === 0) return;
  const { port, repo, config } = await configFor(deps, job);
  if (!config) return;
  for (const id of ids) {
    const record = await deps.store.byId(id);
    if (!record || !PENDING_OR_FAILED.includes(record.state.status)) continue;
    await sync(deps, port, id, config, { actor: null, via: "check", nonApprovers: [] }, { deliveryId }, null);
  }
}

const PENDING_OR_FAILED: readonly string[] = ["proposed", "approved", "failed"];
