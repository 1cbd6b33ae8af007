/**
 * Runs one routed job: finds the upgrade it concerns, turns it into a domain input (reading
 * from GitHub only what that input needs), and hands it to applyInput(). `isRelevant` answers,
 * without writing anything, whether a job concerns an upgrade at all.
 */
import { CONFIG_PATH, type RepoConfig } from "../config/repo-config.js";
import { splitCommitMessage } from "../domain/head-facts.js";
import { howToApprove } from "../domain/messages.js";
import { type ObservedCheck, evaluateTestGate } from "../domain/test-gate.js";
import type { Actor, TestResults, UpgradeInput } from "../domain/types.js";
import { missingCheckNames } from "../domain/weakened-tests.js";
import type { GitHubPort, RepoRef } from "../github/port.js";
import { splitRepository } from "../github/port.js";
import type { Job, Sender } from "../adapter/route-delivery.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";
import { applyInput, reportInvalidConfig } from "./apply-input.js";
import type { PipelineDeps } from "./deps.js";
import { type FetchedHead, fetchHeadFacts, headFactsFrom } from "./head-facts.js";
import { reportInvalidConfigOnSha } from "./invalid-config.js";

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
  if (!config) return reportInvalidConfigOnSha(deps, port, repo, job.headSha, error ?? "invalid configuration");
  const pushers = [job.pusher, ...job.commitLogins];
  const existing = await deps.store.openByBranch(job.repository, job.branch);
  if (existing) {
    await finishProposal(deps, existing, job.pusher ?? "push", "push", deliveryId);
    if (existing.state.headSha === job.headSha) {
      // Same head (the synchronize event came first): only remember who pushed.
      const facts = factsOfRecord(existing, pushers);
      await applyInput(deps, existing.id, { kind: "head_updated", facts, actor: job.pusher, via: "push" }, { deliveryId });
      return;
    }
    const pull = await port.getPull(repo, existing.state.pullNumber);
    if (pull.headSha !== job.headSha) return; // a later push superseded this one; its own delivery follows
    const head = await fetchHeadFacts(port, repo, { number: pull.number, headSha: pull.headSha, author: pull.author }, config, pushers);
    await applyHeadUpdate(deps, existing, head, job.pusher, "push", deliveryId, pull.title, pull.body);
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
  await adopt(deps, job, pull, head, body, job.pusher ?? "push", "push", deliveryId, job.pusher ?? head.firstAuthor);
}

function pullBody(description: string, head: FetchedHead): string {
  const { files, additions, deletions } = head.facts;
  const stats = `**${files.length} file${files.length === 1 ? "" : "s"} changed**, +${additions} −${deletions}`;
  return [description, stats, howToApprove()].filter((part) => part !== "").join("\n\n");
}

async function adopt(
  deps: PipelineDeps,
  job: Job,
  pull: { number: number; headRef: string; baseRef: string; headSha: string; title: string; author: string | null; labels: string[] },
  head: FetchedHead,
  description: string,
  actor: string,
  via: "push" | "pull_request",
  deliveryId: string | null,
  proposedBy: string | null,
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
      additions: head.facts.additions,
      deletions: head.facts.deletions,
      files: head.facts.files,
      diffPreview: head.diffPreview,
      guarded: head.facts.guarded,
      urgent: head.facts.urgent,
      nonApprovers: head.facts.nonApprovers,
      proposedAt: deps.now(),
      proposedBy,
    },
    [],
    deliveryId,
  );
  if (created) await applyInput(deps, record.id, { kind: "proposed", via, actor, weakenedTests: head.facts.weakenedTests ?? [] }, { deliveryId, labels: pull.labels });
  else await finishProposal(deps, record, actor, via, deliveryId, pull.labels);
}

/**
 * A crash or a failed attempt between creating the upgrade and recording its proposal leaves an
 * upgrade without `upgrade.proposed` (no label, no check run): the retry, or any later delivery
 * about it, finishes the proposal. decide() records it once however many try at once.
 */
async function finishProposal(
  deps: PipelineDeps,
  record: UpgradeRecord,
  actor: string,
  via: "push" | "pull_request",
  deliveryId: string | null,
  labels: readonly string[] | null = null,
): Promise<void> {
  if (await deps.store.hasProposal(record.id)) return;
  await applyInput(deps, record.id, { kind: "proposed", via, actor }, { deliveryId, labels });
}

function factsOfRecord(record: UpgradeRecord, extraNonApprovers: readonly (string | null)[]) {
  const s = record.state;
  return {
    headSha: s.headSha,
    additions: s.additions,
    deletions: s.deletions,
    files: [],
    guarded: s.guarded,
    urgent: s.urgent,
    nonApprovers: extraNonApprovers.filter((l): l is string => typeof l === "string"),
  };
}

async function applyHeadUpdate(
  deps: PipelineDeps,
  record: UpgradeRecord,
  head: FetchedHead,
  actor: string | null,
  via: "push" | "pull_request" | "reconcile",
  deliveryId: string | null,
  title: string,
  description: string,
): Promise<void> {
  await applyInput(deps, record.id, { kind: "head_updated", facts: head.facts, actor, via }, {
    deliveryId,
    extraPatch: { diffPreview: head.diffPreview, title, description: stripHowTo(description) },
  });
}

/** The PR body the app wrote ends with the how-to; the description is what comes before it. */
function stripHowTo(body: string): string {
  const marker = body.indexOf("\n---\nThis is a self-modification");
  return (marker === -1 ? body : body.slice(0, marker)).trim();
}

