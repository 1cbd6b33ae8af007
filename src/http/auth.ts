/**
 * Sessions and viewers: reads the bearer token or the session cookie, keeps the signed-in
 * user's readable repositories cached for a few minutes, and writes/clears the cookies.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { HttpDeps } from "./deps.js";
import { fetchReadableRepos, GitHubAuthError } from "./github-oauth.js";
import { deriveKeys, fingerprint, randomToken, safeEqual, seal, unseal, type SessionKeys } from "./session.js";
import type { Viewer } from "./viewer.js";

export const SESSION_COOKIE = "uq_session";
export const PRESESSION_COOKIE = "uq_pre";
const SESSION_PURPOSE = "session";
const PRESESSION_PURPOSE = "presession";
/** GitHub App user tokens live 8 hours; the session lives no longer. */
const SESSION_MAX_AGE = 8 * 60 * 60;
const PRESESSION_MAX_AGE = 10 * 60;
const REPOS_TTL_MS = 5 * 60 * 1000;
const REPOS_CACHE_MAX = 1000;

type SessionData =
  | { kind: "token"; tokenMac: string; csrf: string }
  | { kind: "github"; sid: string; login: string; accessToken: string; csrf: string };

/** What the login page hands to the token form and the OAuth round trip. */
export interface PreSession {
  csrf: string;
  state: string;
  next: string;
}

export interface Auth {
  viewer(c: Context): Promise<Viewer>;
  startTokenSession(c: Context): void;
  startGitHubSession(c: Context, login: string, accessToken: string, repos: string[]): void;
  endSession(c: Context): void;
  /** Reads the pre-session, creating (and setting) a fresh one when absent or `fresh`. */
  preSession(c: Context, options?: { fresh?: boolean; next?: string }): PreSession;
  readPreSession(c: Context): PreSession | undefined;
  clearPreSession(c: Context): void;
  tokenMatches(candidate: string): boolean;
}

export function createAuth(deps: HttpDeps): Auth {
  const keys: SessionKeys = deriveKeys(deps.env.sessionSecret);
  const secure = deps.env.publicUrl.startsWith("https:");
  const statusToken = deps.env.statusPageToken || undefined;
  const reposCache = new Map<string, { repos: string[]; at: number }>();

  const cookieOptions = (maxAge: number) =>
    ({ httpOnly: true, sameSite: "Lax", secure, path: "/", maxAge }) as const;

  const tokenMatches = (candidate: string) => statusToken !== undefined && safeEqual(candidate, statusToken);

  async function reposFor(session: Extract<SessionData, { kind: "github" }>): Promise<string[]> {
    const cached = reposCache.get(session.sid);
    if (cached && Date.now() - cached.at < REPOS_TTL_MS) return cached.repos;
    const repos = await fetchReadableRepos(deps.env, session.accessToken);
    remember(session.sid, repos);
    return repos;
  }

  function remember(sid: string, repos: string[]) {
    if (reposCache.size >= REPOS_CACHE_MAX) {
      const oldest = reposCache.keys().next();
      if (!oldest.done) reposCache.delete(oldest.value);
    }
    reposCache.set(sid, { repos, at: Date.now() });
  }

  async function viewer(c: Context): Promise<Viewer> {
    const header = c.req.header("authorization");
    if (header?.toLowerCase().startsWith("bearer ")) {
      if (tokenMatches(header.slice(7).trim())) return { kind: "token", csrf: null };
    }
    const session = unseal(keys, SESSION_PURPOSE, getCookie(c, SESSION_COOKIE)) as SessionData | undefined;
    if (session?.kind === "token") {
      if (statusToken && safeEqual(session.tokenMac, fingerprint(keys, statusToken))) {
        return { kind: "token", csrf: session.csrf };
      }
    } else if (session?.kind === "github") {
      try {
        const repos = await reposFor(session);
        return { kind: "github", login: session.login, csrf: session.csrf, repos };
      } catch (error) {
        deps.log.warn({ err: error, login: session.login }, "status page: could not read the user's repositories");
        if (error instanceof GitHubAuthError && (error.status === 401 || error.status === 403)) {
          endSession(c); // GitHub refused the token (revoked or expired): sign out
        } else {
          // GitHub unreachable: keep the session with what we last knew (nothing, if unknown).
          const stale = reposCache.get(session.sid)?.repos ?? [];
          return { kind: "github", login: session.login, csrf: session.csrf, repos: stale };
        }
      }
    }
    return { kind: "anonymous" };
  }

  function startTokenSession(c: Context) {
    if (!statusToken) return;
    const data: SessionData = { kind: "token", tokenMac: fingerprint(keys, statusToken), csrf: randomToken() };
    setCookie(c, SESSION_COOKIE, seal(keys, SESSION_PURPOSE, data, SESSION_MAX_AGE), cookieOptions(SESSION_MAX_AGE));
  }

  function startGitHubSession(c: Context, login: string, accessToken: string, repos: string[]) {
    const data: SessionData = { kind: "github", sid: randomToken(), login, accessToken, csrf: randomToken() };
    remember(data.sid, repos);
    setCookie(c, SESSION_COOKIE, seal(keys, SESSION_PURPOSE, data, SESSION_MAX_AGE), cookieOptions(SESSION_MAX_AGE));
  }

  function endSession(c: Context) {
    const session = unseal(keys, SESSION_PURPOSE, getCookie(c, SESSION_COOKIE)) as SessionData | undefined;
    if (session?.kind === "github") reposCache.delete(session.sid);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure, httpOnly: true, sameSite: "Lax" });
  }

  function readPreSession(c: Context): PreSession | undefined {
    return unseal(keys, PRESESSION_PURPOSE, getCookie(c, PRESESSION_COOKIE)) as PreSession | undefined;
  }

  function preSession(c: Context, options: { fresh?: boolean; next?: string } = {}): PreSession {
    const existing = options.fresh ? undefined : readPreSession(c);
    if (existing) return existing;
    const pre: PreSession = { csrf: randomToken(), state: randomToken(), next: options.next ?? "/self-modify/queue" };
    setCookie(c, PRESESSION_COOKIE, seal(keys, PRESESSION_PURPOSE, pre, PRESESSION_MAX_AGE), cookieOptions(PRESESSION_MAX_AGE));
    return pre;
  }

  function clearPreSession(c: Context) {
    deleteCookie(c, PRESESSION_COOKIE, { path: "/", secure, httpOnly: true, sameSite: "Lax" });
  }

  return {
    viewer,
    startTokenSession,
    startGitHubSession,
    endSession,
    preSession,
    readPreSession,
    clearPreSession,
    tokenMatches,
  };
}
