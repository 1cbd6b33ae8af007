/**
 * One pass over one upgrade: load it, decide, save the decision as a conditional update, then
 * carry out the effects. Merges and rollbacks answer with a follow-up input, decided in the same
 * pass. Label, check-run and comment effects are gathered and done once at the end of the pass,
 * against the final state (present.ts), so a review that approves and merges costs one label
 * change and one comment, not three. The one-shot writes (comments, closing the PR, deleting the
 * branch) are saved with the transition that owes them and crossed off once done: if the pass
 * fails after saving, the sweep does them (owed-effects.ts), so no comment is lost.
 *
 * A pass reads the pull request from GitHub at most once (pass-context.ts): its caller may hand
 * in the read it decided from, and the merge and the label change use the same one.
 */
import type { RepoConfig } from "../config/repo-config.js";
import { decide } from "../domain/decide.js";
import { budgetEnabled } from "../domain/budget.js";
import type { DecideContext, Decision, Effect, UpgradeInput, UpgradePatch, UpgradeStatus } from "../domain/types.js";
import { type PullSnapshot, splitRepository } from "../github/port.js";
import { transitions } from "../metrics.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";
import type { OwedEffect } from "../store/upgrade-store.js";
import type { PipelineDeps } from "./deps.js";
import { type FreezeChange, afterFreezeChange, setFreeze } from "./freeze.js";
import { merge, rollback } from "./merge-effects.js";
import { type PassContext, createPassContext } from "./pass-context.js";
import { type Owed, type Presentation, emptyPresentation, present, reportInvalidConfig } from "./present.js";
import { Turns, perPipeline } from "./turns.js";

export { reportInvalidConfig, showStateLabel, syncCheckRun } from "./present.js";

const MAX_CONFLICT_RETRIES = 8;
const DAY_MS = 24 * 3_600_000;
/** How long the pass that saved an owed effect owns it; if its process dies, the sweep takes it after this. */
export const OWNED_EFFECT_MS = 10 * 60_000;

export interface PassOptions {
  deliveryId: string | null;
  /** The pull request as the caller read it from GitHub in this pass (spares a second read). */
  snapshot?: PullSnapshot | null;
  /** Extra columns to save with the first decision (e.g. a refreshed diff preview). */
  extraPatch?: UpgradePatch & { diffPreview?: string; title?: string; description?: string };
}

/**
 * Passes over one upgrade run one at a time in this pipeline, so their label and check-run
 * updates cannot interleave. (Across replicas the version condition keeps transitions single,
 * the check-run claim keeps one check run, and the label re-read keeps one label.)
 */
const passes = perPipeline(() => new Turns<number>());

export function oneAtATime<T>(deps: PipelineDeps, upgradeId: number, work: () => Promise<T>): Promise<T> {
  return passes(deps).take(upgradeId, work);
}

/** Runs `input` (and its follow-ups) against the upgrade `id`. Returns the final record. */
export function applyInput(deps: PipelineDeps, upgradeId: number, input: UpgradeInput, options: PassOptions): Promise<UpgradeRecord | null> {
  return applyInputs(deps, upgradeId, [input], options);
}

/** Runs the inputs one after another in one pass, presented once at the end. */
export async function applyInputs(deps: PipelineDeps, upgradeId: number, inputs: readonly UpgradeInput[], options: PassOptions): Promise<UpgradeRecord | null> {
  const record = await oneAtATime(deps, upgradeId, () => pass(deps, upgradeId, async () => ({ inputs }), options));
  // Outside this upgrade's turn: after a freeze or unfreeze the repository's upgrades (this one
  // included) are passed again, one at a time in proposal order.
  const made = freezesMadeBy(deps).get(upgradeId) ?? [];
  freezesMadeBy(deps).delete(upgradeId);
  for (const change of made) await afterFreezeChange(deps, change.repository, change.via, options.deliveryId);
  return record;
}

/** Freezes and unfreezes made by a pass, by upgrade (passes over one upgrade run one at a time). */
const freezesMadeBy = perPipeline(() => new Map<number, FreezeChange[]>());

/** What a pass does with the pull request as GitHub has it now. */
export interface FromGitHub {
  /** Read the PR's reviews too (a review delivery). */
  reviews?: boolean;
  /** The inputs, from the PR read inside the pass and the upgrade as it is at that moment. */
  build(pull: PullSnapshot, record: UpgradeRecord, ctx: PassContext): Promise<{ inputs: UpgradeInput[]; extraPatch?: PassOptions["extraPatch"] }>;
}

