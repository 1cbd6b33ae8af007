/**
 * Resolves the viewer of every `/self-modify/` URL but `login`, `callback` and the stylesheet,
 * and refuses anonymous visitors with 401 when STATUS_PAGE_TOKEN is set (CONTRACT §6).
 */
import type { App, RouteContext } from "../app-env.js";
import { renderMessage } from "../render.js";

const OPEN_PATHS = new Set(["/self-modify/login", "/self-modify/callback", "/self-modify/assets/queue.css", "/self-modify/logout"]);

export function registerAccessMiddleware(app: App, ctx: RouteContext): void {
  app.use("/self-modify/*", async (c, next) => {
    if (OPEN_PATHS.has(c.req.path)) return next();
    const viewer = await ctx.auth.viewer(c);
    if (viewer.kind === "anonymous" && ctx.deps.env.statusPageToken) {
      c.header("www-authenticate", 'Bearer realm="upgrade-queue"');
      const next = c.req.method === "GET" ? c.req.path : "/self-modify/queue";
      return renderMessage(c, ctx, 401, "Sign in required", "This status page needs a token or a GitHub sign-in.", {
        href: `/self-modify/login?next=${encodeURIComponent(next)}`,
        label: "Sign in",
      });
    }
    c.set("viewer", viewer);
    return next();
  });
}
