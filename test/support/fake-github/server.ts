/** The node:http server: logs every request, applies injected faults, then routes. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { handleGraphql, operationNameOf } from "./graphql.js";
import type { Ctx, Fault, RecordedRequest, Reply, Route } from "./http.js";
import { authenticate, faultFor, json, match, notFound, readBody, send, toReply } from "./http.js";
import { accessToken, authorize, oauthApiRoutes } from "./oauth.js";
import { appRoutes } from "./routes-app.js";
import { checkRoutes } from "./routes-checks.js";
import { gitRoutes } from "./routes-git.js";
import { issueRoutes } from "./routes-issues.js";
import { pullRoutes } from "./routes-pulls.js";
import { repoRoutes } from "./routes-repos.js";
import type { State } from "./state.js";

const apiRoutes: Route[] = [...appRoutes, ...repoRoutes, ...gitRoutes, ...pullRoutes, ...issueRoutes, ...checkRoutes, ...oauthApiRoutes];

const rootRoutes: Route[] = [
  { method: "POST", pattern: "/api/graphql", handler: handleGraphql },
  { method: "GET", pattern: "/login/oauth/authorize", handler: authorize },
  { method: "POST", pattern: "/login/oauth/access_token", handler: accessToken },
];

/** Routes one request (also used in-process, without a socket: in-process.ts). */
export function route(ctx: Omit<Ctx, "params" | "path">, fullPath: string): Reply | Promise<Reply> {
  const api = /^\/api\/v3(\/.*)?$/.exec(fullPath);
  const path = api ? api[1] || "/" : fullPath;
  const table = api ? apiRoutes : rootRoutes;
  let pathMatched = false;
  for (const candidate of table) {
    const params = match(candidate.pattern, path);
    if (!params) continue;
    pathMatched = true;
    if (candidate.method === ctx.method) return candidate.handler({ ...ctx, path, params });
  }
  return pathMatched ? json(404, { message: "Not Found" }) : notFound();
}

export interface Server {
  url: string;
  host: string;
  close(): Promise<void>;
}

export async function listen(
  state: State,
  port: number,
  log: RecordedRequest[],
  faults: Fault[],
  onListen: (url: string) => void,
): Promise<Server> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = (req.method ?? "GET").toUpperCase();
    const { parsed } = await readBody(req);
    const entry: RecordedRequest = { method, path: `${url.pathname}${url.search}`, body: parsed, headers: req.headers, at: new Date() };
    if (url.pathname === "/api/graphql") entry.operationName = operationNameOf(parsed);
    log.push(entry);
    const fault = faultFor(faults, method, `${url.pathname}${url.search}`, parsed);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.dropConnection) {
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      entry.status = fault.status;
      send(res, { status: fault.status, body: fault.body ?? { message: `Injected ${fault.status}` }, headers: fault.headers });
      return;
    }
    const ctx = { state, method, query: url.searchParams, headers: req.headers, body: parsed, auth: authenticate(state, req.headers.authorization) };
    let reply: Reply;
    try {
      reply = await route(ctx, url.pathname.replace(/\/+$/, "") || "/");
    } catch (error) {
      reply = toReply(error);
    }
    entry.status = reply.status;
    send(res, reply);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, toReply(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${actual}`;
  onListen(url);
  return {
    url,
    host: `127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
