/**
 * Status page latency at two database sizes: 100 and 100,000 upgrades (with 10 events each,
 * so 1,000,000 events at the large size), in a SQLite file. Prints `name: value unit` lines:
 * p50/p99 of the first page (HTML and JSON) and of the audit log's first page, and the ratio
 * large/small. Run with `npm run bench:status-page` (BENCH_REQUESTS to change N).
 *
 * Rows are seeded with one `INSERT ... SELECT` over a recursive CTE per table (seconds for a
 * million rows), in the text formats Prisma's SQLite adapter writes. The handler is the real
 * one, served by node:http on 127.0.0.1 and read with a bearer token (every repository).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createHttpHandler } from "../src/http/create-http-handler.js";
import type { DashboardActions } from "../src/http/dashboard-actions.js";
import { migrateDatabase } from "../src/store/migrate.js";
import { createPrismaClient, type Db } from "../src/store/prisma-client.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const EVENTS_PER_UPGRADE = 10;
const PENDING = 50;
const TOKEN = "bench-token";
const SIZES = [100, 100_000] as const;

const dashboard: DashboardActions = {
  canDecide: async () => false,
  decide: async () => ({ ok: false, status: 403, message: "bench" }),
  approvalsNeeded: async () => 1,
  canRollback: async () => false,
  rollback: async () => ({ ok: false, status: 403, message: "bench" }),
  canFreeze: async () => false,
  setFreeze: async () => ({ ok: false, status: 403, message: "bench" }),
};
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The SQL text of a timestamp `seconds` after 2026-01-01, as Prisma stores DateTime in SQLite. */
const sqlDate = (secondsExpr: string) => `strftime('%Y-%m-%dT%H:%M:%f', 1767225600 + (${secondsExpr}), 'unixepoch') || '+00:00'`;

