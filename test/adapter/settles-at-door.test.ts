/**
 * What the webhook door may answer from the payload and the cached branch prefix alone, one row
 * per kind of delivery, on real payloads from @octokit/webhooks-examples. `prefix: null` is a
 * repository whose config is not cached: nothing that depends on the prefix settles.
 */
import { describe, expect, it } from "vitest";
import { routeDelivery } from "../../src/adapter/route-delivery.js";
import { settlesAtDoor } from "../../src/adapter/settles-at-door.js";
import { FULL, INSTALLATION, checkRun, comment, examples, labeled, pullRequest, push, review, sha } from "../support/payloads.js";

const BOT = "upgrade-queue[bot]";
const APP_ID = 4242;
const UPGRADE = "self-modify/teach";
const FEATURE = "feature/login";

/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are edited field by field */
type P = any;

function inRepo(p: P): P {
  p.repository = { ...p.repository, name: "agent", full_name: FULL, private: true, default_branch: "main" };
  p.installation = { id: INSTALLATION };
  return p;
}

function run(opts: { branch: string | null; pulls?: string[]; slug?: string; appId?: number; action?: string }): P {
  const p = checkRun({ head: sha("c"), name: "test", conclusion: "failure", appSlug: opts.slug });
  p.action = opts.action ?? "completed";
  const pulls = (opts.pulls ?? []).map((ref, i) => ({ number: i + 1, head: { ref, sha: sha("c") }, base: { ref: "main" } }));
  p.check_run.pull_requests = pulls;
  p.check_run.check_suite = { ...p.check_run.check_suite, head_branch: opts.branch, pull_requests: pulls };
  if (opts.appId !== undefined) p.check_run.app = { ...p.check_run.app, id: opts.appId };
  return p;
}

function suite(branch: string | null, pulls: string[] = []): P {
  const p = inRepo(examples("check_suite").find((e: P) => e.action === "completed"));
  p.check_suite = { ...p.check_suite, head_sha: sha("c"), head_branch: branch, pull_requests: pulls.map((ref) => ({ head: { ref } })), app: { ...p.check_suite.app, slug: "ci", id: 1 } };
  return p;
}

function status(branches: string[] | null): P {
  const p = inRepo(examples("status")[0]);
  p.sha = sha("c");
  p.branches = branches === null ? undefined : branches.map((name) => ({ name, commit: { sha: sha("c") }, protected: false }));
  return p;
}

function configPush(): P {
  const p = push({ branch: "main", after: sha("d"), message: "Config", pusher: "dev" });
  p.commits[0].modified = [".github/upgrade-queue.yml"];
  return p;
}

function fork(p: P): P {
  p.pull_request.head.repo = { ...p.pull_request.head.repo, full_name: "mallory/agent" };
  return p;
}

const pr = (action: string, branch: string, extra: Record<string, unknown> = {}) => pullRequest(action, { number: 7, branch, head: sha("a"), sender: "dev", ...extra });

type Row = { name: string; event: string; payload: P; prefix: string | null; settles: boolean };

