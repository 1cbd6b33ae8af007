/**
 * One history: the world (GitHub), the app (one or two replicas over the same stores), and the
 * commands applied to them, with invariants 1-6 of docs/verification.md checked after every
 * step and at quiescence (invariants.ts).
 */
import { reconcile } from "../../../src/timers/reconcile.js";
import { sweep } from "../../../src/timers/sweep.js";

import { createCheckRun, updateCheckRun } from "../fake-github/checks.js";
import { GitHubError, closePull, headRewritten, mergePull, nothingToMerge, openPull, reopenBlockedBy, reopenPull } from "../fake-github/pulls.js";
import * as repos from "../fake-github/repos.js";
import type { Pull } from "../fake-github/state.js";
import { type Breakage, type ModelApp, type Stores, createModelApp } from "./app.js";
import { COMMENTS, CONFIGS, type Command } from "./commands.js";
import { checkHeads, checkQuiescent, checkStep, type Snapshot } from "./invariants.js";
import type { StoreView } from "./stores.js";
import { AGENT, PEOPLE, REPO, type WebhookDelivery, World } from "./world.js";

export interface Counters {
  commands: number;
  checks: number;
  /** Merges the app made (each audited by invariants 1-3). */
  merges: number;
}

const FAULT_MESSAGES: Record<number, { message: string; headers?: Record<string, string> }> = {
  500: { message: "Server Error" },
  502: { message: "Bad Gateway" },
  409: { message: "Head branch was modified. Review and try the merge again." },
  405: { message: "Pull Request is not mergeable" },
  403: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", headers: { "retry-after": "60" } },
  429: { message: "API rate limit exceeded", headers: { "retry-after": "60", "x-ratelimit-remaining": "0" } },
};

export class Harness {
  readonly world: World;
  app: ModelApp;
  readonly replica: ModelApp;
  snapshot: Snapshot = { events: new Map() };
  /** Each upgrade's head as last seen. */
  heads = new Map<number, string>();

  constructor(
    readonly stores: Stores,
    readonly view: StoreView,
    readonly breakage: Breakage,
    readonly counters: Counters,
    initialConfig = 0,
  ) {
    this.world = new World(CONFIGS[initialConfig] ?? null);
    this.app = createModelApp(this.world, stores, breakage);
    this.replica = createModelApp(this.world, stores, breakage);
    this.world.appView = async (n, sha) => {
      const upgrade = (await view.upgrades()).find((u) => u.pullNumber === n);
      if (!upgrade) return [`the app merged #${n}, which it has no upgrade for`];
      if (upgrade.status !== "approved" || upgrade.mergeClaimSha !== sha) return [`the app merged #${n} at ${sha.slice(0, 7)} while its upgrade is ${upgrade.status} with merge claim ${upgrade.mergeClaimSha ?? "none"}`];
      return [];
    };
  }

  /** Closed, unmerged upgrade PRs a person can reopen: GitHub refuses one whose branch another open PR heads. */
  private reopenable(): Pull[] {
    return this.world.upgradePulls().filter((p) => p.state === "closed" && !p.merged && !reopenBlockedBy(this.world.repo, p) && !headRewritten(this.world.state, p) && !nothingToMerge(this.world.state, this.world.repo, p));
  }

  private pullAt(i: number, open?: boolean): Pull | null {
    const pulls = this.world.upgradePulls().filter((p) => open === undefined || (p.state === "open") === open);
    return pulls.length === 0 ? null : (pulls[i % pulls.length] as Pull);
  }

  private branchName(i: number): string {
    return `self-modify/b${i}`;
  }