/**
 * A pass that starts by reading the PR from GitHub (Kodiak's "re-evaluate this PR against fresh
 * state"). The read is made inside the pass, after any pass queued before it on this upgrade
 * has finished, so neither the PR nor the upgrade it decides from is older than the decision;
 * the merge and the label change of the pass use the same read. `options.snapshot` is only for
 * a read the caller made of a PR no pass can have touched yet (a new upgrade's).
 */
export function applyFromGitHub(deps: PipelineDeps, upgradeId: number, plan: FromGitHub, options: PassOptions): Promise<UpgradeRecord | null> {
  return oneAtATime(deps, upgradeId, () =>
    pass(
      deps,
      upgradeId,
      async (record, ctx) => plan.build(await ctx.readPull(), record, ctx),
      options,
      plan.reviews === true,
    ),
  );
}

function isStalePending(input: UpgradeInput, record: UpgradeRecord): boolean {
  if (input.kind !== "tests" || input.readVersion === undefined || input.readVersion === record.version) return false;
  const stored = record.state.testResults;
  return input.results.state === "pending" && stored !== null && stored.sha === input.results.sha && stored.state !== "pending";
}

/** An input that changes nothing, to save columns alone (a new title) as a decision does. */
function unchangedHead(record: UpgradeRecord): UpgradeInput {
  const s = record.state;
  return { kind: "head_updated", facts: { headSha: s.headSha, additions: s.additions, deletions: s.deletions, files: [], guarded: s.guarded, urgent: s.urgent, nonApprovers: [] }, actor: null, via: "pull_request" };
}

type Inputs = (record: UpgradeRecord, ctx: PassContext) => Promise<{ inputs: readonly UpgradeInput[]; extraPatch?: PassOptions["extraPatch"] }>;

async function pass(deps: PipelineDeps, upgradeId: number, inputsFor: Inputs, options: PassOptions, reviews = false): Promise<UpgradeRecord | null> {
  const record = await deps.store.byId(upgradeId);
  if (!record) return null;
  const repo = splitRepository(record.repository);
  const port = await deps.github(record.installationId);
  const configResult = await deps.configs.get(record.repository, port, repo);
  if (!configResult.ok) {
    await reportInvalidConfig(deps, port, repo, record, configResult.error);
    return record;
  }
  const ctx = createPassContext(
    { deps, port, repo, config: configResult.config, upgradeId, pullNumber: record.state.pullNumber, deliveryId: options.deliveryId },
    options.snapshot ?? null,
    { reviews },
  );
  const { inputs, extraPatch } = await inputsFor(record, ctx);
  const patch = { ...(options.extraPatch ?? {}), ...(extraPatch ?? {}) };
  if (inputs.length === 0 && Object.keys(patch).length === 0) return record;
  const presentation = emptyPresentation(record.state.status);
  try {
    return await decideAndPresent(ctx, record, inputs.length > 0 ? inputs : [unchangedHead(record)], { ...options, extraPatch: patch }, presentation);
  } catch (error) {
    // Hand what this pass still owes to the sweep now rather than when the ownership lapses.
    await deps.store.releaseEffects([...presentation.open], deps.now()).catch(() => undefined);
    throw error;
  }
}

async function decideAndPresent(ctx: PassContext, record: UpgradeRecord, inputs: readonly UpgradeInput[], options: PassOptions, presentation: Presentation): Promise<UpgradeRecord | null> {
  const queue = [...inputs];
  let extraPatch = options.extraPatch;
  let first = true;
  for (let input = queue.shift(); input !== undefined; input = queue.shift()) {
    const saved = await decideAndSave(ctx, input, extraPatch);
    if (!saved) return null;
    // The status this pass starts from is the one its first decision was made on: when another
    // delivery changed the upgrade in between, that delivery presents its own change (labels,
    // check run), and this pass must not present it a second time.
    if (first) presentation.startStatus = saved.decidedOn;
    first = false;
    extraPatch = undefined;
    record = saved.record;
    for (const owed of saved.effects) {
      if (owed.owedId !== null) presentation.open.add(owed.owedId);
      const followUp = await runEffect(ctx, record, owed, presentation);
      // A follow-up (the merge's or rollback's result) is decided before the rest of the inputs.
      if (followUp) queue.unshift(followUp);
    }
  }
  await present(ctx, record, presentation);
  return record;
}

