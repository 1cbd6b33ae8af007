/**
 * What happens in a history: the commands the generator mixes, as plain data (so a
 * counterexample prints as a readable list), and their fast-check arbitraries. Entities are
 * named by index (modulo how many exist), which keeps commands meaningful while shrinking.
 */
import fc from "fast-check";

export const COMMENTS = [
  "/approve",
  "> /approve",
  "```\n/approve\n```",
  "/reject not like this",
  "/apply",
  "/retry",
  "/rollback",
  "/status",
  "Looks fine, /approve from me",
] as const;

export const CONFIGS = [
  "requiredApprovals: 1\nexpireAfterHours: 48\n",
  "requiredApprovals: 2\nexpireAfterHours: 48\nmergeMethod: merge\n",
  "applyMode: manual\nexpireAfterHours: 48\n",
  "autoApprove:\n  enabled: true\n  afterHours: 2\n  maxDiffLines: 50\nurgent:\n  enabled: true\n  maxPerDay: 1\nexpireAfterHours: 48\n",
  "requiredChecks: [test]\napprovers: [erin]\nexpireAfterHours: 48\n",
  "requiredApprovals: -3\n",
  "requiredApprovals: [\n",
] as const;

export type Command =
  | { k: "agentPush"; branch: number; lines: number; guarded: boolean; urgent: boolean; coauthor: boolean; conflict: boolean }
  | { k: "agentOpensPull"; branch: number }
  | { k: "review"; pull: number; who: number; approve: boolean; old: boolean }
  /** An approval that the app records, new commits, then a second approval of the new head. */
  | { k: "reviewsAroundPush"; pull: number; first: number; second: number }
  | { k: "comment"; pull: number; who: number; text: number; action: "created" | "edited" | "deleted" }
  | { k: "label"; pull: number; who: number; approve: boolean; add: boolean }
  | { k: "close"; pull: number; who: number }
  | { k: "reopen"; pull: number; who: number }
  | { k: "mergeByHand"; pull: number; who: number }
  | { k: "pushBase"; conflict: boolean }
  | { k: "ci"; pull: number; old: boolean; check: "test" | "lint" | "ci/status"; outcome: "success" | "failure" | "pending" }
  /** Every CI job on the head finishing at once: all green, or one red among green ones. */
  | { k: "ciSuite"; pull: number; failing: "test" | "lint" | "ci/status" | null }
  | { k: "deliver"; index: number; mode: "deliver" | "redeliver" | "resend" | "drop" | "delay" }
  | { k: "deliverAll" }
  | { k: "concurrent"; a: number; b: number; replica: boolean }
  | { k: "fault"; target: "merge" | "write" | "any"; status: 500 | 502 | 409 | 405 | 403 | 429; count: number }
  | { k: "time"; minutes: number }
  | { k: "config"; variant: number }
  | { k: "crash"; index: number }
  | { k: "reconcile" };

const idx = fc.nat({ max: 7 });
/** People by index into PEOPLE: mostly the approvers (alice, bob, carol, dave), sometimes anyone. */
const who = fc.oneof({ arbitrary: fc.nat({ max: 3 }), weight: 3 }, { arbitrary: fc.nat({ max: 7 }), weight: 2 });
const mostly = (weight: number) => fc.oneof({ arbitrary: fc.constant(true), weight }, { arbitrary: fc.constant(false), weight: 1 });
const rarely = (weight: number) => fc.oneof({ arbitrary: fc.constant(false), weight }, { arbitrary: fc.constant(true), weight: 1 });

/** The kind of each arbitrary below, in order. */
export const KINDS: ReadonlyArray<Command["k"]> = ["agentPush", "agentOpensPull", "review", "reviewsAroundPush", "comment", "label", "close", "reopen", "mergeByHand", "pushBase", "ci", "ciSuite", "deliver", "deliverAll", "concurrent", "fault", "time", "config", "crash", "reconcile"];

export const commandArbitraries: Array<fc.Arbitrary<Command>> = [
  fc.record({ k: fc.constant("agentPush" as const), branch: fc.nat({ max: 2 }), lines: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 40, max: 260 })), guarded: rarely(3), urgent: rarely(3), coauthor: rarely(3), conflict: rarely(4) }),
  fc.record({ k: fc.constant("agentOpensPull" as const), branch: fc.nat({ max: 2 }) }),
  fc.record({ k: fc.constant("review" as const), pull: idx, who, approve: mostly(3), old: rarely(4) }),
  fc.record({ k: fc.constant("reviewsAroundPush" as const), pull: idx, first: who, second: who }),
  fc.record({ k: fc.constant("comment" as const), pull: idx, who, text: fc.nat({ max: COMMENTS.length - 1 }), action: fc.constantFrom("created" as const, "created" as const, "edited" as const, "deleted" as const) }),
  fc.record({ k: fc.constant("label" as const), pull: idx, who, approve: fc.boolean(), add: fc.boolean() }),
  fc.record({ k: fc.constant("close" as const), pull: idx, who }),
  fc.record({ k: fc.constant("reopen" as const), pull: idx, who }),
  fc.record({ k: fc.constant("mergeByHand" as const), pull: idx, who }),
  fc.record({ k: fc.constant("pushBase" as const), conflict: fc.boolean() }),
  fc.record({ k: fc.constant("ci" as const), pull: idx, old: rarely(4), check: fc.constantFrom("test" as const, "lint" as const, "ci/status" as const), outcome: fc.oneof({ arbitrary: fc.constant("success" as const), weight: 6 }, { arbitrary: fc.constantFrom("failure" as const, "pending" as const), weight: 2 }) }),
  fc.record({ k: fc.constant("ciSuite" as const), pull: idx, failing: fc.constantFrom(null, "test" as const, "lint" as const, "ci/status" as const) }),
  fc.record({ k: fc.constant("deliver" as const), index: fc.nat({ max: 5 }), mode: fc.constantFrom("deliver" as const, "deliver" as const, "deliver" as const, "redeliver" as const, "resend" as const, "drop" as const, "delay" as const) }),
  fc.constant({ k: "deliverAll" as const }),
  fc.record({ k: fc.constant("concurrent" as const), a: fc.nat({ max: 5 }), b: fc.nat({ max: 5 }), replica: fc.boolean() }),
  fc.record({ k: fc.constant("fault" as const), target: fc.constantFrom("merge" as const, "write" as const, "any" as const), status: fc.constantFrom(500 as const, 502 as const, 409 as const, 405 as const, 403 as const, 429 as const), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ k: fc.constant("time" as const), minutes: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 20 }), weight: 3 }, { arbitrary: fc.integer({ min: 60, max: 1500 }), weight: 1 }) }),
  fc.record({ k: fc.constant("config" as const), variant: fc.nat({ max: CONFIGS.length - 1 }) }),
  fc.record({ k: fc.constant("crash" as const), index: fc.nat({ max: 5 }) }),
  fc.constant({ k: "reconcile" as const }),
];

/** How often each kind is drawn, relative to the others (deliveries and CI are what GitHub does most). */
export const WEIGHTS: Partial<Record<Command["k"], number>> = { agentPush: 3, review: 5, ci: 6, deliver: 6, deliverAll: 5, comment: 2 };

/** A command as one line of a counterexample. */
export function describe(c: Command): string {
  const { k, ...rest } = c;
  const args = Object.entries(rest).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return `${k}(${args.join(", ")})`;
}
