/**
 * The status page, its JSON API, badge, sign-in, health and metrics, as one Probot
 * `addHandler` handler. It answers the paths it owns (`/self-modify/...`, `/healthz`,
 * `/metrics`) and returns false for every other path, so Probot's own handlers (webhooks,
 * 404) run. It reads the store and asks `deps.dashboard`; it decides nothing itself.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv, RouteContext } from "./app-env.js";
import { createAuth } from "./auth.js";
import type { HttpDeps } from "./deps.js";
import { QUEUE_CSS } from "./queue-css.js";
import { renderMessage } from "./render.js";
import { registerAccessMiddleware } from "./routes/access-middleware.js";
import { registerAuthRoutes } from "./routes/auth-routes.js";
import { registerDecisionRoutes } from "./routes/decision-routes.js";
import { registerEventsRoutes } from "./routes/events-routes.js";
import { registerMaintainerRoutes } from "./routes/maintainer-routes.js";
import { registerOpsRoutes } from "./routes/ops-routes.js";
import { registerQueueRoutes } from "./routes/queue-routes.js";

export type { HttpDeps, HttpEnv, HttpLog } from "./deps.js";
export type { DashboardActions } from "./dashboard-actions.js";

const CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function createHttpHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const app = createHttpApp(deps);
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (!ownsPath(path)) return false;
    await listener(req, res);
    return true;
  };
}

export function ownsPath(path: string): boolean {
  return path === "/healthz" || path === "/metrics" || path.startsWith("/self-modify/");
}

/** The Hono app behind the handler (exported for tests that call `app.request`). */
export function createHttpApp(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const ctx: RouteContext = { deps, auth: createAuth(deps) };

  app.use("*", async (c, next) => {
    await next();
    c.header("content-security-policy", CSP);
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "same-origin");
    c.header("x-frame-options", "DENY");
    if (!c.res.headers.has("cache-control")) c.header("cache-control", "no-store");
  });

  // Forms here are a token, a CSRF token and a reason: nothing needs more than this.
  app.use("/self-modify/*", bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text("Payload too large", 413) }));

  registerOpsRoutes(app, ctx);
  app.get("/self-modify/assets/queue.css", (c) =>
    c.body(QUEUE_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600" }),
  );
  registerAuthRoutes(app, ctx);
  registerAccessMiddleware(app, ctx);
  registerQueueRoutes(app, ctx);
  registerDecisionRoutes(app, ctx);
  registerMaintainerRoutes(app, ctx);
  registerEventsRoutes(app, ctx);

  app.notFound((c) => renderMessage(c, ctx, 404, "Not found", "There is nothing at this address."));
  app.onError((error, c) => {
    deps.log.error({ err: error, path: c.req.path }, "status page: request failed");
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}