async function seed(db: Db, upgrades: number): Promise<void> {
  const statuses = `CASE WHEN i > ${upgrades - PENDING} THEN (CASE i % 2 WHEN 0 THEN 'proposed' ELSE 'approved' END)
    ELSE (CASE i % 5 WHEN 0 THEN 'applied' WHEN 1 THEN 'rejected' WHEN 2 THEN 'expired' WHEN 3 THEN 'failed' ELSE 'rolled_back' END) END`;
  const diff = "--- a/src/agent.ts\\n+++ b/src/agent.ts\\n@@ -1,3 +1,3 @@\\n context\\n-old line\\n+new line\\n";
  await db.$executeRawUnsafe(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${upgrades})
    INSERT INTO "Upgrade" (installationId, repository, repositoryPrivate, pullNumber, status, title, description,
      branchName, baseBranch, headSha, approvedBy, filesChanged, diffPreview, testResults, additions, deletions,
      proposedAt, updatedAt)
    SELECT 1, 'acme/repo-' || (i % 20), i % 3 = 0, i, ${statuses}, 'Upgrade number ' || i,
      'An agent-written description of change ' || i, 'self-modify/change-' || i, 'main',
      printf('%040x', i), '["alice"]',
      '[{"filename":"src/agent.ts","status":"modified","additions":1,"deletions":1}]',
      replace('${diff}', '\\n', char(10)),
      '{"state":"passed","sha":"x","summary":"1 of 1 checks passed","checks":[{"name":"test","conclusion":"success","url":"https://ci.example/1"}]}',
      1, 1, ${sqlDate("i * 60")}, ${sqlDate("i * 60")}
    FROM n`);
  const events = upgrades * EVENTS_PER_UPGRADE;
  const batch = 200_000;
  for (let start = 0; start < events; start += batch) {
    const end = Math.min(events, start + batch);
    await db.$executeRawUnsafe(`
      WITH RECURSIVE n(i) AS (SELECT ${start} UNION ALL SELECT i + 1 FROM n WHERE i < ${end - 1})
      INSERT INTO "UpgradeEvent" (upgradeId, repository, pullNumber, type, actor, via, at, deliveryId, details)
      SELECT (i / ${EVENTS_PER_UPGRADE}) + 1, 'acme/repo-' || (((i / ${EVENTS_PER_UPGRADE}) + 1) % 20),
        (i / ${EVENTS_PER_UPGRADE}) + 1,
        CASE i % 4 WHEN 0 THEN 'upgrade.proposed' WHEN 1 THEN 'upgrade.tests_passed' WHEN 2 THEN 'upgrade.approved' ELSE 'upgrade.applied' END,
        CASE i % 3 WHEN 0 THEN 'alice' WHEN 1 THEN 'bob' ELSE 'agent-bot' END, 'review', ${sqlDate("i * 6")}, 'delivery-' || i, '{}'
      FROM n`);
  }
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function measure(url: string, headers: Record<string, string>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 50; i++) await (await fetch(url, { headers })).arrayBuffer();
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const line = (name: string, value: number, unit: string) => console.log(`${name}: ${value.toFixed(unit === "x" ? 2 : unit === "rows" ? 0 : 3)} ${unit}`);
const verdict = (name: string, pass: boolean, detail: string) => console.log(`target_${name}: ${pass ? "PASS" : "MISS"} (${detail})`);
const MAX_RATIO = 2;

async function run(size: number): Promise<Record<string, { p50: number; p99: number }>> {
  const dir = mkdtempSync(join(tmpdir(), "uq-bench-"));
  const url = `file:${join(dir, "bench.db")}`;
  await migrateDatabase(url);
  const db = createPrismaClient(url);
  const seedStart = performance.now();
  await seed(db, size);
  await db.$executeRawUnsafe("ANALYZE");
  line(`seed_seconds_${size}`, (performance.now() - seedStart) / 1000, "s");
  line(`upgrades_${size}`, await db.upgrade.count(), "rows");
  line(`events_${size}`, await db.upgradeEvent.count(), "rows");
  const handler = createHttpHandler({
    db,
    dashboard,
    log,
    env: { statusPageToken: TOKEN, publicUrl: "http://127.0.0.1", githubBaseUrl: "https://github.com", apiBaseUrl: "https://api.github.com" },
  });
  const server = createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const results = {
    queue_html: await measure(`${base}/self-modify/queue`, { ...auth, accept: "text/html" }),
    queue_json: await measure(`${base}/self-modify/queue.json`, { ...auth, accept: "application/json" }),
    events_json: await measure(`${base}/self-modify/events.json`, { ...auth, accept: "application/json" }),
    events_json_filtered: await measure(`${base}/self-modify/events.json?actor=bob&type=upgrade.applied`, { ...auth, accept: "application/json" }),
  };
  for (const [name, r] of Object.entries(results)) {
    line(`${name}_p50_${size}`, r.p50, "ms");
    line(`${name}_p99_${size}`, r.p99, "ms");
  }
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.$disconnect();
  rmSync(dir, { recursive: true, force: true });
  return results;
}

const [small, large] = [await run(SIZES[0]), await run(SIZES[1])];
for (const name of Object.keys(small)) {
  const s = small[name];
  const l = large[name];
  if (s && l) {
    line(`${name}_p50_ratio_${SIZES[1]}_vs_${SIZES[0]}`, l.p50 / s.p50, "x");
    line(`${name}_p99_ratio_${SIZES[1]}_vs_${SIZES[0]}`, l.p99 / s.p99, "x");
  }
}
// Target (issue "Benchmarks"): the status page and its JSON at 100,000 upgrades within 2x of 100.
for (const name of ["queue_html", "queue_json"]) {
  const s = small[name];
  const l = large[name];
  if (!s || !l) continue;
  const ratio = l.p50 / s.p50;
  verdict(`${name}_latency_ratio`, ratio <= MAX_RATIO, `p50 ${l.p50.toFixed(2)} ms at ${SIZES[1]} upgrades vs ${s.p50.toFixed(2)} ms at ${SIZES[0]}: ${ratio.toFixed(2)}x (want <= ${MAX_RATIO}x)`);
}
console.log("");
console.log("| page | p50 ms @100 | p50 ms @100,000 | ratio | p99 ms @100 | p99 ms @100,000 |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const name of Object.keys(small)) {
  const s = small[name];
  const l = large[name];
  if (s && l) console.log(`| ${name} | ${s.p50.toFixed(2)} | ${l.p50.toFixed(2)} | ${(l.p50 / s.p50).toFixed(2)} | ${s.p99.toFixed(2)} | ${l.p99.toFixed(2)} |`);
}
