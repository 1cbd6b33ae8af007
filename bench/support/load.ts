/**
 * A closed-loop HTTP load generator over loopback: `concurrency` keep-alive connections, each
 * sending the next request as soon as the previous answer arrives, bounded both by a request
 * count and by a time limit (whichever comes first). Bodies are signed in advance, so the
 * client's own cost is the same for every server it drives and ratios between servers hold.
 */
import { Agent, request } from "node:http";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { sign } from "../../test/support/fake-github/index.js";
import { percentile } from "./report.js";

export interface SignedDelivery {
  event: string;
  body: Buffer;
  signature: string;
}

export function signDeliveries(secret: string, deliveries: ReadonlyArray<{ event: string; payload: object }>): SignedDelivery[] {
  return deliveries.map(({ event, payload }) => {
    const text = JSON.stringify(payload);
    return { event, body: Buffer.from(text), signature: sign(secret, text) };
  });
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Record<number, number>;
  /** Every request's latency in ms, sorted (to merge the rounds of a side-by-side run). */
  latencies: number[];
}

/** Several runs as one: counts and seconds added, percentiles over all latencies. */
export function mergeLoads(results: readonly LoadResult[]): LoadResult {
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  const statuses: Record<number, number> = {};
  for (const r of results) for (const [status, n] of Object.entries(r.statuses)) statuses[Number(status)] = (statuses[Number(status)] ?? 0) + n;
  const errors = results.reduce((sum, r) => sum + r.errors, 0);
  return { requests, errors, seconds, perSecond: requests / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses, latencies };
}

export async function runLoad(options: {
  url: string;
  deliveries: readonly SignedDelivery[];
  concurrency: number;
  maxRequests: number;
  maxSeconds: number;
  /** Called with the running count, every `every` requests (memory sampling). */
  progress?: { every: number; onProgress: (done: number) => Promise<void> | void };
}): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let issued = 0;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;
  let paused: Promise<void> | null = null;

  const send = (d: SignedDelivery) =>
    new Promise<number>((resolve) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": d.body.length,
            "user-agent": "GitHub-Hookshot/bench",
            "x-github-event": d.event,
            "x-github-delivery": randomUUID(),
            "x-github-hook-id": "1",
            "x-hub-signature-256": d.signature,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", () => resolve(0));
      req.end(d.body);
    });

  const worker = async () => {
    while (issued < options.maxRequests && performance.now() < deadline) {
      if (paused) await paused;
      const d = options.deliveries[issued % options.deliveries.length] as SignedDelivery;
      issued++;
      const t0 = performance.now();
      const status = await send(d);
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status < 200 || status >= 300) errors++;
      done++;
      if (options.progress && done % options.progress.every === 0) {
        // Hold the other workers while the callback samples (e.g. RSS at exactly N deliveries).
        let release = () => undefined as void;
        paused = new Promise<void>((r) => (release = r));
        await options.progress.onProgress(done);
        paused = null;
        release();
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: done, errors, seconds, perSecond: done / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses, latencies };
}
