/**
 * GitHub rate limits across replicas. When GitHub answers a request with a secondary rate limit
 * (403 or 429 with `retry-after`, or a "secondary rate limit" message) or an exhausted primary
 * limit (`x-ratelimit-remaining: 0`), the installation is paused in the database
 * (`InstallationState.pausedUntil`), so every replica holds back that installation's writes,
 * not only the one that was told. A write during a pause waits it out when it ends within
 * MAX_WAIT_MS, and is refused otherwise (the delivery or timer that made it is retried later).
 * Reads are not held back: they cost little and the pipeline needs them to decide.
 *
 * Probot's own throttling still spaces writes within one process; this adds what a process
 * cannot know alone.
 */
import type { ProbotOctokit } from "probot";
import type { InstallationStore } from "../store/installation-store.js";

/** Without `retry-after`, GitHub asks to wait at least a minute. */
const DEFAULT_PAUSE_MS = 60_000;
/** Longer pauses refuse writes instead of holding a delivery that long. */
export const MAX_WAIT_MS = 60_000;

export interface RateLimitPauseOptions {
  store: Pick<InstallationStore, "pausedUntil" | "pause">;
  log: { warn(obj: object, msg: string): void };
  /** Wall-clock time (rate limits are real time, whatever clock the pipeline uses). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class InstallationPausedError extends Error {
  constructor(
    readonly installationId: number,
    readonly until: Date,
  ) {
    super(`GitHub rate limit: writes for installation ${installationId} are paused until ${until.toISOString()}`);
    this.name = "InstallationPausedError";
  }
}

/** What a rate-limited answer looks like, wherever it was read. */
export interface Answer {
  status: number;
  headers: { get(name: string): string | null };
  message: string;
}

/** When a rate-limited answer says the installation may write again (ms), or null for any other answer. */
export function rateLimitEnd(answer: Answer, nowMs: number): number | null {
  if (answer.status !== 403 && answer.status !== 429) return null;
  const retryAfterText = answer.headers.get("retry-after");
  const retryAfter = Number(retryAfterText);
  if (retryAfterText !== null && retryAfterText.trim() !== "" && Number.isFinite(retryAfter) && retryAfter >= 0) return nowMs + retryAfter * 1000;
  if (/secondary rate limit|abuse detection/i.test(answer.message)) return nowMs + DEFAULT_PAUSE_MS;
  if (answer.headers.get("x-ratelimit-remaining") === "0") {
    const reset = Number(answer.headers.get("x-ratelimit-reset")) * 1000;
    return Number.isFinite(reset) && reset > nowMs ? reset : nowMs + DEFAULT_PAUSE_MS;
  }
  return null;
}

/** The app's own authentication (installation tokens, as the app's JWT): never paused. */
function isAppAuth(url: string | undefined): boolean {
  return /^(https?:\/\/[^/]+)?(\/api\/v3)?\/app(\/|$)/.test(url ?? "");
}

/** A write: any REST method but GET and HEAD; in GraphQL (always a POST), a mutation. */
function isWrite(method: string | undefined, url: string | undefined, query?: unknown): boolean {
  if (/\/graphql$/.test(url ?? "")) return typeof query !== "string" || /^\s*mutation\b/.test(query);
  const m = (method ?? "GET").toUpperCase();
  return m !== "GET" && m !== "HEAD";
}

/**
 * Adds the shared pause to an installation's Octokit; returns the same instance. The pause is
 * checked before a write (here, outermost, so a refusal reaches the caller as it is); answers
 * are read at the fetch underneath Octokit's retry and throttling plugins, so a rate-limited
 * attempt that the retry plugin absorbs still pauses the other replicas.
 */
export function withRateLimitPause(octokit: ProbotOctokit, installationId: number, options: RateLimitPauseOptions): ProbotOctokit {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function observe(response: Response, method: string, url: string): Promise<void> {
    const message = await response
      .clone()
      .text()
      .catch(() => "");
    const end = rateLimitEnd({ status: response.status, headers: response.headers, message }, now());
    if (end === null) return;
    const until = new Date(end);
    options.log.warn({ installationId, until: until.toISOString(), method, url }, "GitHub rate limit: pausing this installation's writes on every replica");
    await options.store.pause(installationId, until).catch((caught: unknown) => options.log.warn({ err: caught, installationId }, "could not record the rate-limit pause"));
  }

  octokit.hook.wrap("request", async (request, requestOptions) => {
    if (isAppAuth(requestOptions.url)) return request(requestOptions);
    if (isWrite(requestOptions.method, requestOptions.url, requestOptions.query)) {
      const until = await options.store.pausedUntil(installationId, new Date(now()));
      if (until) {
        const wait = until.getTime() - now();
        if (wait > MAX_WAIT_MS) throw new InstallationPausedError(installationId, until);
        if (wait > 0) await sleep(wait);
      }
    }
    const fetchImpl: typeof fetch = requestOptions.request?.fetch ?? globalThis.fetch;
    let attempts = 0;
    const observingFetch: typeof fetch = async (input, init) => {
      // A retry (Octokit's retry plugin) of a write waits for a pause recorded meanwhile.
      if (attempts++ > 0 && isWrite(requestOptions.method, requestOptions.url, requestOptions.query)) {
        const until = await options.store.pausedUntil(installationId, new Date(now()));
        const wait = until ? until.getTime() - now() : 0;
        if (wait > 0 && wait <= MAX_WAIT_MS) await sleep(wait);
      }
      const response = await fetchImpl(input, init);
      if (response.status === 403 || response.status === 429) await observe(response, String(init?.method ?? requestOptions.method), String(requestOptions.url));
      return response;
    };
    // Hooks share one options object per call (each is bound to it), so set the fetch on it.
    requestOptions.request = { ...requestOptions.request, fetch: observingFetch };
    return request(requestOptions);
  });
  return octokit;
}