  /** The precondition of each command (fast-check's `check`). */
  can(c: Command): boolean {
    switch (c.k) {
      case "agentPush":
      case "pushBase":
      case "time":
      case "config":
      case "reconcile":
      case "fault":
        return true;
      case "agentOpensPull": {
        const branch = this.branchName(c.branch);
        return this.world.repo.branches.has(branch) && !this.world.upgradePulls().some((p) => p.state === "open" && p.headRef === branch);
      }
      case "review":
      case "reviewsAroundPush":
      case "comment":
      case "label":
      case "close":
      case "mergeByHand":
        return this.pullAt(c.pull, true) !== null;
      case "ci":
      case "ciSuite":
        return this.pullAt(c.pull) !== null;
      case "reopen":
        return this.reopenable().length > 0;
      case "deliver":
      case "crash":
      case "deliverAll":
        return this.world.queue.length > 0;
      case "concurrent":
        return this.world.queue.length > 1;
    }
  }

  async run(c: Command): Promise<void> {
    this.counters.commands++;
    await this.apply(c);
    await this.settle();
    for (const p of this.world.upgradePulls()) if (!this.world.openedAt.has(p.number)) this.world.openedAt.set(p.number, this.world.now);
    this.counters.checks += await checkStep(this);
  }

  private async settle(): Promise<void> {
    await this.app.processor.idle();
    await this.replica.processor.idle();
  }

