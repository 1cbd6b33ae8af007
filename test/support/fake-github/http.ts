/**
 * The HTTP core: request parsing, the request log, fault injection, authentication,
 * a tiny router over `:param` / `*rest` patterns, pagination and rate-limit headers.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { GitHubError } from "./pulls.js";
import type { Repo, State } from "./state.js";
import { atLeast, botLogin, findRepo, roleOf } from "./state.js";

export type Auth =
  | { kind: "none" }
  | { kind: "bad" }
  | { kind: "jwt"; iss: string }
  | { kind: "installation"; installationId: number; token: string }
  | { kind: "user"; login: string; token: string };

export interface Ctx {
  state: State;
  method: string;
  /** Path below the API root (`/api/v3` stripped), without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  auth: Auth;
  params: Record<string, string>;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Sent as-is instead of JSON. */
  text?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  pattern: string;
  handler: Handler;
}

export interface RecordedRequest {
  method: string;
  /** As received, with the query (e.g. `/api/v3/repos/o/r/pulls?state=open`). */
  path: string;
  /** Parsed JSON (or form) body; undefined when empty. */
  body: unknown;
  headers: IncomingHttpHeaders;
  at: Date;
  /** The status answered (set once the response is sent; undefined for a dropped connection). */
  status?: number;
  /** For POST /api/graphql: the operation's name (`operationName`, else the document's), or null. */
  operationName?: string | null;
}

export interface FaultResponse {
  /** Omit to answer normally after `delayMs` (a slow response). */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Destroy the socket instead of answering (a network error). */
  dropConnection?: boolean;
}

/** A predicate over the request (e.g. `graphqlOperation("UpgradeQueuePull")`). */
export type RequestMatcher = (request: { method: string; path: string; body: unknown }) => boolean;

export interface Fault {
  method: string;
  pattern: string | RegExp | RequestMatcher;
  responses: FaultResponse[];
}

export const json = (status: number, body?: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });
export const notFound = (): Reply => json(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
export const fromError = (error: GitHubError): Reply =>
  json(error.status, { message: error.message, ...error.extra, documentation_url: "https://docs.github.com/rest" });

export function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const part = want[i] as string;
    if (part.startsWith("*")) {
      if (i >= got.length) return undefined;
      params[part.slice(1)] = got.slice(i).map(decodeURIComponent).join("/");
      return params;
    }
    const seg = got[i];
    if (seg === undefined) return undefined;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(seg);
    else if (part !== seg) return undefined;
  }
  return got.length === want.length ? params : undefined;
}

function decodeJwt(token: string): { iss?: unknown } | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8")) as { iss?: unknown };
  } catch {
    return undefined;
  }
}

export function authenticate(state: State, header: string | undefined): Auth {
  if (!header) return { kind: "none" };
  const [scheme, token] = header.split(/\s+/, 2);
  if (!token || !/^(token|bearer)$/i.test(scheme ?? "")) return { kind: "bad" };
  const owner = state.tokens.get(token);
  if (owner?.kind === "installation") return { kind: "installation", installationId: owner.installationId, token };
  if (owner?.kind === "user") return { kind: "user", login: owner.login, token };
  const payload = decodeJwt(token);
  if (payload && payload.iss !== undefined && payload.iss !== null && payload.iss !== "") {
    return { kind: "jwt", iss: String(payload.iss) };
  }
  return { kind: "bad" };
}

/** Who performs a write: the app's bot for installation tokens, the user for user tokens. */
export function actorOf(ctx: Ctx): string {
  return ctx.auth.kind === "user" ? ctx.auth.login : botLogin(ctx.state);
}

/**
 * Repository access as GitHub enforces it: an installation token sees only its installation's
 * repositories; a user token (or no token) sees what that user may read, and writes need `write`.
 * Returns the repo, or the reply to send instead (404 hides private repositories).
 */
