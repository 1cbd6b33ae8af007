/**
 * The GitHub side of "Sign in with GitHub": the OAuth web flow's code exchange and the reads
 * made with the user's own token (who they are, which repositories they can read). Every call
 * goes to the configured GitHub host.
 */
import type { HttpEnv } from "./deps.js";

export class GitHubAuthError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function authorizeUrl(env: HttpEnv, state: string): string {
  const url = new URL(`${trimSlash(env.githubBaseUrl)}/login/oauth/authorize`);
  url.searchParams.set("client_id", env.githubClientId ?? "");
  url.searchParams.set("redirect_uri", callbackUrl(env));
  url.searchParams.set("state", state);
  return url.toString();
}

export function callbackUrl(env: HttpEnv): string {
  return `${trimSlash(env.publicUrl)}/self-modify/callback`;
}

/** Exchanges the callback's `code` for the user's access token. */
export async function exchangeCode(env: HttpEnv, code: string): Promise<string> {
  const response = await fetch(`${trimSlash(env.githubBaseUrl)}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({
      client_id: env.githubClientId,
      client_secret: env.githubClientSecret,
      code,
      redirect_uri: callbackUrl(env),
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
  if (!response.ok || typeof body.access_token !== "string" || body.access_token === "") {
    throw new GitHubAuthError(`GitHub refused the sign-in code (${String(body.error ?? response.status)})`, 502);
  }
  return body.access_token;
}

async function apiGet(env: HttpEnv, token: string, path: string): Promise<unknown> {
  const response = await fetch(`${trimSlash(env.apiBaseUrl)}${path}`, {
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${token}`,
      "x-github-api-version": "2022-11-28",
      "user-agent": "upgrade-queue-status-page",
    },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new GitHubAuthError(`GitHub answered ${response.status} to GET ${path}`, response.status);
  return response.json();
}

export async function fetchLogin(env: HttpEnv, token: string): Promise<string> {
  const user = (await apiGet(env, token, "/user")) as { login?: unknown };
  if (typeof user.login !== "string") throw new GitHubAuthError("GitHub returned no login", 502);
  return user.login;
}

const PER_PAGE = 100;
const MAX_PAGES = 10;

/** Every repository (`owner/name`) the user can read through the app's installations. */
export async function fetchReadableRepos(env: HttpEnv, token: string): Promise<string[]> {
  const installationIds: number[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const body = (await apiGet(env, token, `/user/installations?per_page=${PER_PAGE}&page=${page}`)) as {
      installations?: Array<{ id?: unknown }>;
    };
    const batch = body.installations ?? [];
    for (const installation of batch) if (typeof installation.id === "number") installationIds.push(installation.id);
    if (batch.length < PER_PAGE) break;
  }
  const repos = new Set<string>();
  for (const id of installationIds) {
    for (let page = 1; page <= MAX_PAGES; page++) {
      const body = (await apiGet(
        env,
        token,
        `/user/installations/${id}/repositories?per_page=${PER_PAGE}&page=${page}`,
      )) as { repositories?: Array<{ full_name?: unknown }> };
      const batch = body.repositories ?? [];
      for (const repo of batch) if (typeof repo.full_name === "string") repos.add(repo.full_name);
      if (batch.length < PER_PAGE) break;
    }
  }
  return [...repos].sort();
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
