/**
 * One pass over one upgrade: load it, decide, save the decision as a conditional update, then
 * carry out the effects. Merges and rollbacks answer with a follow-up input, decided in the same
 * pass. Label, check-run and comment effects are gathered and done once at the end of the pass,
 * against the final state, so a review that approves and merges costs one label change and one
 * comment, not three. The one-shot writes (comments, closing the PR, deleting the branch) are
 * saved with the transition that owes them and crossed off once done: if the pass fails after
 * saving, the sweep does them (owed-effects.ts), so no comment is lost.
 */
import type { RepoConfig } from "../config/repo-config.js";
import { decide } from "../domain/decide.js";
import { evaluateTestGate } from "../domain/test-gate.js";
import { type CheckRunView, checkRunView, invalidConfigView } from "../domain/messages.js";
import type { DecideContext, Decision, Effect, UpgradeInput, UpgradePatch, UpgradeStatus } from "../domain/types.js";
import { type GitHubPort, type RepoRef, splitRepository } from "../github/port.js";
import { transitions } from "../metrics.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";
import type { OwedEffect } from "../store/upgrade-store.js";
import type { PipelineDeps } from "./deps.js";

const MAX_CONFLICT_RETRIES = 8;
const DAY_MS = 24 * 3_600_000;
/** How long the pass that saved an owed effect owns it; if its process dies, the sweep takes it after this. */
export const OWNED_EFFECT_MS = 10 * 60_000;

export interface PassOptions {
  deliveryId: string | null;
  /** Labels known to be on the PR right now (from the payload), to spare a removal request. */
  labels?: readonly string[] | null;
  /** Extra columns to save with the first decision (e.g. a refreshed diff preview). */
  extraPatch?: UpgradePatch & { diffPreview?: string; title?: string; description?: string };
}

/** An effect of a decision, with the id of its `PendingEffect` row when it is owed. */
interface Owed<E> {
  effect: E;
  owedId: number | null;
}

