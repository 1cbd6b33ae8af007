/** A decision under construction: the patch, events and effects, and the state as it will be. */
import type { Decision, Effect, RecordedEvent, UpgradePatch, UpgradeState, Via } from "./types.js";

export class Builder {
  readonly decision: Decision = { patch: {}, approvalsToAdd: [], events: [], effects: [] };
  /** The state as it will be after the patch: later steps of one decision read it. */
  state: UpgradeState;
  constructor(upgrade: UpgradeState) {
    this.state = { ...upgrade, approvals: [...upgrade.approvals] };
  }
  set(patch: UpgradePatch): this {
    // What the merge queue holds, the app holds under its merge claim: released together.
    if (patch.mergeClaimSha === null && this.state.queuedSha && patch.queuedSha === undefined) patch = { ...patch, queuedSha: null };
    Object.assign(this.decision.patch, patch);
    Object.assign(this.state, patch);
    return this;
  }
  event(type: RecordedEvent["type"], actor: string, via: Via, details: Record<string, unknown> = {}): this {
    this.decision.events.push({ type, actor, via, details });
    return this;
  }
  effect(...effects: Effect[]): this {
    this.decision.effects.push(...effects);
    return this;
  }
  comment(body: string): this {
    return this.effect({ kind: "comment", body });
  }
  /** A state change: label and check run follow it. */
  transition(patch: UpgradePatch): this {
    return this.set(patch).effect({ kind: "sync_label" }, { kind: "sync_check_run" });
  }
}

export const NOTHING = (): Decision => ({ patch: {}, approvalsToAdd: [], events: [], effects: [] });

