/**
 * The one way tests use nock: real network off, every request the code makes must match a
 * mock, and every mock must be used. `expectNoPendingMocks()` fails the test otherwise.
 */
import nock from "nock";
import { afterEach, beforeEach } from "vitest";

export const API = "https://api.github.com";

const unmatched: string[] = [];

export function useNock(): { unmatched: string[] } {
  beforeEach(() => {
    nock.disableNetConnect();
    unmatched.length = 0;
    nock.emitter.on("no match", onNoMatch);
  });
  afterEach(() => {
    nock.emitter.removeListener("no match", onNoMatch);
    nock.cleanAll();
    nock.enableNetConnect();
  });
  return { unmatched };
}

function onNoMatch(req: { method?: string; path?: string; options?: { method?: string; path?: string; host?: string } }): void {
  unmatched.push(`${req.method ?? req.options?.method} ${req.path ?? req.options?.path}`);
}

/** Fails when a mock was not used or a request matched none. */
export function expectAllMocksUsed(): void {
  const pending = nock.pendingMocks();
  if (pending.length > 0 || unmatched.length > 0) {
    throw new Error(`nock: unused mocks: ${JSON.stringify(pending)}; unmatched requests: ${JSON.stringify(unmatched)}`);
  }
}

export { nock };