  private async apply(c: Command): Promise<void> {
    const w = this.world;
    w.now += 1_000; // every step takes a second
    switch (c.k) {
      case "agentPush": {
        const branch = this.branchName(c.branch);
        const file = c.guarded ? ".github/workflows/ci.yml" : c.conflict ? "README.md" : `src/b${c.branch}.ts`;
        const content = Array.from({ length: c.lines }, (_, i) => `line ${i} @${w.now}`).join("\n");
        const message = `Change ${branch}\n\nWhy it helps.${c.urgent ? "\n\nUpgrade-Urgency: urgent" : ""}`;
        repos.pushCommit(w.state, { repo: REPO, branch, message, files: { [file]: content }, author: c.coauthor ? "carol" : AGENT, committer: AGENT, pusher: AGENT });
        w.recordPush(branch, AGENT);
        w.act("push", () => w.payloads.push(REPO, branch));
        const open = w.upgradePulls().find((p) => p.state === "open" && p.headRef === branch);
        if (open) w.act("pull_request", () => w.payloads.pullRequest("synchronize", REPO, open.number, AGENT));
        return;
      }
      case "agentOpensPull": {
        try {
          const pull = openPull(w.state, w.repo, { head: this.branchName(c.branch), title: `Agent's ${c.branch}`, body: "Please merge", user: AGENT });
          w.act("pull_request", () => w.payloads.pullRequest("opened", REPO, pull.number, AGENT));
        } catch (error) {
          if (!(error instanceof GitHubError)) throw error; // no commits between main and the branch
        }
        return;
      }
      case "review":
        return this.review(this.pullAt(c.pull, true) as Pull, c.who, c.approve, c.old);
      case "reviewsAroundPush": {
        // Approvals must be of the SHA they approved: one is recorded, the agent pushes, and a
        // second reviewer approves the new head (under requiredApprovals: 2 that is one of two).
        const pull = this.pullAt(c.pull, true) as Pull;
        this.review(pull, c.first, true, false);
        await this.apply({ k: "deliverAll" });
        await this.settle();
        if (pull.state !== "open") return; // the deliveries closed it (a /reject among them)
        const branch = Number(pull.headRef.slice(pull.headRef.lastIndexOf("b") + 1));
        await this.apply({ k: "agentPush", branch, lines: 5, guarded: false, urgent: false, coauthor: false, conflict: false });
        this.review(pull, c.second, true, false);
        return;
      }
      case "comment": {
        const pull = this.pullAt(c.pull, true) as Pull;
        const login = PEOPLE[c.who % PEOPLE.length]?.login as string;
        const body = COMMENTS[c.text % COMMENTS.length] as string;
        if (c.action === "created" && (body === "/approve" || body.startsWith("/reject"))) {
          w.acts.push({ login, pull: pull.number, sha: w.headOf(pull), kind: body === "/approve" ? "approve" : "reject", at: w.now });
        }
        w.act("issue_comment", () => w.payloads.issueComment(c.action, REPO, pull.number, login, body));
        return;
      }
      case "label": {
        const pull = this.pullAt(c.pull, true) as Pull;
        const login = PEOPLE[c.who % PEOPLE.length]?.login as string;
        const name = c.approve ? "upgrade:approved" : "upgrade:rejected";
        if (c.add) w.acts.push({ login, pull: pull.number, sha: w.headOf(pull), kind: c.approve ? "approve" : "reject", at: w.now });
        w.act("pull_request", () => w.payloads.label(c.add ? "labeled" : "unlabeled", REPO, pull.number, login, name));
        return;
      }
      case "close": {
        const pull = this.pullAt(c.pull, true) as Pull;
        closePull(w.state, pull);
        w.act("pull_request", () => w.payloads.pullRequest("closed", REPO, pull.number, PEOPLE[c.who % PEOPLE.length]?.login as string));
        return;
      }
      case "reopen": {
        const closed = this.reopenable();
        const pull = closed[c.pull % closed.length] as Pull;
        reopenPull(w.state, w.repo, pull);
        w.act("pull_request", () => w.payloads.pullRequest("reopened", REPO, pull.number, PEOPLE[c.who % PEOPLE.length]?.login as string));
        return;
      }
      case "mergeByHand": {
        const pull = this.pullAt(c.pull, true) as Pull;
        const login = PEOPLE[c.who % 2]?.login as string; // alice or bob
        try {
          mergePull(w.state, w.repo, pull, { by: login, method: "merge" });
        } catch (error) {
          if (error instanceof GitHubError) return; // conflicts: GitHub's button is grey
          throw error;
        }
        w.act("pull_request", () => w.payloads.pullRequest("closed", REPO, pull.number, login));
        w.act("push", () => w.payloads.push(REPO, "main"));
        return;
      }
      case "pushBase": {
        const file = c.conflict ? "README.md" : `docs/n${w.now}.md`;
        repos.pushCommit(w.state, { repo: REPO, branch: "main", message: "Base moves on", files: { [file]: `base @${w.now}\n` }, author: "bob" });
        w.act("push", () => w.payloads.push(REPO, "main"));
        return;
      }
      case "ci":
        return this.reportCi(c);
      case "ciSuite":
        for (const check of ["test", "lint", "ci/status"] as const) this.reportCi({ k: "ci", pull: c.pull, old: false, check, outcome: check === c.failing ? "failure" : "success" });
        return;
      case "deliver":
        return this.deliverOne(c.index, c.mode);
      case "deliverAll":
        while (w.queue.length > 0) await this.deliverOne(0, "deliver");
        return;
      case "concurrent": {
        const a = w.queue.splice(c.a % w.queue.length, 1)[0] as WebhookDelivery;
        const b = w.queue.splice(c.b % w.queue.length, 1)[0] as WebhookDelivery;
        await Promise.all([this.app.processor.receive(a), (c.replica ? this.replica : this.app).processor.receive(b)]);
        return;
      }
      case "fault": {
        const { message, headers } = FAULT_MESSAGES[c.status] as { message: string; headers?: Record<string, string> };
        for (let i = 0; i < c.count; i++) w.faults.push({ target: c.target, reply: { status: c.status, body: { message }, headers } });
        return;
      }
      case "time":
        w.now += c.minutes * 60_000;
        await sweep(this.app.deps, this.app.processor);
        return;
      case "config":
        w.setConfig(CONFIGS[c.variant % CONFIGS.length] as string, "alice");
        return;
      case "crash": {
        // The process stored the delivery, answered GitHub, and died before processing it.
        const d = w.queue.splice(c.index % w.queue.length, 1)[0] as WebhookDelivery;
        await this.app.deps.deliveries.accept({ id: d.id, event: d.name, installationId: 1, payload: JSON.stringify(d.payload) }, new Date(w.now));
        this.app = createModelApp(w, this.stores, this.breakage);
        return;
      }
      case "reconcile":
        await reconcile(this.app.deps, [1]);
        return;
    }
  }