export function repoAccess(ctx: Ctx, write: boolean): Repo | Reply {
  const { auth } = ctx;
  if (auth.kind === "bad") return json(401, { message: "Bad credentials" });
  if (auth.kind === "jwt") return json(401, { message: "A JSON web token could not be decoded" });
  const repo = findRepo(ctx.state, `${ctx.params.owner}/${ctx.params.repo}`);
  if (!repo) return notFound();
  if (auth.kind === "installation") return repo.installationId === auth.installationId ? repo : notFound();
  if (auth.kind === "none") {
    if (repo.private) return notFound();
    return write ? json(401, { message: "Requires authentication" }) : repo;
  }
  const role = roleOf(ctx.state, repo, auth.login);
  if (!atLeast(role, "read")) return notFound();
  if (write && !atLeast(role, "write")) return json(403, { message: "Resource not accessible by integration" });
  return repo;
}

export function isReply(value: unknown): value is Reply {
  return typeof value === "object" && value !== null && "status" in value && typeof (value as Reply).status === "number";
}

/** Page an array as GitHub does, with a `link` header Octokit's paginate can follow. */
export function paginate<T>(ctx: Ctx, items: T[]): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(ctx.query.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string) => {
    const q = new URLSearchParams(ctx.query);
    q.set("page", String(p));
    q.set("per_page", String(perPage));
    return `<${ctx.state.baseUrl}/api/v3${ctx.path}?${q.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"), link(1, "first"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  return { items: items.slice((page - 1) * perPage, page * perPage), headers: links.length ? { link: links.join(", ") } : {} };
}

export async function readBody(req: IncomingMessage): Promise<{ raw: string; parsed: unknown }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  if (raw === "") return { raw, parsed: undefined };
  const type = String(req.headers["content-type"] ?? "");
  if (type.includes("application/x-www-form-urlencoded")) return { raw, parsed: Object.fromEntries(new URLSearchParams(raw)) };
  try {
    return { raw, parsed: JSON.parse(raw) };
  } catch {
    return { raw, parsed: raw };
  }
}

export function faultFor(faults: Fault[], method: string, fullPath: string, body?: unknown): FaultResponse | undefined {
  const pathOnly = fullPath.split("?")[0] as string;
  const apiPath = pathOnly.replace(/^\/api\/v3(?=\/)/, "");
  for (const fault of faults) {
    if (fault.method !== "*" && fault.method.toUpperCase() !== method) continue;
    const hit =
      typeof fault.pattern === "string"
        ? fault.pattern === pathOnly || fault.pattern === apiPath || fault.pattern === fullPath
        : fault.pattern instanceof RegExp
          ? fault.pattern.test(fullPath)
          : fault.pattern({ method, path: fullPath, body });
    if (!hit || fault.responses.length === 0) continue;
    const response = fault.responses.shift() as FaultResponse;
    if (fault.responses.length === 0) faults.splice(faults.indexOf(fault), 1);
    return response;
  }
  return undefined;
}

let rateRemaining = 5000;

export function send(res: ServerResponse, reply: Reply): void {
  rateRemaining = rateRemaining <= 1 ? 5000 : rateRemaining - 1;
  const headers: Record<string, string> = {
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": String(rateRemaining),
    "x-ratelimit-used": String(5000 - rateRemaining),
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-resource": "core",
    "x-github-media-type": "github.v3; format=json",
    "x-github-request-id": Math.random().toString(16).slice(2, 10).toUpperCase(),
    ...reply.headers,
  };
  if (reply.text !== undefined) {
    res.writeHead(reply.status, { "content-type": "text/plain; charset=utf-8", ...headers });
    res.end(reply.text);
  } else if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
  } else {
    res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(reply.body));
  }
}

export function toReply(error: unknown): Reply {
  if (error instanceof GitHubError) return fromError(error);
  return json(500, { message: error instanceof Error ? error.message : String(error) });
}
