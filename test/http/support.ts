/**
 * Shared helpers of the status page tests: a migrated database, seed rows, a recording fake of
 * DashboardActions, a tiny OAuth/API stub of GitHub, and the real handler served on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DashboardActions } from "../../src/http/dashboard-actions.js";
import { createHttpHandler, type HttpEnv } from "../../src/http/create-http-handler.js";
import type { Db } from "../../src/store/prisma-client.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

export type TestDb = TestDatabase;

/** A fresh migrated database: SQLite, or PostgreSQL with TEST_DATABASE=postgresql. */
export function createDb(): Promise<TestDb> {
  return createTestDatabase();
}

export const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface Decision {
  upgradeId: number;
  login: string;
  decision: "approve" | "reject";
  reason?: string;
}

/** A rollback or a freeze asked for through the page. */
export type MaintainerAction = { rollback: number; login: string } | { repository: string; login: string; frozen: boolean; reason?: string };

/**
 * Records every decision; `approvers` maps an upgrade id to the logins that may decide it,
 * `maintainers` a repository to the logins that may roll back and freeze there.
 */
export function fakeDashboard(
  approvers: Record<number, string[]> = {},
  maintainers: Record<string, string[]> = {},
  repositoryOf: (upgradeId: number) => string = () => "acme/agent",
): DashboardActions & { decisions: Decision[]; maintainerActions: MaintainerAction[] } {
  const decisions: Decision[] = [];
  const maintainerActions: MaintainerAction[] = [];
  const maintains = (repository: string, login: string) => (maintainers[repository] ?? []).includes(login);
  return {
    decisions,
    maintainerActions,
    async canRollback(upgradeId, login) {
      return maintains(repositoryOf(upgradeId), login);
    },
    async rollback(input) {
      if (!maintains(repositoryOf(input.upgradeId), input.login)) return { ok: false, status: 403, message: `@${input.login} may not roll back` };
      maintainerActions.push({ rollback: input.upgradeId, login: input.login });
      return { ok: true };
    },
    async canFreeze(repository, login) {
      return maintains(repository, login);
    },
    async setFreeze(input) {
      if (!maintains(input.repository, input.login)) return { ok: false, status: 403, message: `@${input.login} may not freeze` };
      maintainerActions.push({ ...input });
      return { ok: true };
    },
    async canDecide(upgradeId, login) {
      return (approvers[upgradeId] ?? []).includes(login);
    },
    async decide(input) {
      if (!(approvers[input.upgradeId] ?? []).includes(input.login)) {
        return { ok: false, status: 403, message: `@${input.login} may not decide this upgrade` };
      }
      decisions.push({ ...input });
      return { ok: true };
    },
    async approvalsNeeded() {
      return 2;
    },
  };
}

export interface SeedUpgrade {
  repository?: string;
  repositoryPrivate?: boolean;
  pullNumber?: number;
  status?: string;
  title?: string;
  description?: string;
  proposedAt?: Date;
  [key: string]: unknown;
}

let pullCounter = 100;

export async function seedUpgrade(db: Db, fields: SeedUpgrade = {}) {
  const pullNumber = fields.pullNumber ?? pullCounter++;
  return db.upgrade.create({
    data: {
      installationId: 1,
      repository: "acme/agent",
      repositoryPrivate: true,
      status: "proposed",
      title: `Upgrade ${pullNumber}`,
      description: "Improve the planner",
      branchName: `self-modify/change-${pullNumber}`,
      baseBranch: "main",
      headSha: "a".repeat(40),
      proposedAt: new Date("2026-11-20T10:00:00Z"),
      ...fields,
      pullNumber,
    } as Parameters<Db["upgrade"]["create"]>[0]["data"],
  });
}