const rows: Row[] = [
  // Events the app does not handle, and actions it never acts on.
  { name: "an event the app does not handle", event: "issues", payload: examples("issues")[0], prefix: null, settles: true },
  { name: "a check run re-requested", event: "check_run", payload: run({ branch: UPGRADE, action: "rerequested" }), prefix: null, settles: true },
  { name: "a comment without a command", event: "issue_comment", payload: comment({ number: 7, login: "alice", body: "Nice work" }), prefix: null, settles: true },
  { name: "an edited comment with a command", event: "issue_comment", payload: comment({ number: 7, login: "alice", body: "/approve", action: "edited" }), prefix: null, settles: true },
  // Pushes.
  { name: "a push to an unprefixed branch", event: "push", payload: push({ branch: FEATURE, after: sha("a"), message: "x", pusher: "dev" }), prefix: "self-modify/", settles: true },
  { name: "a push to a prefixed branch", event: "push", payload: push({ branch: UPGRADE, after: sha("a"), message: "x", pusher: "agent" }), prefix: "self-modify/", settles: false },
  { name: "a push to an unprefixed branch, config not cached", event: "push", payload: push({ branch: FEATURE, after: sha("a"), message: "x", pusher: "dev" }), prefix: null, settles: false },
  { name: "a push to a branch with the repository's own prefix", event: "push", payload: push({ branch: "agent/teach", after: sha("a"), message: "x", pusher: "agent" }), prefix: "agent/", settles: false },
  { name: "a push to the default branch", event: "push", payload: push({ branch: "main", after: sha("a"), message: "x", pusher: "dev" }), prefix: null, settles: true },
  { name: "a push to the default branch changing the config", event: "push", payload: configPush(), prefix: "self-modify/", settles: false },
  // Pull requests.
  { name: "a PR opened from an unprefixed branch", event: "pull_request", payload: pr("opened", FEATURE), prefix: "self-modify/", settles: true },
  { name: "a PR opened from a prefixed branch", event: "pull_request", payload: pr("opened", UPGRADE), prefix: "self-modify/", settles: false },
  { name: "a PR opened, config not cached", event: "pull_request", payload: pr("opened", FEATURE), prefix: null, settles: false },
  { name: "a PR closed unmerged from an unprefixed branch", event: "pull_request", payload: pr("closed", FEATURE), prefix: "self-modify/", settles: true },
  { name: "a PR merged from an unprefixed branch (may revert an upgrade)", event: "pull_request", payload: pr("closed", FEATURE, { merged: true }), prefix: "self-modify/", settles: false },
  { name: "a PR from a fork, prefixed branch", event: "pull_request", payload: fork(pr("opened", UPGRADE)), prefix: null, settles: true },
  { name: "a PR synchronized by the app itself", event: "pull_request", payload: pr("synchronize", UPGRADE, { sender: BOT }), prefix: null, settles: true },
  // Reviews, labels, comments.
  { name: "a review on an unprefixed PR", event: "pull_request_review", payload: review({ number: 7, branch: FEATURE, head: sha("a"), reviewer: "alice", state: "approved" }), prefix: "self-modify/", settles: true },
  { name: "a review on a prefixed PR", event: "pull_request_review", payload: review({ number: 7, branch: UPGRADE, head: sha("a"), reviewer: "alice", state: "approved" }), prefix: "self-modify/", settles: false },
  { name: "a review, config not cached", event: "pull_request_review", payload: review({ number: 7, branch: FEATURE, head: sha("a"), reviewer: "alice", state: "approved" }), prefix: null, settles: false },
  { name: "a decision label on an unprefixed PR", event: "pull_request", payload: labeled({ number: 7, branch: FEATURE, head: sha("a"), login: "alice", label: "upgrade:approved" }), prefix: "self-modify/", settles: true },
  { name: "a decision label on a prefixed PR", event: "pull_request", payload: labeled({ number: 7, branch: UPGRADE, head: sha("a"), login: "alice", label: "upgrade:approved" }), prefix: "self-modify/", settles: false },
  { name: "the app's own label on a prefixed PR", event: "pull_request", payload: labeled({ number: 7, branch: UPGRADE, head: sha("a"), login: BOT, label: "upgrade:approved", type: "Bot" }), prefix: null, settles: true },
  { name: "a command comment (the database knows its PR)", event: "issue_comment", payload: comment({ number: 7, login: "alice", body: "/approve" }), prefix: "self-modify/", settles: false },
  // Check runs and suites, statuses.
  { name: "a check run naming an unprefixed branch", event: "check_run", payload: run({ branch: FEATURE, pulls: [FEATURE] }), prefix: "self-modify/", settles: true },
  { name: "a check run created naming an unprefixed branch", event: "check_run", payload: run({ branch: FEATURE, action: "created" }), prefix: "self-modify/", settles: true },
  { name: "a check run naming a prefixed branch", event: "check_run", payload: run({ branch: UPGRADE }), prefix: "self-modify/", settles: false },
  { name: "a check run whose PR list names a prefixed branch", event: "check_run", payload: run({ branch: FEATURE, pulls: [FEATURE, UPGRADE] }), prefix: "self-modify/", settles: false },
  { name: "a check run naming no branch", event: "check_run", payload: run({ branch: null }), prefix: "self-modify/", settles: false },
  { name: "a check run, config not cached", event: "check_run", payload: run({ branch: FEATURE }), prefix: null, settles: false },
  { name: "the app's own check run, by slug", event: "check_run", payload: run({ branch: UPGRADE, slug: "upgrade-queue" }), prefix: null, settles: true },
  { name: "the app's own check run, by app id", event: "check_run", payload: run({ branch: UPGRADE, appId: APP_ID }), prefix: null, settles: true },
  { name: "a check suite naming an unprefixed branch", event: "check_suite", payload: suite(FEATURE, [FEATURE]), prefix: "self-modify/", settles: true },
  { name: "a check suite naming a prefixed branch", event: "check_suite", payload: suite(UPGRADE), prefix: "self-modify/", settles: false },
  { name: "a check suite naming no branch", event: "check_suite", payload: suite(null), prefix: "self-modify/", settles: false },
  { name: "a status on unprefixed branches only", event: "status", payload: status(["main", FEATURE]), prefix: "self-modify/", settles: true },
  { name: "a status on a prefixed branch too", event: "status", payload: status([FEATURE, UPGRADE]), prefix: "self-modify/", settles: false },
  { name: "a status naming no branch", event: "status", payload: status([]), prefix: "self-modify/", settles: false },
  { name: "a status without branches", event: "status", payload: status(null), prefix: "self-modify/", settles: false },
  { name: "a status with a full list of ten (may be cut short)", event: "status", payload: status(Array.from({ length: 10 }, (_, i) => `feature/${i}`)), prefix: "self-modify/", settles: false },
];

describe("settlesAtDoor", () => {
  it.each(rows)("$name: settles=$settles", ({ event, payload, prefix, settles }) => {
    expect(settlesAtDoor(routeDelivery(event, payload, BOT, APP_ID), prefix)).toBe(settles);
  });
});