  private async deliverOne(index: number, mode: "deliver" | "redeliver" | "resend" | "drop" | "delay"): Promise<void> {
    const w = this.world;
    const i = index % w.queue.length;
    const d = w.queue[i] as WebhookDelivery;
    if (mode === "delay") {
      w.queue.splice(i, 1);
      w.queue.push(d);
      return;
    }
    w.queue.splice(i, 1);
    if (process.env.GATE_LOG) console.error(`${mode} ${d.id} ${d.name}.${String(d.payload.action ?? "")}`);
    if (mode === "drop") return;
    await this.app.processor.receive(d);
    if (mode === "redeliver") w.queue.push(d); // GitHub's redelivery: same id
    if (mode === "resend") w.enqueue(d.name, d.payload); // the same event sent again as a new delivery
  }

  private review(pull: Pull, who: number, approve: boolean, old: boolean): void {
    const w = this.world;
    const login = PEOPLE[who % PEOPLE.length]?.login as string;
    const head = w.headOf(pull);
    const sha = old ? (w.state.commits.get(head)?.parents[0] ?? head) : head;
    if (approve) w.acts.push({ login, pull: pull.number, sha, kind: "approve", at: w.now });
    w.act("pull_request_review", () => w.payloads.review(REPO, pull.number, login, approve ? "approved" : "changes_requested", sha));
  }

  private reportCi(c: Extract<Command, { k: "ci" }>): void {
    const w = this.world;
    const pull = this.pullAt(c.pull) as Pull;
    const head = w.headOf(pull);
    const sha = c.old ? (w.state.commits.get(head)?.parents[0] ?? head) : head;
    if (c.check === "ci/status") {
      const state = c.outcome === "pending" ? "pending" : c.outcome;
      w.act("status", () => w.payloads.status(REPO, sha, "ci/status", state));
      return;
    }
    const existing = [...w.repo.checkRuns].reverse().find((r) => r.headSha === sha && r.name === c.check && r.appSlug === "ci");
    const status = c.outcome === "pending" ? "in_progress" : "completed";
    const conclusion = c.outcome === "pending" ? null : c.outcome;
    // A run still going is completed; a finished one is re-run (a new run of the same name).
    const run =
      existing && existing.status !== "completed"
        ? (updateCheckRun(w.state, existing, { status, conclusion }), existing)
        : createCheckRun(w.state, w.repo, { name: c.check, headSha: sha, status, conclusion, appSlug: "ci", detailsUrl: null });
    w.act("check_run", () => w.payloads.checkRun(status === "completed" ? "completed" : "created", REPO, run.id));
  }

  /** Deliver everything, do what the sweep owes, reconcile once, deliver what that caused. */
  async quiesce(): Promise<void> {
    const w = this.world;
    w.faults = [];
    for (let round = 0; round < 3; round++) {
      while (w.queue.length > 0) {
        await this.deliverOne(0, "deliver");
        await this.settle();
        this.counters.checks += checkHeads(this, await this.view.upgrades());
      }
      w.now += 60_000; // lets the claims of failed deliveries, owed effects and check-run creations lapse, and recent changes settle (reconcile.ts)
      await sweep(this.app.deps, this.app.processor);
      await this.settle();
    }
    // Reconciliation leaves a label whose upgrade changed in the last two minutes to that change's
    // pass (reconcile.ts); the look quiescence ends with comes after that, as a periodic one would.
    w.now += 3 * 60_000;
    await reconcile(this.app.deps, [1]);
    await this.settle();
    while (w.queue.length > 0) {
      await this.deliverOne(0, "deliver");
      await this.settle();
    }
    this.counters.checks += await checkStep(this);
    this.counters.checks += await checkQuiescent(this);
  }
}

