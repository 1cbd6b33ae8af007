/**
 * The GitHub side of one generated history: the fake GitHub's state (real commits, trees,
 * branches, PRs, reviews, labels, comments, check runs, statuses), a virtual clock shared by
 * GitHub and the app, the webhook queue the history controls, the faults it injects, and what
 * the oracle needs to remember (who did what to which SHA, who pushed, every merge the app
 * asked for with GitHub's state at that moment).
 */
import { evaluateTestGate, type ObservedCheck } from "../../../src/domain/test-gate.js";
import { parseRepoConfig } from "../../../src/config/repo-config.js";
import type { RepoConfig } from "../../../src/config/repo-config.js";
import { latestRuns, latestStatuses } from "../fake-github/checks.js";
import { payloadFor } from "../fake-github/auto-deliver.js";
import type { Reply } from "../fake-github/http.js";
import type { InProcessRequest } from "../fake-github/in-process.js";
import { headShaOf, pullCommits, pullFiles } from "../fake-github/pulls.js";
import * as repos from "../fake-github/repos.js";
import { createState, getRepo, type Permission, type Pull, type Repo, type State } from "../fake-github/state.js";
import { isGuarded } from "../../../src/domain/head-facts.js";

export const REPO = "acme/widgets";
export const BOT = "upgrade-queue[bot]";
export const AGENT = "agent";
/** Everyone who acts in a history, with their permission on the repository. */
export const PEOPLE: ReadonlyArray<{ login: string; permission: Permission }> = [
  { login: "alice", permission: "admin" },
  { login: "bob", permission: "maintain" },
  { login: "carol", permission: "write" },
  { login: "dave", permission: "write" },
  { login: "erin", permission: "triage" },
  { login: "frank", permission: "read" },
  { login: AGENT, permission: "write" },
  { login: "renovate[bot]", permission: "write" },
];
/** How long the app may keep using a config after it changed (createConfigCache's TTL here). */
export const CONFIG_TTL_MS = 5 * 60_000;

export interface WebhookDelivery {
  id: string;
  name: string;
  payload: Record<string, unknown>;
}

export interface Fault {
  target: "merge" | "write" | "any";
  reply: Reply;
}

/** A person's decision as GitHub saw it: who, on which SHA (the head at that moment for comments). */
export interface Act {
  login: string;
  pull: number;
  sha: string;
  kind: "approve" | "reject";
  at: number;
}

/** A merge the app asked GitHub for, with GitHub's state at that moment (checked by the oracle). */
export interface MergeAudit {
  pull: number;
  sha: string;
  at: number;
  problems: string[];
}

export class World {
  readonly state: State;
  /** Virtual time (ms), from the wall clock at the start: Prisma's `updatedAt` is wall-clock time. */
  now = Date.now();
  queue: WebhookDelivery[] = [];
  faults: Fault[] = [];
  acts: Act[] = [];
  /** Everyone who pushed to a branch (pushers are never approvers). */
  pushers = new Map<string, Set<string>>();
  /** When each PR was opened (the earliest an auto-approval may count from). */
  openedAt = new Map<number, number>();
  /** The configs on the default branch, with when each took effect. */
  configs: Array<{ text: string | null; from: number }> = [];
  merges: MergeAudit[] = [];
  violations: string[] = [];
  /** Invariant 3 at the moment of a merge: what the app's database says (set by the harness). */
  appView: ((pull: number, sha: string) => Promise<string[]>) | null = null;
  private appViewAtMerge = new Map<number, string[]>();
  private nextDelivery = 1;
  /** Set while the harness replays a payload builder, so its own state changes are not queued twice. */
  muted = false;

  constructor(config: string | null) {
    this.state = createState("http://fake.invalid", { id: 1, clientId: "Iv1.model", clientSecret: "secret" });
    this.state.clock = () => this.now;
    repos.addRepo(this.state, { owner: "acme", name: "widgets", files: { "README.md": "# widgets\n", "src/app.ts": "export const v = 0;\n", "test/app.test.ts": "test\n" } });
    for (const p of PEOPLE) {
      repos.setUser(this.state, p.login, { type: p.login.endsWith("[bot]") ? "Bot" : "User" });
      repos.setCollaborator(this.state, REPO, p.login, p.permission);
    }
    if (config !== null) this.setConfig(config, "alice", false);
    else this.configs.push({ text: null, from: this.now });
    // The app's own writes (labels, comments, check runs, merges, closes) become webhooks too.
    this.state.onChange = (change) => {
      // The merge is audited as it happens: merging changes neither the head's checks nor the approvals.
      if (change.kind === "pull" && change.action === "closed" && this.pull(change.number).merged && change.actor === BOT) this.auditMerge(change.number, this.headOf(this.pull(change.number)));
      if (this.muted) return;
      const built = payloadFor(this.state, change);
      if (built) this.enqueue(built.event, built.payload);
    };
  }

