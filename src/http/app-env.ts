import type { Context, Hono } from "hono";
import type { Auth } from "./auth.js";
import type { HttpDeps } from "./deps.js";
import type { Viewer } from "./viewer.js";

/** Hono's typing of our request context: the viewer is set by the access middleware. */
export interface AppEnv {
  Variables: { viewer: Viewer };
}

export type App = Hono<AppEnv>;
export type Ctx = Context<AppEnv>;

/** What every route module receives. */
export interface RouteContext {
  deps: HttpDeps;
  auth: Auth;
}
