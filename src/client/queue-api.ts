/**
 * The app's side of the conversation: `queue.json` (CONTRACT §6) read with STATUS_PAGE_TOKEN.
 * `status` finds the upgrade of a branch, `waitForDecision` polls it until it is decided.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { TERMINAL_STATES } from "../domain/types.js";
import type { UpgradeJson } from "../http/upgrade-json.js";
import { UpgradeQueueError } from "./errors.js";
import { describeIssues, ListInput, StatusInput } from "./schemas.js";

/** An upgrade as the app's JSON describes it (CONTRACT §6 "Upgrade JSON fields"). */
export type Upgrade = UpgradeJson;

export interface QueueList {
  pendingCount: number;
  upgrades: Upgrade[];
}

export interface QueueTarget {
  /** The app's base URL, without a trailing slash. */
  url: string;
  token: string | undefined;
}

export interface WaitOptions {
  /** Give up (error `timeout`) after this many ms. Default: one hour. */
  timeoutMs?: number;
  /** Abort the wait (error `aborted`). */
  signal?: AbortSignal;
  /** Time between two reads of the queue. Default 5000 ms. */
  pollIntervalMs?: number;
  /** Called after each read that did not end the wait: the upgrade (null before the app has it), or the error that will be retried. */
  onProgress?: (progress: { upgrade: Upgrade | null; error?: UpgradeQueueError }) => void;
}

const REQUEST_TIMEOUT_MS = 30_000;

export async function listWith(target: QueueTarget, raw: ListInput = {}, signal?: AbortSignal): Promise<QueueList> {
  const input = parse(ListInput, raw);
  const query = new URLSearchParams();
  if (input.repository) query.set("repo", input.repository);
  if (input.status) query.set("status", input.status);
  if (input.branch) query.set("branch", input.branch);
  return fetchQueue(target, query, signal);
}

/** The upgrade of this branch (the open one, else the latest), or null when the app has none (yet). */
export async function statusWith(target: QueueTarget, raw: StatusInput, signal?: AbortSignal): Promise<Upgrade | null> {
  const input = parse(StatusInput, raw);
  const query = new URLSearchParams({ repo: input.repository, branch: input.branch });
  const { upgrades } = await fetchQueue(target, query, signal);
  // Pending upgrades come first, then history newest first: the first match is the current one.
  return upgrades.find((u) => input.sha === undefined || u.headSha === input.sha) ?? null;
}

export function isDecided(upgrade: Upgrade): boolean {
  return (TERMINAL_STATES as readonly string[]).includes(upgrade.status);
}

export async function waitWith(target: QueueTarget, raw: StatusInput, options: WaitOptions = {}): Promise<Upgrade> {
  const input = parse(StatusInput, raw);
  const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
  const interval = Math.max(50, options.pollIntervalMs ?? 5000);
  let last: Upgrade | null = null;
  for (;;) {
    if (options.signal?.aborted) throw aborted(input.branch, last);
    let error: UpgradeQueueError | undefined;
    try {
      last = await statusWith(target, input, options.signal);
      if (last && isDecided(last)) return last;
    } catch (caught) {
      // The app restarting or briefly unreachable is not the agent's problem: keep waiting.
      if (!(caught instanceof UpgradeQueueError) || (caught.code !== "app_unreachable" && caught.code !== "app_error")) throw caught;
      if (options.signal?.aborted) throw aborted(input.branch, last);
      error = caught;
    }
    options.onProgress?.(error ? { upgrade: last, error } : { upgrade: last });
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const where = last ? `it is still ${last.status}` : "the app has no upgrade for it yet";
      throw new UpgradeQueueError("timeout", `No decision on ${input.branch} within ${Math.round((options.timeoutMs ?? 3_600_000) / 1000)} s: ${where}${error ? ` (last error: ${error.message})` : ""}. Wait again later; nothing was changed.`, { upgrade: last });
    }
    try {
      await sleep(Math.min(interval, remaining), undefined, options.signal ? { signal: options.signal } : undefined);
    } catch {
      throw aborted(input.branch, last);
    }
  }
}

function aborted(branch: string, last: Upgrade | null): UpgradeQueueError {
  return new UpgradeQueueError("aborted", `Stopped waiting for ${branch}.`, { upgrade: last });
}

async function fetchQueue(target: QueueTarget, query: URLSearchParams, signal?: AbortSignal): Promise<QueueList> {
  const url = `${target.url}/self-modify/queue.json?${query.toString()}`;
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json", ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    throw new UpgradeQueueError("app_unreachable", `The Upgrade Queue app at ${target.url} did not answer (${causeOf(error)}): check UPGRADE_QUEUE_URL and that the app is running.`, { url: target.url }, { cause: error });
  }
  if (response.status === 401 || response.status === 403) {
    throw new UpgradeQueueError("app_unauthorized", `The Upgrade Queue app refused the request (${response.status}): set STATUS_PAGE_TOKEN to the app's STATUS_PAGE_TOKEN.`, { status: response.status });
  }
  const body = response.ok ? await response.json().catch(() => null) : null;
  if (!isQueueList(body)) {
    throw new UpgradeQueueError("app_error", `${url} answered ${response.status} without the queue's JSON: is UPGRADE_QUEUE_URL the app's base URL?`, { status: response.status });
  }
  return { pendingCount: body.pendingCount, upgrades: body.upgrades };
}

function isQueueList(body: unknown): body is QueueList {
  const value = body as { pendingCount?: unknown; upgrades?: unknown } | null;
  return typeof value === "object" && value !== null && typeof value.pendingCount === "number" && Array.isArray(value.upgrades);
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === "string") return cause.code;
  return error instanceof Error ? error.message : String(error);
}

function parse<S extends typeof ListInput | typeof StatusInput>(schema: S, raw: unknown): ReturnType<S["parse"]> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new UpgradeQueueError("invalid_input", `Invalid input: ${describeIssues(result.error)}.`);
  return result.data as ReturnType<S["parse"]>;
}