  get repo(): Repo {
    return getRepo(this.state, REPO);
  }

  enqueue(name: string, payload: Record<string, unknown>): void {
    this.queue.push({ id: `d${this.nextDelivery++}`, name, payload });
  }

  /** A user action through a payload builder (which applies it to the state), queued as GitHub would. */
  act(name: string, build: () => Record<string, unknown>): void {
    this.muted = true;
    try {
      this.enqueue(name, build());
    } finally {
      this.muted = false;
    }
  }

  setConfig(text: string, by: string, deliver = true): void {
    repos.setConfig(this.state, REPO, text, by);
    this.configs.push({ text, from: this.now });
    if (deliver) this.act("push", () => this.payloads.push(REPO, "main"));
  }

  get payloads() {
    return payloadsOf(this.state);
  }

  pull(n: number): Pull {
    return this.repo.pulls.get(n) as Pull;
  }

  upgradePulls(): Pull[] {
    return [...this.repo.pulls.values()].filter((p) => p.headRef.startsWith("self-modify/"));
  }

  headOf(pull: Pull): string {
    return headShaOf(this.state, pull);
  }

  recordPush(branch: string, login: string): void {
    if (!this.pushers.has(branch)) this.pushers.set(branch, new Set());
    this.pushers.get(branch)?.add(login);
  }

  permissionOf(login: string): Permission {
    return PEOPLE.find((p) => p.login === login)?.permission ?? "none";
  }

  /**
   * The configs a decision about a PR may have been made under: every config in force since
   * `since` (the PR opened; an approval is decided under the config of its moment), and any
   * replaced within the cache TTL before that.
   */
  configsInForce(since = this.now): RepoConfig[] {
    const out: RepoConfig[] = [];
    for (let i = this.configs.length - 1; i >= 0; i--) {
      const entry = this.configs[i] as { text: string | null; from: number };
      const parsed = parseRepoConfig(entry.text);
      if (parsed.ok) out.push(parsed.config);
      if (entry.from <= since - CONFIG_TTL_MS) break;
    }
    return out;
  }

  /** Every check run (but the app's) and status on `sha`, as GitHub has them now. */
  checksOn(sha: string): ObservedCheck[] {
    const runs = latestRuns(this.repo.checkRuns.filter((r) => r.headSha === sha && r.appSlug !== "upgrade-queue")).sort((a, b) => a.id - b.id);
    const checks: ObservedCheck[] = runs.map((r) => ({ name: r.name, completed: r.status === "completed", conclusion: r.conclusion, url: null }));
    for (const s of latestStatuses(this.repo, sha)) checks.push({ name: s.context, completed: s.state !== "pending", conclusion: s.state, url: null });
    return checks;
  }

  /** Called for every request the app makes: injected faults first; a merge request reads the app's view. */
  async onRequest(request: InProcessRequest): Promise<Reply | undefined> {
    const write = request.method !== "GET";
    const merging = this.mergeTarget(request);
    const index = this.faults.findIndex((f) => f.target === "any" || (f.target === "write" && write) || (f.target === "merge" && merging !== null));
    if (index !== -1) {
      const [fault] = this.faults.splice(index, 1);
      return fault?.reply;
    }
    if (merging !== null && this.appView) this.appViewAtMerge.set(merging.pull, await this.appView(merging.pull, merging.sha));
    return undefined;
  }

  /** The PR (and SHA) a request merges, by REST or by GraphQL's mergePullRequest; null for other requests. */
  private mergeTarget(request: InProcessRequest): { pull: number; sha: string } | null {
    const rest = /\/repos\/acme\/widgets\/pulls\/(\d+)\/merge$/.exec(request.path.split("?")[0] ?? "");
    if (rest && request.method === "PUT") return { pull: Number(rest[1]), sha: (request.body as { sha?: string }).sha ?? "" };
    const body = request.body as { query?: unknown; variables?: Record<string, unknown> } | undefined;
    if (!request.path.endsWith("/graphql") || typeof body?.query !== "string" || !body.query.includes("mergePullRequest")) return null;
    const text = JSON.stringify(body.variables ?? {});
    const pull = [...this.repo.pulls.values()].find((p) => text.includes(p.nodeId) || body.query?.toString().includes(p.nodeId));
    return pull ? { pull: pull.number, sha: /[0-9a-f]{40}/.exec(text)?.[0] ?? "" } : null;
  }

