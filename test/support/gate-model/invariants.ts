/**
 * The gate's invariants (docs/verification.md), checked against GitHub as the fake has it and the
 * app's database as its store has it. Each check throws an Error naming what broke; the return
 * value counts the checks made (for `npm run verify`'s figures).
 */
import { parseRepoConfig } from "../../../src/config/repo-config.js";
import { isAncestor, readTree } from "../fake-github/git.js";
import type { Harness } from "./harness.js";
import type { EventView, UpgradeView } from "./stores.js";

export interface Snapshot {
  /** Event ids per upgrade, as last seen: the history only grows. */
  events: Map<number, number[]>;
}

function fail(message: string): never {
  throw new Error(`invariant broken: ${message}`);
}


/** Invariants 1, 2, 3, 5 and 6: after every step. */
export async function checkStep(h: Harness): Promise<number> {
  const w = h.world;
  let checks = 0;
  // 1, 2 and 3 at the moment of each merge the app made (audited when it asked GitHub).
  for (const audit of w.merges) {
    checks++;
    if (audit.problems.length > 0) fail(audit.problems.join("; "));
  }
  const upgrades = await h.view.upgrades();
  const events = await h.view.events();
  const byUpgrade = new Map<number, EventView[]>();
  for (const e of events) if (e.upgradeId !== null) byUpgrade.set(e.upgradeId, [...(byUpgrade.get(e.upgradeId) ?? []), e]);
  // 3: at most one merge per upgrade.
  for (const [id, list] of byUpgrade) {
    checks++;
    if (list.filter((e) => e.type === "upgrade.applied").length > 1) fail(`upgrade ${id} was applied twice`);
  }
  // 5: the history only grows; one delivery records an event once; every event has an actor and a via.
  const next = new Map<number, number[]>();
  for (const u of upgrades) next.set(u.id, (byUpgrade.get(u.id) ?? []).map((e) => e.id));
  for (const [id, before] of h.snapshot.events) {
    checks++;
    const now = next.get(id);
    if (!now) continue; // pruned as a whole
    if (before.some((eventId, i) => now[i] !== eventId)) fail(`upgrade ${id}'s history was rewritten`);
  }
  h.snapshot.events = next;
  const seen = new Set<string>();
  for (const e of events) {
    checks++;
    if (!e.actor || !e.via) fail(`event ${e.id} (${e.type}) has no actor or via`);
    if (e.deliveryId === null) continue;
    const key = `${e.deliveryId}|${e.upgradeId}|${e.type}|${e.details}`;
    if (seen.has(key)) fail(`delivery ${e.deliveryId} recorded ${e.type} ${e.details} twice on upgrade ${e.upgradeId}`);
    seen.add(key);
  }
  checks += checkHeads(h, upgrades);
  // 6: previousSha is the merge commit's first parent; a rollback restores exactly its tree.
  for (const u of upgrades) {
    if (u.mergeCommitSha && u.previousSha) {
      checks++;
      const parent = w.state.commits.get(u.mergeCommitSha)?.parents[0];
      if (parent !== u.previousSha) fail(`upgrade #${u.pullNumber}: previousSha ${u.previousSha.slice(0, 7)} is not the first parent (${parent?.slice(0, 7)}) of merge commit ${u.mergeCommitSha.slice(0, 7)}`);
    }
    if (u.rollbackSha && u.previousSha) {
      checks++;
      const tree = (sha: string) => [...readTree(w.state, w.state.commits.get(sha)?.tree ?? "")].sort().join("\n");
      if (tree(u.rollbackSha) !== tree(u.previousSha)) fail(`upgrade #${u.pullNumber}: the rollback commit's tree is not previousSha's`);
    }
  }
  return checks;
}

/** The head never goes back to an older commit (branches only move forward in these histories). */
export function checkHeads(h: Harness, upgrades: UpgradeView[]): number {
  for (const u of upgrades) {
    const before = h.heads.get(u.id);
    if (before && before !== u.headSha && isAncestor(h.world.state, u.headSha, before)) {
      fail(`upgrade #${u.pullNumber}'s head went back from ${before.slice(0, 7)} to ${u.headSha.slice(0, 7)}`);
    }
    h.heads.set(u.id, u.headSha);
  }
  return upgrades.length;
}

const MERGED = ["applied", "rolled_back"];
const CLOSED = ["rejected", "expired", "failed"];
const OPEN = ["proposed", "approved", "failed"];

/** Invariant 4: at quiescence the database agrees with GitHub. */
export async function checkQuiescent(h: Harness): Promise<number> {
  const w = h.world;
  let checks = 0;
  const upgrades = await h.view.upgrades();
  const valid = parseRepoConfig(w.configs[w.configs.length - 1]?.text ?? null).ok;
  for (const pull of w.upgradePulls()) {
    const u = upgrades.find((x) => x.pullNumber === pull.number);
    const where = `#${pull.number} (${pull.merged ? "merged" : pull.state} on GitHub)`;
    if (!u) {
      checks++;
      if (pull.state === "open" && valid && w.repo.branches.has(pull.headRef)) fail(`${where} has no upgrade after reconciliation`);
      continue;
    }
    if (!valid) continue; // an invalid config: the app takes no action until it is fixed
    checks += 4;
    const expected = pull.merged ? MERGED : pull.state === "closed" ? CLOSED : OPEN;
    if (!expected.includes(u.status)) fail(`${where} is \`${u.status}\` in the database`);
    const stateLabels = pull.labels.filter((l) => l.startsWith("upgrade:"));
    if (stateLabels.length !== 1 || stateLabels[0] !== `upgrade:${u.status}`) fail(`${where} is \`${u.status}\` but has labels [${stateLabels.join(", ")}]`);
    const head = w.headOf(pull);
    // Two PRs from one branch share a head, and its one check run (the app adopts the one it finds).
    const runs = w.repo.checkRuns.filter((r) => r.headSha === head && r.name === "Upgrade Queue");
    if ((pull.state === "open" && runs.length !== 1) || runs.length > 1) fail(`${where} has ${runs.length} Upgrade Queue check runs on its head ${head.slice(0, 7)}`);
  }
  return checks;
}