async function handlePull(deps: PipelineDeps, job: JobOf<"pull">, deliveryId: string | null): Promise<void> {
  const { pull, sender } = job;
  if (job.action === "closed" && pull.merged) {
    const reverted = await deps.store.byRevertPull(job.repository, pull.number);
    if (reverted) {
      await applyInput(deps, reverted.id, { kind: "revert_merged", actor: pull.mergedBy ?? sender.login, via: "close" }, { deliveryId });
      return;
    }
  }
  const { port, repo, config, error } = await configFor(deps, job);
  if (!pull.headRef.startsWith(prefixOf(config))) return;
  const existing = await deps.store.byPull(job.repository, pull.number);
  if (!existing) {
    if (job.action === "closed") return;
    if (!config) return reportInvalidConfigOnSha(deps, port, repo, pull.headSha, error ?? "invalid configuration");
    const head = await fetchHeadFacts(port, repo, pull, config, []);
    // The app opens PRs for pushed branches: then the proposer is who pushed, not the app.
    const proposedBy = pull.author && pull.author !== deps.botLogin ? pull.author : head.firstAuthor;
    await adopt(deps, job, pull, head, stripHowTo(pull.body), sender.login, "pull_request", deliveryId, proposedBy);
    return;
  }
  await finishProposal(deps, existing, sender.login, "pull_request", deliveryId, pull.labels);
  const options = { deliveryId, labels: pull.labels };
  switch (job.action) {
    case "closed": {
      const merged = pull.merged && existing.state.status !== "applied" && existing.state.status !== "rolled_back";
      const previousSha = merged && pull.mergeCommitSha ? await port.firstParent(repo, pull.mergeCommitSha) : null;
      await applyInput(deps, existing.id, { kind: "closed", merged: pull.merged, actor: pull.merged ? (pull.mergedBy ?? sender.login) : sender.login, via: "close", mergeCommitSha: pull.mergeCommitSha, previousSha }, options);
      return;
    }
    case "reopened":
      await applyInput(deps, existing.id, { kind: "reopened", actor: sender.login, via: "pull_request" }, options);
      if (pull.headSha !== existing.state.headSha && config) {
        const head = await fetchHeadFacts(port, repo, pull, config, []);
        const fresh = (await deps.store.byId(existing.id)) ?? existing;
        await applyHeadUpdate(deps, fresh, head, sender.login, "pull_request", deliveryId, pull.title, pull.body);
      }
      return;
    case "edited": {
      // A new title or description: mirrored, no transition.
      const facts = factsOfRecord(existing, []);
      await applyInput(deps, existing.id, { kind: "head_updated", facts, actor: sender.login, via: "pull_request" }, { ...options, extraPatch: { title: pull.title, description: stripHowTo(pull.body) } });
      return;
    }
    case "synchronize":
    case "opened":
    case "ready_for_review":
      if (pull.headSha === existing.state.headSha || !config) return;
      await applyHeadUpdate(deps, existing, await fetchHeadFacts(port, repo, pull, config, [sender.login]), sender.login, "push", deliveryId, pull.title, pull.body);
      return;
  }
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
  return { record, port, repo };
}

async function handleReview(deps: PipelineDeps, job: JobOf<"review">, deliveryId: string | null): Promise<void> {
  const found = await upgradeWithConfig(deps, job);
  if (!found) return;
  const { record, port, repo } = found;
  const actor = await actorFor(port, repo, job.sender, record);
  const input: UpgradeInput = job.state === "approved" ? { kind: "approve", actor, sha: job.sha, via: "review" } : { kind: "changes_requested", actor, via: "review" };
  await applyInput(deps, record.id, input, { deliveryId });
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
        ? { kind: "approve", actor: who, sha: record.state.headSha, via: "comment" }
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
    job.label === "upgrade:approved" ? { kind: "approve", actor, sha: job.headSha, via: "label" } : { kind: "reject", actor, reason: null, via: "label" };
  await applyInput(deps, record.id, input, { deliveryId, labels: job.labels });
}

async function handleChecks(deps: PipelineDeps, job: JobOf<"checks">, deliveryId: string | null): Promise<void> {
  const ids = await deps.store.idsByHeadSha(job.repository, job.sha);
  if (ids.length === 0) return;
  const { port, repo, config } = await configFor(deps, job);
  if (!config) return;
  const observed = await port.listChecks(repo, job.sha);
  const results = evaluateTestGate(job.sha, observed, config.requiredChecks);
  for (const id of ids) {
    const missingChecks = await checksMissingFromHead(deps, port, repo, id, results, observed);
    await applyInput(deps, id, { kind: "tests", results, via: "check", missingChecks }, { deliveryId });
  }
}

/**
 * Check names the base branch head reports and this head does not (weakened tests). Read when
 * the head's gate turns green (what merging, auto-approval and the urgent bypass wait for):
 * while checks are still being created a shorter list means nothing, and then it is read once.
 */
async function checksMissingFromHead(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, upgradeId: number, results: TestResults, observed: readonly ObservedCheck[]): Promise<string[]> {
  if (results.state !== "passed") return [];
  const record = await deps.store.byId(upgradeId);
  if (!record || record.state.headSha !== results.sha || record.state.testResults?.state === results.state) return [];
  if (record.state.status !== "proposed" && record.state.status !== "approved") return [];
  const base = await port.listChecks(repo, record.state.baseBranch);
  return missingCheckNames(observed.map((c) => c.name), base.map((c) => c.name));
}