interface Presentation {
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

/**
 * Passes over one upgrade run one at a time in this process, so their label and check-run
 * updates cannot interleave. (Across replicas the version condition keeps transitions single,
 * the check-run claim keeps one check run, and reconciliation repairs a label left behind.)
 */
const passes = new Map<number, Promise<unknown>>();

export function oneAtATime<T>(upgradeId: number, work: () => Promise<T>): Promise<T> {
  const previous = passes.get(upgradeId) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  passes.set(upgradeId, tail);
  void tail.then(() => {
    if (passes.get(upgradeId) === tail) passes.delete(upgradeId);
  });
  return run;
}

/** Runs `input` (and its follow-ups) against the upgrade `id`. Returns the final record. */
export function applyInput(deps: PipelineDeps, upgradeId: number, firstInput: UpgradeInput, options: PassOptions): Promise<UpgradeRecord | null> {
  return oneAtATime(upgradeId, () => pass(deps, upgradeId, firstInput, options));
}

async function pass(deps: PipelineDeps, upgradeId: number, firstInput: UpgradeInput, options: PassOptions): Promise<UpgradeRecord | null> {
  let record = await deps.store.byId(upgradeId);
  if (!record) return null;
  const repo = splitRepository(record.repository);
  const port = await deps.github(record.installationId);
  const configResult = await deps.configs.get(record.repository, port, repo);
  if (!configResult.ok) {
    await reportInvalidConfig(deps, port, repo, record, configResult.error);
    return record;
  }
  const config = configResult.config;
  const presentation: Presentation = {
    comments: [],
    removeLabels: [],
    syncLabel: false,
    syncCheckRun: false,
    closePr: [],
    deleteBranch: [],
    startStatus: record.state.status,
    open: new Set(),
  };
  try {
    return await decideAndPresent(deps, port, repo, record, config, upgradeId, firstInput, options, presentation);
  } catch (error) {
    // Hand what this pass still owes to the sweep now rather than when the ownership lapses.
    await deps.store.releaseEffects([...presentation.open], deps.now()).catch(() => undefined);
    throw error;
  }
}

async function decideAndPresent(
  deps: PipelineDeps,
  port: GitHubPort,
  repo: RepoRef,
  record: UpgradeRecord,
  config: RepoConfig,
  upgradeId: number,
  firstInput: UpgradeInput,
  options: PassOptions,
  presentation: Presentation,
): Promise<UpgradeRecord | null> {
  let input: UpgradeInput | null = firstInput;
  // A pass started by test results has just read the gate from GitHub; any other merge reads it first.
  const gateReadFor = firstInput.kind === "tests" ? firstInput.results.sha : null;
  let extraPatch = options.extraPatch;
  let first = true;
  while (input !== null) {
    const saved = await decideAndSave(deps, upgradeId, input, config, options.deliveryId, extraPatch);
    if (!saved) return null;
    // The status this pass starts from is the one its first decision was made on: when another
    // delivery changed the upgrade in between, that delivery presents its own change (labels,
    // check run), and this pass must not present it a second time.
    if (first) presentation.startStatus = saved.decidedOn;
    first = false;
    extraPatch = undefined;
    record = saved.record;
    input = null;
    for (const owed of saved.effects) {
      if (owed.owedId !== null) presentation.open.add(owed.owedId);
      const followUp = await runEffect(deps, port, repo, record, config, owed, presentation, gateReadFor);
      if (followUp) input = followUp;
    }
  }
  await present(deps, port, repo, record, config, presentation, options.labels ?? null);
  return record;
}

async function decideAndSave(
  deps: PipelineDeps,
  upgradeId: number,
  input: UpgradeInput,
  config: RepoConfig,
  deliveryId: string | null,
  extraPatch: PassOptions["extraPatch"],
): Promise<{ record: UpgradeRecord; effects: Array<Owed<Effect>>; decidedOn: UpgradeStatus } | null> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const record = await deps.store.byId(upgradeId);
    if (!record) return null;
    const now = deps.now();
    const ctx: DecideContext = {
      now,
      urgentBypassesToday: record.state.urgent ? await deps.store.countUrgentBypasses(record.repository, new Date(now.getTime() - DAY_MS)) : 0,
      hasObjection: config.autoApprove.enabled ? await deps.store.hasObjection(record.id) : false,
      proposalRecorded: input.kind === "proposed" ? await deps.store.hasProposal(record.id) : undefined,
    };
    const decision = await unlessRepeated(deps, record, deliveryId, decide(record.state, input, config, ctx));
    const patch = { ...(extraPatch ?? {}), ...decision.patch };
    const bypass = decision.events.some((e) => e.type === "upgrade.urgent_bypass");
    const owed = decision.effects.filter(isOwed);
    const saved = await deps.store.save(record, {
      patch,
      approvals: decision.approvalsToAdd,
      events: decision.events,
      deliveryId,
      at: now,
      urgentBudget: bypass ? { since: new Date(now.getTime() - DAY_MS), max: config.urgent.maxPerDay } : undefined,
      owed: owed.length > 0 ? { effects: owed, status: patch.status ?? record.state.status, ownedUntil: new Date(now.getTime() + OWNED_EFFECT_MS) } : undefined,
    });
    if (!saved) continue; // someone else changed it, or the bypass budget ran out: decide again
    if (patch.status && patch.status !== record.state.status) transitions.inc({ from: record.state.status, to: patch.status });
    const fresh = await deps.store.byId(upgradeId);
    if (!fresh) return null;
    // A decision that wrote nothing changed no state, whatever an unlucky read (the upgrade row
    // and its approvals are read separately) suggested: there is no transition to present.
    const wrote = Object.keys(patch).length > 0 || decision.approvalsToAdd.length > 0 || decision.events.length > 0;
    const ids = new Map(owed.map((effect, i) => [effect as Effect, saved.owed[i] ?? null]));
    return { record: fresh, effects: decision.effects.map((effect) => ({ effect, owedId: ids.get(effect) ?? null })), decidedOn: wrote ? record.state.status : fresh.state.status };
  }
  throw new Error(`upgrade ${upgradeId}: gave up after ${MAX_CONFLICT_RETRIES} concurrent changes`);
}

/**
 * A delivery retried after its pass failed (GitHub down after the save) decides again: a
 * decision that only records events (a refused command, a stale approval) would record them a
 * second time under the same delivery, and owe its comment again. Those events and owed writes
 * were saved by the first attempt (the sweep does its writes); the rest is presented again.
 */