export async function seedEvent(
  db: Db,
  upgrade: { id: number; repository: string; pullNumber: number },
  fields: { type: string; actor: string; via: string; at?: Date; deliveryId?: string | null; details?: string },
) {
  return db.upgradeEvent.create({
    data: {
      upgradeId: upgrade.id,
      repository: upgrade.repository,
      pullNumber: upgrade.pullNumber,
      at: fields.at ?? new Date("2026-11-20T10:00:00Z"),
      deliveryId: fields.deliveryId ?? null,
      details: fields.details ?? "{}",
      type: fields.type,
      actor: fields.actor,
      via: fields.via,
    },
  });
}

/** A stand-in for GitHub's OAuth endpoints and the three API reads the sign-in makes. */
export interface GitHubStub {
  url: string;
  /** code -> user; the user's token is `token-<login>`. */
  codes: Map<string, string>;
  /** login -> readable repositories (`owner/name`). */
  repos: Map<string, string[]>;
  requests: string[];
  /** Who "signs in" at /login/oauth/authorize (consent is implicit), or null to deny. */
  authorizeAs: string | null;
  close(): Promise<void>;
}

export async function startGitHubStub(clientId = "Iv1.test", clientSecret = "shh"): Promise<GitHubStub> {
  const codes = new Map<string, string>();
  const repos = new Map<string, string[]>();
  const requests: string[] = [];
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stub");
    requests.push(`${req.method} ${url.pathname}`);
    let body = "";
    for await (const chunk of req) body += String(chunk);
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      const target = new URL(url.searchParams.get("redirect_uri") ?? "");
      if (url.searchParams.get("client_id") !== clientId) return send(res, 404, { message: "unknown client" });
      if (stub.authorizeAs) {
        const code = `code-${stub.authorizeAs}-${requests.length}`;
        codes.set(code, stub.authorizeAs);
        target.searchParams.set("code", code);
      } else target.searchParams.set("error", "access_denied");
      target.searchParams.set("state", url.searchParams.get("state") ?? "");
      res.writeHead(302, { location: target.toString() });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      const params = JSON.parse(body || "{}") as Record<string, string>;
      const login = params.code ? codes.get(params.code) : undefined;
      if (params.client_id !== clientId || params.client_secret !== clientSecret || !login) {
        return send(res, 200, { error: "bad_verification_code" });
      }
      codes.delete(params.code as string);
      return send(res, 200, { access_token: `token-${login}`, token_type: "bearer" });
    }
    const auth = req.headers.authorization ?? "";
    const login = auth.startsWith("Bearer token-") ? auth.slice("Bearer token-".length) : undefined;
    if (!login || !repos.has(login)) return send(res, 401, { message: "Bad credentials" });
    if (url.pathname === "/api/v3/user") return send(res, 200, { login, id: 1 });
    if (url.pathname === "/api/v3/user/installations") {
      return send(res, 200, { total_count: 1, installations: [{ id: 7 }] });
    }
    if (url.pathname === "/api/v3/user/installations/7/repositories") {
      const list = repos.get(login) ?? [];
      return send(res, 200, { total_count: list.length, repositories: list.map((full_name) => ({ full_name })) });
    }
    return send(res, 404, { message: "Not Found" });
  });
  const url = await listen(server);
  const stub: GitHubStub = { url, codes, repos, requests, authorizeAs: null, close: () => close(server) };
  return stub;
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** The real handler behind a node:http server, falling through to a 404 like Probot's. */
export async function serveHandler(
  db: Db,
  env: Partial<HttpEnv> & { githubBaseUrl: string },
  dashboard: DashboardActions,
): Promise<Served> {
  let base = "";
  const handler = createHttpHandler({
    db,
    dashboard,
    log: silentLog,
    env: {
      apiBaseUrl: `${env.githubBaseUrl}/api/v3`,
      get publicUrl() {
        return base;
      },
      ...env,
    },
  });
  const server = createServer(async (req, res) => {
    if (!(await handler(req, res))) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("probot 404");
    }
  });
  const url = await listen(server);
  base = env.publicUrl ?? url;
  return { url, close: () => close(server) };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