  /** Invariants 1 and 2, as GitHub has things at the moment the app merges. */
  private auditMerge(n: number, sha: string): void {
    const pull = this.pull(n);
    const problems: string[] = [...(this.appViewAtMerge.get(n) ?? [`the app merged #${n} without a merge request the harness recognised`])];
    // The gate and the bypasses by the configs of this moment; approvals by those of their moment.
    const recent = this.configsInForce();
    const sinceOpened = this.configsInForce(this.openedAt.get(n) ?? this.now);
    const gates = recent.map((config) => this.gateProblem(sha, config));
    if (!gates.some((r) => r === null)) problems.push(...new Set(gates.map((r) => `#${n} ${r ?? ""}`)));
    const approvals = sinceOpened.map((config) => this.approvalProblem(pull, sha, config, false));
    const bypasses = recent.map((config) => this.approvalProblem(pull, sha, config, true));
    if (!approvals.some((r) => r === null) && !bypasses.some((r) => r === null)) problems.push(...new Set(approvals.map((r) => r ?? "")));
    this.merges.push({ pull: n, sha, at: this.now, problems });
  }

  /** Null when GitHub's test gate on `sha` is green under `config`, else why not. */
  gateProblem(sha: string, config: RepoConfig): string | null {
    const gate = evaluateTestGate(sha, this.checksOn(sha), config.requiredChecks);
    return gate.state === "passed" ? null : `merged at ${sha.slice(0, 7)} while GitHub's test gate was ${gate.state} (${gate.summary})`;
  }

  /** Null when `config` lets `sha` merge by approvals (or, with `bypass`, by a bypass only), else why not. */
  approvalProblem(pull: Pull, sha: string, config: RepoConfig, bypass: boolean): string | null {
    const files = pullFiles(this.state, this.repo, pull);
    const guarded = isGuarded(files.map((f) => f.filename), config.guardedPaths);
    const lines = files.reduce((sum, f) => sum + f.additions + f.deletions, 0);
    const excluded = new Set<string>([pull.user, ...(this.pushers.get(pull.headRef) ?? [])].map((l) => l.toLowerCase()));
    for (const c of pullCommits(this.state, this.repo, pull)) for (const l of [c.author, c.committer]) excluded.add(l.toLowerCase());
    const approvers = new Set<string>();
    for (const act of this.acts) {
      if (act.pull !== pull.number || act.sha !== sha || act.kind !== "approve") continue;
      const login = act.login.toLowerCase();
      if (login.endsWith("[bot]") || excluded.has(login)) continue;
      const permission = this.permissionOf(act.login);
      const listed = config.approvers.some((a) => a.toLowerCase() === login);
      const ok = guarded ? permission === "admin" || permission === "maintain" : listed || permission === "write" || permission === "maintain" || permission === "admin";
      if (ok) approvers.add(login);
    }
    const needed = guarded ? config.guardedApprovals : config.requiredApprovals;
    if (!bypass && approvers.size >= needed) return null;
    const head = this.state.commits.get(sha);
    const urgent = config.urgent.enabled && !guarded && lines <= config.urgent.maxDiffLines && /^Upgrade-Urgency:\s*urgent\s*$/im.test(head?.message ?? "");
    if (urgent && bypass) return null;
    const opened = this.openedAt.get(pull.number) ?? this.now;
    // Objections are left to the app's history: a rejection it never received cannot be known.
    const auto = config.autoApprove.enabled && !guarded && lines <= config.autoApprove.maxDiffLines && this.now - opened >= config.autoApprove.afterHours * 3_600_000;
    if (auto && bypass) return null;
    return `#${pull.number} merged at ${sha.slice(0, 7)} with ${approvers.size} of ${needed} eligible approvals of that SHA (${[...approvers].join(", ") || "none"}) and no bypass allowed`;
  }
}

import { createPayloads } from "../fake-github/payloads.js";
const payloadsCache = new WeakMap<State, ReturnType<typeof createPayloads>>();
function payloadsOf(state: State) {
  let p = payloadsCache.get(state);
  if (!p) payloadsCache.set(state, (p = createPayloads(state)));
  return p;
}