async function unlessRepeated(deps: PipelineDeps, record: UpgradeRecord, deliveryId: string | null, decision: Decision): Promise<Decision> {
  if (deliveryId === null || decision.events.length === 0 || Object.keys(decision.patch).length > 0 || decision.approvalsToAdd.length > 0) return decision;
  const recorded = await deps.store.eventsOfDelivery(record.id, deliveryId);
  const repeated = decision.events.every((e) => recorded.some((r) => r.type === e.type && r.details === JSON.stringify(e.details)));
  return repeated ? { ...decision, events: [], effects: decision.effects.filter((e) => !isOwed(e)) } : decision;
}

function isOwed(effect: Effect): effect is Effect & OwedEffect {
  return effect.kind === "comment" || effect.kind === "close_pr" || effect.kind === "delete_branch";
}

async function runEffect(
  deps: PipelineDeps,
  port: GitHubPort,
  repo: RepoRef,
  record: UpgradeRecord,
  config: RepoConfig,
  { effect, owedId }: Owed<Effect>,
  p: Presentation,
  gateReadFor: string | null,
): Promise<UpgradeInput | null> {
  switch (effect.kind) {
    case "comment":
      p.comments.push({ effect: effect.body, owedId });
      return null;
    case "sync_label":
      p.syncLabel = true;
      return null;
    case "sync_check_run":
      p.syncCheckRun = true;
      return null;
    case "remove_label":
      p.removeLabels.push(effect.name);
      return null;
    case "close_pr":
      p.closePr.push(owedId);
      return null;
    case "delete_branch":
      p.deleteBranch.push(owedId);
      return null;
    case "merge":
      return merge(port, repo, record, config, effect.sha, gateReadFor === effect.sha);
    case "rollback":
      return rollback(deps, port, repo, record);
  }
}

async function merge(port: GitHubPort, repo: RepoRef, record: UpgradeRecord, config: RepoConfig, sha: string, gateJustRead: boolean): Promise<UpgradeInput> {
  if (!gateJustRead) {
    // The recorded gate may be stale: a check created or re-run since, whose webhook is late or
    // was lost. The merge goes by what GitHub says now.
    const results = evaluateTestGate(sha, await port.listChecks(repo, sha), config.requiredChecks);
    if (results.state !== "passed") return { kind: "merge_gate_not_green", results };
  }
  // A rebase leaves no merge commit to ask, so the base head is read before merging (another
  // merge landing in between would make it stale: rebase is the method that cannot tell).
  const headBefore = config.mergeMethod === "rebase" ? await port.getBranchHead(repo, record.state.baseBranch) : null;
  const outcome = await port.merge(repo, record.state.pullNumber, { sha, method: config.mergeMethod, title: `${record.title} (#${record.state.pullNumber})` });
  if (!outcome.ok) return { kind: "merge_failed", message: `${outcome.status}: ${outcome.message}`, headMoved: outcome.headMoved };
  // A merge or squash commit's first parent is the base head this merge really went onto. If
  // it cannot be read, the pass fails with the merge claimed; the claim's recovery reads it.
  const previousSha = headBefore ?? (await port.firstParent(repo, outcome.sha));
  if (!previousSha) throw new Error(`merge commit ${outcome.sha} has no parent`);
  return { kind: "merge_succeeded", mergeCommitSha: outcome.sha, previousSha };
}

async function rollback(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, record: UpgradeRecord): Promise<UpgradeInput> {
  const { mergeCommitSha, previousSha, baseBranch, pullNumber } = record.state;
  const actor = "upgrade-queue";
  if (!mergeCommitSha || !previousSha) return { kind: "rollback_failed", message: "the merge commit or the previous base head is unknown", actor };
  try {
    const restored = await port.restoreTree(repo, {
      branch: baseBranch,
      expectedHead: mergeCommitSha,
      treeOf: previousSha,
      message: `Roll back upgrade #${pullNumber}\n\nRestores the tree of ${previousSha}, the head of ${baseBranch} before #${pullNumber} was merged.`,
    });
    if (restored.ok) return { kind: "rollback_committed", rollbackSha: restored.sha, actor };
    const pull = await port.getPull(repo, pullNumber);
    const revert = await port.openRevertPull(repo, pull.nodeId, `Revert upgrade #${pullNumber}`, `Reverts #${pullNumber}, requested with \`/rollback\`. ${baseBranch} has moved on since it was merged.`);
    return { kind: "revert_opened", pullNumber: revert.number, url: revert.url, actor };
  } catch (error) {
    deps.log.error({ err: error, repository: record.repository, pullNumber }, "rollback failed");
    return { kind: "rollback_failed", message: error instanceof Error ? error.message : String(error), actor };
  }
}