async function decideAndSave(
  ctx: PassContext,
  input: UpgradeInput,
  extraPatch: PassOptions["extraPatch"],
): Promise<{ record: UpgradeRecord; effects: Array<Owed<Effect>>; decidedOn: UpgradeStatus } | null> {
  const { deps, config, upgradeId } = ctx;
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const record = await deps.store.byId(upgradeId);
    if (!record) return null;
    // Pending results read before another pass (on another replica) recorded completed ones for
    // the same SHA are the older read: they do not undo the newer (a re-run's pending comes with
    // its own check event and read).
    if (isStalePending(input, record)) return { record, effects: [], decidedOn: record.state.status };
    const now = deps.now();
    const decideCtx: DecideContext = {
      now,
      urgentBypassesToday: record.state.urgent ? await deps.store.countUrgentBypasses(record.repository, new Date(now.getTime() - DAY_MS)) : 0,
      hasObjection: config.autoApprove.enabled ? await deps.store.hasObjection(record.id) : false,
      proposalRecorded: input.kind === "proposed" || input.kind === "tick" ? await deps.store.hasProposal(record.id) : undefined,
      frozen: await deps.store.freezeOf(record.repository),
      budgetUsed: await budgetUse(deps, record, input, config, now),
    };
    const decision = await unlessRepeated(deps, record, ctx.deliveryId, decide(record.state, input, config, decideCtx));
    const patch = { ...(extraPatch ?? {}), ...decision.patch };
    const bypass = decision.events.some((e) => e.type === "upgrade.urgent_bypass");
    const owed = decision.effects.filter(isOwed);
    const saved = await deps.store.save(record, {
      patch,
      approvals: decision.approvalsToAdd,
      events: decision.events,
      deliveryId: ctx.deliveryId,
      at: now,
      urgentBudget: bypass ? { since: new Date(now.getTime() - DAY_MS), max: config.urgent.maxPerDay } : undefined,
      proposalBudget: passedBudget(decision, decideCtx, config, now),
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

async function budgetUse(deps: PipelineDeps, record: UpgradeRecord, input: UpgradeInput, config: RepoConfig, now: Date): Promise<DecideContext["budgetUsed"]> {
  const proposer = record.proposedBy;
  if (input.kind !== "proposed" || !proposer || !budgetEnabled(config.budget)) return null;
  return { proposer, ...(await deps.store.budgetUse(record.repository, proposer, record.id, new Date(now.getTime() - DAY_MS))) };
}

/** A proposal recorded within the budget is saved only if it still is (see `SaveInput.proposalBudget`). */
function passedBudget(decision: Decision, decideCtx: DecideContext, config: RepoConfig, now: Date) {
  if (!decideCtx.budgetUsed || !decision.events.some((e) => e.type === "upgrade.proposed")) return undefined;
  if (decision.events.some((e) => e.type === "upgrade.rejected" && e.actor === "budget")) return undefined;
  return { proposer: decideCtx.budgetUsed.proposer, since: new Date(now.getTime() - DAY_MS), ...config.budget };
}

/**
 * A delivery retried after its pass failed (GitHub down after the save) decides again. A
 * decision whose events this delivery already recorded is the same act a second time: a refused
 * command or a stale approval would be recorded twice and owe its comment again; a transition
 * would be applied again, even after a person undid it meanwhile (a `/reject` label retried
 * after the PR was reopened). The first attempt saved it (the sweep does its writes): nothing is
 * saved again, and the rest is presented again.
 */
async function unlessRepeated(deps: PipelineDeps, record: UpgradeRecord, deliveryId: string | null, decision: Decision): Promise<Decision> {
  if (deliveryId === null || decision.events.length === 0 || decision.approvalsToAdd.length > 0) return decision;
  const recorded = await deps.store.eventsOfDelivery(record.id, deliveryId);
  const repeated = decision.events.every((e) => recorded.some((r) => r.type === e.type && r.details === JSON.stringify(e.details)));
  if (!repeated) return decision;
  // Only the presentation is done again (a failed label or check-run write); nothing is acted on twice.
  return { ...decision, patch: {}, events: [], effects: decision.effects.filter((e) => e.kind === "sync_label" || e.kind === "sync_check_run") };
}

function isOwed(effect: Effect): effect is Effect & OwedEffect {
  return effect.kind === "comment" || effect.kind === "close_pr" || effect.kind === "delete_branch";
}

async function runEffect(ctx: PassContext, record: UpgradeRecord, { effect, owedId }: Owed<Effect>, p: Presentation): Promise<UpgradeInput | null> {
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
      return merge(ctx, record, effect.sha);
    case "rollback":
      return rollback(ctx, record);
    case "set_freeze": {
      const change: FreezeChange = { repository: record.repository, installationId: record.installationId, frozen: effect.frozen, actor: effect.actor, reason: effect.reason, via: effect.via, deliveryId: ctx.deliveryId };
      if (await setFreeze(ctx.deps, change)) freezesMadeBy(ctx.deps).set(ctx.upgradeId, [...(freezesMadeBy(ctx.deps).get(ctx.upgradeId) ?? []), change]);
      return null;
    }
  }
}
