/**
 * Deliberately broken gates, to check the checker (test/properties/broken-gates.test.ts): each
 * breaks one promise from outside the pipeline (wrapping the GitHub port or the stores), and
 * the property must catch it within the suite's budget.
 */
import { evaluateTestGate } from "../../../src/domain/test-gate.js";
import type { PullSnapshot } from "../../../src/github/port.js";
import type { UpgradeRecord } from "../../../src/store/upgrade-record.js";
import type { DeliveryStore, StoredDelivery, UpgradeStore } from "../../../src/store/store-ports.js";
import type { Breakage } from "./app.js";

const PASSING = new Set(["success", "neutral", "skipped"]);

/** The store's records rewritten on the way out (what decide() is given). */
function rewriteRecords(store: UpgradeStore, rewrite: (r: UpgradeRecord) => UpgradeRecord): UpgradeStore {
  const map = async (r: Promise<UpgradeRecord | null>) => {
    const record = await r;
    return record ? rewrite(record) : null;
  };
  return {
    ...store,
    byId: (id) => map(store.byId(id)),
    byPull: (repository, n) => map(store.byPull(repository, n)),
    openByBranch: (repository, branch) => map(store.openByBranch(repository, branch)),
    save: (record, input) => store.save(record, input),
  };
}

export const BREAKAGES: Record<string, Breakage> = {
  /** Once a head's checks were read green, they are never read again (the merge trusts the recorded gate). */
  "no pre-merge read": {
    port: (port) => {
      const green = new Map<string, PullSnapshot["checks"]>();
      return {
        ...port,
        async readPull(repo, pullNumber, options) {
          const pull = await port.readPull(repo, pullNumber, options);
          const remembered = green.get(pull.headSha);
          if (remembered) return { ...pull, checks: remembered };
          if (evaluateTestGate(pull.headSha, pull.checks, []).state === "passed") green.set(pull.headSha, pull.checks);
          return pull;
        },
      };
    },
  },
  /** The PR's author (and every other self-approver) may approve. */
  "the PR author allowed": {
    stores: ({ store, deliveries }) => ({ deliveries, store: rewriteRecords(store, (r) => ({ ...r, state: { ...r.state, nonApprovers: [] } })) }),
  },
  /** An approval counts for whatever the head is now, not only for the SHA it approved. */
  "approvals not bound to the SHA": {
    stores: ({ store, deliveries }) => ({
      deliveries,
      store: rewriteRecords(store, (r) => ({ ...r, state: { ...r.state, approvals: r.state.approvals.map((a) => ({ ...a, sha: r.state.headSha })) } })),
    }),
  },
  /**
   * The gate knows a failure only from its webhook: a failing check or status whose delivery
   * never arrived is left out of what the app reads (GitHub still has it).
   */
  "a dropped failing check ignored": {
    stores: (stores) => ({ store: stores.store, deliveries: notingFailures(stores.deliveries, failuresDelivered(stores)) }),
    port: (port, stores) => {
      const delivered = failuresDelivered(stores);
      return {
        ...port,
        async readPull(repo, pullNumber, options) {
          const pull = await port.readPull(repo, pullNumber, options);
          const heard = (c: PullSnapshot["checks"][number]) => !c.completed || PASSING.has(c.conclusion ?? "") || delivered.has(`${pull.headSha} ${c.name}`);
          return { ...pull, checks: pull.checks.filter(heard) };
        },
      };
    },
  },
  /** Redeliveries are processed again: the inbox keeps no ids, and the history forgets which delivery recorded what. */
  "a duplicate delivery acting twice": {
    stores: ({ store, deliveries }) => ({ store: { ...store, eventsOfDelivery: async () => [] }, deliveries: forgetfulInbox(deliveries) }),
  },
};

function forgetfulInbox(inner: DeliveryStore): DeliveryStore {
  const payloads = new Map<string, StoredDelivery>();
  return {
    ...inner,
    async accept(delivery, now) {
      const claimed = { ...delivery, attempts: 1 };
      payloads.set(delivery.id, claimed);
      await inner.accept(delivery, now);
      return claimed;
    },
    async claim(id, now) {
      return (await inner.claim(id, now)) ?? payloads.get(id) ?? null;
    },
  };
}

/** Per history (its stores outlive replicas and restarts): "sha name" of each failing check delivered. */
const failuresByHistory = new WeakMap<DeliveryStore, Set<string>>();
function failuresDelivered(stores: { deliveries: DeliveryStore }): Set<string> {
  let set = failuresByHistory.get(stores.deliveries);
  if (!set) failuresByHistory.set(stores.deliveries, (set = new Set()));
  return set;
}

function notingFailures(inner: DeliveryStore, failures: Set<string>): DeliveryStore {
  return {
    ...inner,
    async accept(delivery, now) {
      const payload = JSON.parse(delivery.payload) as {
        check_run?: { head_sha: string; name: string; status: string; conclusion: string | null };
        sha?: string;
        context?: string;
        state?: string;
      };
      const run = delivery.event === "check_run" ? payload.check_run : undefined;
      if (run && run.status === "completed" && !PASSING.has(run.conclusion ?? "")) failures.add(`${run.head_sha} ${run.name}`);
      if (delivery.event === "status" && payload.state !== "pending" && payload.state !== "success") failures.add(`${payload.sha} ${payload.context}`);
      return inner.accept(delivery, now);
    },
  };
}
