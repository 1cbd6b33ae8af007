/**
 * Hostile or broken payloads: 100 seeded random mutations of every real example payload of each
 * event the app subscribes to (fields deleted, set to null, numbers, strings, arrays, objects,
 * huge strings), each correctly signed and sent through Probot's verification. None of them may
 * crash the pipeline (the handler never throws), write to the database, or call GitHub beyond
 * reading a repository's config (a mutated repository name is a repository the app has not seen):
 * they concern no upgrade. A failure names the seed, so it reproduces.
 *
 * Each payload goes through Probot (signature, then its context) and, separately, straight into
 * the processor: Probot itself refuses some payloads before any handler runs (an
 * `installation.id` that is not a number fails its authentication), which is Probot's answer,
 * not ours; the direct call shows that our pipeline copes with those payloads too.
 */
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitHubPort } from "../../src/github/port.js";
import { type TestApp, WEBHOOK_SECRET, createTestApp } from "../support/app.js";
import { API, nock, useNock } from "../support/nock.js";
import { FULL, INSTALLATION, OWNER, REPO, examples, sha } from "../support/payloads.js";
import { seedUpgrade } from "../support/seed.js";

const EVENTS = ["push", "pull_request", "pull_request_review", "issue_comment", "check_run", "check_suite", "status"] as const;
const MUTATIONS_PER_EXAMPLE = 100;
const BASE_SEED = 20261120;

/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are mutated blindly */
type Json = any;

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HUGE = "x".repeat(256 * 1024);
const VALUES: Array<(r: () => number) => unknown> = [
  () => null,
  () => 0,
  () => -1,
  () => 1.5,
  () => Number.MAX_SAFE_INTEGER + 2,
  () => 1e308,
  () => true,
  () => "",
  () => "🙂 ünïcödé \u0000 \u202e",
  () => "refs/heads/",
  () => "../../../etc/passwd",
  () => "<script>alert(1)</script>",
  () => sha("0"),
  () => "/approve\n/reject no\n/rollback",
  () => HUGE,
  (r) => String(Math.floor(r() * 1e9)),
  () => [],
  () => [null, 1, "a", {}],
  () => ({}),
  () => ({ login: 5, name: null, sha: [], full_name: {} }),
];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 300) : String(error);
}

function paths(value: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== "object") return out;
  for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
    const path = [...prefix, key];
    out.push(path);
    paths((value as Json)[key], path, out);
  }
  return out;
}

function mutate(payload: Json, r: () => number): { payload: Json; what: string[] } {
  const what: string[] = [];
  const count = 1 + Math.floor(r() * 4);
  for (let i = 0; i < count; i++) {
    const all = paths(payload);
    if (all.length === 0) break;
    const path = all[Math.floor(r() * all.length)]!;
    let parent = payload;
    for (const key of path.slice(0, -1)) parent = parent[key];
    const key = path[path.length - 1]!;
    if (parent === null || typeof parent !== "object") continue;
    const old = parent[key];
    const roll = r();
    if (roll < 0.25) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      what.push(`delete ${path.join(".")}`);
    } else if (roll < 0.35 && typeof old === "string") {
      parent[key] = old.length > 0 ? old.slice(0, Math.floor(r() * old.length)) : HUGE;
      what.push(`truncate ${path.join(".")}`);
    } else if (roll < 0.4 && old !== null && typeof old === "object") {
      parent[key] = Array.isArray(old) ? { ...old } : Object.values(old);
      what.push(`reshape ${path.join(".")}`);
    } else {
      const value = VALUES[Math.floor(r() * VALUES.length)]!(r);
      parent[key] = value;
      what.push(`${path.join(".")} = ${JSON.stringify(value)?.slice(0, 40)}`);
    }
  }
  return { payload, what };
}

/** The example, pointed at the test repository and installation, so it gets past the door. */
function aimed(example: Json): Json {
  const p = structuredClone(example);
  p.repository = { ...(p.repository ?? {}), name: REPO, full_name: FULL, private: true, default_branch: "main", owner: { ...(p.repository?.owner ?? {}), login: OWNER } };
  p.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  return p;
}

const { unmatched } = useNock();

describe("mutated real payloads", () => {
  let app: TestApp;
  let upgradeId: number;
  beforeAll(async () => {
    app = await createTestApp();
    // An upgrade the payloads do not concern: its lookups run, and must find nothing.
    upgradeId = await seedUpgrade(app.db, { pullNumber: 987_654, headSha: sha("d") });
    // The repository's config is known (no file: defaults), as after any first delivery.
    const port = { readConfig: async () => null } as unknown as GitHubPort;
    await app.queue.deps.configs.get(FULL, port, { owner: OWNER, repo: REPO });
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each(EVENTS)("%s: no crash, no write, no GitHub request", async (event) => {
    // Reading an unknown repository's config is the one request an irrelevant delivery may cost.
    nock(API).post(/\/app\/installations\/\d+\/access_tokens/).reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" }).persist();
    nock(API).get(/\/contents\/\.github(%2F|\/)upgrade-queue\.yml/).reply(404, { message: "Not Found" }).persist();
    const processor = app.queue.processor;
    const receive = processor.receive;
    const failures: string[] = [];
    let pipelineError: unknown = null;
    // The handler Probot calls is this same processor: record whatever it throws.
    processor.receive = async (delivery) => {
      try {
        return await receive(delivery);
      } catch (error) {
        pipelineError = error;
        throw error;
      }
    };
    const bases = examples(event).map(aimed);
    for (const [e, base] of bases.entries()) {
      for (let m = 0; m < MUTATIONS_PER_EXAMPLE; m++) {
        const seed = BASE_SEED + EVENTS.indexOf(event) * 1_000_000 + e * 1000 + m;
        const { payload, what } = mutate(structuredClone(base), prng(seed));
        const body = JSON.stringify(payload);
        const where = `seed ${seed} (${event} example ${e}: ${what.join("; ")})`;
        pipelineError = null;
        try {
          await app.probot.webhooks.verifyAndReceive({ id: randomUUID(), name: event as never, payload: body, signature: await sign(WEBHOOK_SECRET, body) });
        } catch (error) {
          // Probot refusing a payload before our handler ran is allowed; our handler throwing is not.
          if (pipelineError) failures.push(`${where} via Probot: ${messageOf(pipelineError)}`);
          else if (!/installationId option is required/.test(messageOf(error))) failures.push(`${where} in Probot: ${messageOf(error)}`);
        }
        try {
          await receive({ id: randomUUID(), name: event, payload: JSON.parse(body) });
        } catch (error) {
          failures.push(`${where} direct: ${messageOf(error)}`);
        }
        await processor.idle();
      }
    }
    processor.receive = receive;
    expect(failures.slice(0, 10)).toEqual([]);
    expect(unmatched).toEqual([]); // no request but config reads reached GitHub
    expect(await app.db.delivery.findMany({ select: { event: true, payload: true, error: true } }).then((rows) => rows.map((r) => ({ ...r, payload: r.payload.slice(0, 300) })))).toEqual([]);
    expect(await app.db.upgrade.count()).toBe(1);
    expect(await app.db.upgradeEvent.count()).toBe(1);
    expect(await app.db.approval.count()).toBe(0);
    expect(await app.db.repositoryState.count()).toBe(0);
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id: upgradeId } })).version).toBe(0);
  }, 120_000);
});
