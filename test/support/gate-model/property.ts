/**
 * The gate property: for any generated history (fast-check's model-based commands, each with
 * its precondition), the invariants hold after every step and at quiescence. Failures are
 * shrunk by fast-check, which prints the seed, the path and the shrunk list of commands.
 */
import fc from "fast-check";
import { type Breakage } from "./app.js";
import { type Command, KINDS, WEIGHTS, commandArbitraries, describe } from "./commands.js";
import { type Counters, Harness } from "./harness.js";
import type { StoreKit } from "./stores.js";

class Step implements fc.AsyncCommand<Harness, Harness> {
  constructor(readonly command: Command) {}
  check(model: Readonly<Harness>): boolean {
    return model.can(this.command);
  }
  async run(_model: Harness, real: Harness): Promise<void> {
    await real.run(this.command);
  }
  toString(): string {
    return describe(this.command);
  }
}

/** Each arbitrary repeated by its weight (fc.commands draws uniformly from the list). */
const weighted = commandArbitraries.flatMap((arb, i) => Array.from({ length: WEIGHTS[KINDS[i] as Command["k"]] ?? 1 }, () => arb));

export interface GateOptions {
  kit: StoreKit;
  breakage?: Breakage;
  counters?: Counters;
  maxCommands?: number;
  replayPath?: string;
  /** Only failures whose message matches count (a broken gate's own invariant); others end the history quietly. */
  only?: RegExp;
}

export function newCounters(): Counters & { histories: number } {
  return { commands: 0, checks: 0, histories: 0, merges: 0 };
}

export function gateProperty(options: GateOptions) {
  const counters = options.counters ?? newCounters();
  const steps = weighted.map((arb) => arb.map((c) => new Step(c), (step) => (step as Step).command));
  // The config on the default branch when the history starts: any of the valid variants.
  const initialConfig = fc.nat({ max: 4 });
  return fc.asyncProperty(initialConfig, fc.commands(steps, { maxCommands: options.maxCommands ?? 60, size: "max", replayPath: options.replayPath }), async (config, commands) => {
    const ref: { harness?: Harness } = {};
    const { stores, view } = await options.kit.fresh(() => new Date(ref.harness ? ref.harness.world.now : Date.now()));
    const harness = (ref.harness = new Harness(stores, view, options.breakage ?? {}, counters, config));
    try {
      await fc.asyncModelRun(() => ({ model: harness, real: harness }), commands);
      await harness.quiesce();
    } catch (error) {
      if (!options.only || options.only.test(String(error))) throw error;
    }
    if ("histories" in counters) (counters as { histories: number }).histories++;
    counters.merges += harness.world.merges.length;
  });
}

/** Replays one history (a regression test's), command by command, then quiescence. */
export async function runHistory(kit: StoreKit, commands: readonly Command[]): Promise<Harness> {
  const ref: { harness?: Harness } = {};
  const { stores, view } = await kit.fresh(() => new Date(ref.harness ? ref.harness.world.now : Date.now()));
  const harness = (ref.harness = new Harness(stores, view, {}, newCounters()));
  for (const command of commands) {
    if (!harness.can(command)) throw new Error(`precondition of ${describe(command)} does not hold`);
    await harness.run(command);
  }
  await harness.quiesce();
  return harness;
}

/**
 * fast-check's seed for the suite: `PROPERTY_SEED` when set (`.ci/run` sets it from the commit, so
 * CI explores new histories at every commit and any failure replays exactly), else random.
 */
export function suiteSeed(): { seed?: number } {
  const seed = Number(process.env.PROPERTY_SEED);
  // The PostgreSQL pass explores other histories than the SQLite pass.
  const pass = process.env.TEST_DATABASE === "postgresql" ? 1 : 0;
  return Number.isSafeInteger(seed) && process.env.PROPERTY_SEED ? { seed: seed + pass } : {};
}