async function present(
  deps: PipelineDeps,
  port: GitHubPort,
  repo: RepoRef,
  record: UpgradeRecord,
  config: RepoConfig,
  p: Presentation,
  labels: readonly string[] | null,
): Promise<void> {
  const n = record.state.pullNumber;
  for (const name of p.removeLabels) await port.removeLabel(repo, n, name);
  const changed = record.state.status !== p.startStatus;
  if (p.syncLabel || changed) {
    const present = labels ? labels.filter((l) => !p.removeLabels.includes(l)) : [`upgrade:${p.startStatus}`];
    record = await showStateLabel(deps, port, repo, record, present);
  }
  if (p.syncCheckRun || changed) await syncCheckRun(deps, port, repo, record, config);
  if (p.comments.length > 0) {
    await port.comment(repo, n, p.comments.map((c) => c.effect).join("\n\n"));
    await done(deps, p, p.comments.map((c) => c.owedId));
  }
  if (p.closePr.length > 0) {
    await port.closePull(repo, n);
    await done(deps, p, p.closePr);
  }
  if (p.deleteBranch.length > 0) {
    await port.deleteBranch(repo, record.state.branchName);
    await done(deps, p, p.deleteBranch);
  }
}

async function done(deps: PipelineDeps, p: Presentation, ids: Array<number | null>): Promise<void> {
  const owed = ids.filter((id): id is number => id !== null);
  await deps.store.effectsDone(owed);
  for (const id of owed) p.open.delete(id);
}

/**
 * Sets the `upgrade:<state>` label. Another replica may move the upgrade on while this pass
 * talks to GitHub, and its label change may land before ours: so whoever finishes re-reads the
 * state and, if it moved, shows the newest one. Returns the record it showed.
 */
export async function showStateLabel(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, record: UpgradeRecord, present: readonly string[]): Promise<UpgradeRecord> {
  let shown = record;
  let labels = [...present];
  for (let round = 0; round < 3; round++) {
    await port.setStateLabel(repo, record.state.pullNumber, shown.state.status, labels);
    const latest = await deps.store.byId(record.id);
    if (!latest || latest.state.status === shown.state.status) return shown;
    labels = [`upgrade:${shown.state.status}`, ...labels];
    shown = latest;
  }
  return shown;
}

export async function syncCheckRun(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, record: UpgradeRecord, config: RepoConfig): Promise<void> {
  await upsertCheckRunFor(deps, port, repo, record, (r) => checkRunView(r.state, config));
}

/**
 * Creates or updates the `Upgrade Queue` check run of the head. Its id is kept as `<id>@<sha>`
 * (a new head gets a new check run); creating one is claimed in the database first, and the
 * creator refreshes it if the upgrade changed meanwhile, so there is one per head.
 */
async function upsertCheckRunFor(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, record: UpgradeRecord, viewOf: (r: UpgradeRecord) => CheckRunView): Promise<void> {
  const sha = record.state.headSha;
  const detailsUrl = `${deps.publicUrl}/self-modify/queue/${record.id}`;
  const existing = (r: UpgradeRecord) => (r.checkRunId?.endsWith(`@${sha}`) ? (r.checkRunId.slice(0, r.checkRunId.indexOf("@")) as string) : null);
  let current = existing(record);
  // A pending claim whose pass failed (GitHub down) lapses: the claim below takes it over then.
  if (current === null || current.startsWith("pending:")) {
    if (await deps.store.claimCheckRunCreation(record.id, sha, deps.now().getTime())) {
      const id = await port.upsertCheckRun(repo, { id: null, headSha: sha, view: viewOf(record), detailsUrl });
      await deps.store.setCheckRunId(record.id, `${id}@${sha}`);
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
  await upsertCheckRunFor(deps, port, repo, record, () => invalidConfigView(error));
  // Say it on the PR once per distinct problem, not on every delivery.
  if (await deps.store.recordConfigProblem(record, error)) {
    await port.comment(repo, record.state.pullNumber, `Upgrade Queue takes no action until \`.github/upgrade-queue.yml\` on the default branch is fixed:\n\n${error}`);
  }
}
