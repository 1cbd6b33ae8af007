/**
 * The fake GitHub without a socket: a `fetch` that hands each request straight to the fake's
 * router, and an Octokit over it. The app's real GitHub port (octokit-port.ts) then runs
 * against the fake's state in microseconds per request, with no write spacing: what the
 * property suite needs (docs/verification.md). `onRequest` may answer instead of the fake (the
 * suite's injected faults) or observe the request.
 */
import { Octokit } from "@octokit/core";
import { paginateRest } from "@octokit/plugin-paginate-rest";
import type { Reply } from "./http.js";
import { authenticate, toReply } from "./http.js";
import { route } from "./server.js";
import type { State } from "./state.js";

export interface InProcessRequest {
  method: string;
  /** Path below the host, with the query (`/api/v3/repos/o/r/pulls/1/merge`). */
  path: string;
  body: unknown;
}

export type RequestHook = (request: InProcessRequest) => Reply | undefined | Promise<Reply | undefined>;

const BASE = "http://fake.invalid";

export function inProcessFetch(state: State, onRequest: RequestHook = () => undefined): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const method = (init?.method ?? "GET").toUpperCase();
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const raw = typeof init?.body === "string" ? init.body : "";
    const body = raw === "" ? undefined : (JSON.parse(raw) as unknown);
    const path = `${url.pathname}${url.search}`;
    let reply = await onRequest({ method, path, body });
    if (!reply) {
      const ctx = { state, method, query: url.searchParams, headers, body, auth: authenticate(state, headers.authorization) };
      try {
        reply = await route(ctx, url.pathname.replace(/\/+$/, "") || "/");
      } catch (error) {
        reply = toReply(error);
      }
    }
    const text = reply.text ?? (reply.body === undefined ? null : JSON.stringify(reply.body));
    const type = reply.text !== undefined ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
    const status = reply.status;
    const response = new Response(status === 204 || status === 304 ? null : text, { status, headers: { "content-type": type, ...reply.headers } });
    // A constructed Response has no url; Octokit's pagination reads it.
    Object.defineProperty(response, "url", { value: url.href });
    return response;
  };
}

const OctokitWithPaginate = Octokit.plugin(paginateRest);
export type InProcessOctokit = InstanceType<typeof OctokitWithPaginate>;

/** An installation's Octokit over the fake, in-process (token minted in the fake's state). */
export function inProcessOctokit(state: State, installationId: number, onRequest?: RequestHook): InProcessOctokit {
  const token = `ghs_inprocess_${installationId}`;
  state.tokens.set(token, { kind: "installation", installationId });
  return new OctokitWithPaginate({ auth: token, baseUrl: `${BASE}/api/v3`, request: { fetch: inProcessFetch(state, onRequest) } });
}
