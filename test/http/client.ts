/** A tiny cookie-keeping HTTP client for the status page tests (redirects are not followed). */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request("GET", path, undefined, headers);
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.request("POST", path, new URLSearchParams(form).toString(), {
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    });
  }

  async request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const response = await fetch(new URL(path, this.base), {
      method,
      body,
      redirect: "manual",
      headers: { accept: "text/html", ...(cookie ? { cookie } : {}), ...headers },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = (pair ?? "").indexOf("=");
      const name = (pair ?? "").slice(0, eq);
      const value = (pair ?? "").slice(eq + 1);
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}

/** The hidden CSRF token of the first form on a page. */
export function csrfFrom(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error("no csrf token on the page");
  return match[1];
}

/** Signs in through the token form. */
export async function signInWithToken(browser: Browser, token: string): Promise<Response> {
  const page = await (await browser.get("/self-modify/login")).text();
  return browser.post("/self-modify/login", { csrf: csrfFrom(page), token });
}

/** Signs in through the OAuth round trip against the stub (the stub must know `code`). */
export async function signInWithGitHub(browser: Browser, code: string): Promise<Response> {
  const page = await (await browser.get("/self-modify/login")).text();
  const href = /href="([^"]*\/login\/oauth\/authorize[^"]*)"/.exec(page)?.[1];
  if (!href) throw new Error("no Sign in with GitHub link");
  const state = new URL(href.replaceAll("&amp;", "&")).searchParams.get("state") ?? "";
  return browser.get(`/self-modify/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
}
