import { html } from "hono/html";
import type { Html } from "./layout.js";

export interface LoginPageInput {
  csrf: string;
  githubHref: string | null;
  tokenEnabled: boolean;
  error: string | null;
}

export function loginBody(input: LoginPageInput): Html {
  return html`<div class="login-box card">
<h1>Sign in</h1>
${input.error ? html`<div class="notice error">${input.error}</div>` : ""}
${
  input.githubHref
    ? html`<p>Sign in with your GitHub account to see the upgrades of repositories you can read, and to approve or reject where you are an approver.</p>
<a class="button github" href="${input.githubHref}">Sign in with GitHub</a>`
    : ""
}
${
  input.tokenEnabled
    ? html`<form method="post" action="/self-modify/login">
<input type="hidden" name="csrf" value="${input.csrf}">
<label for="token">Status page token <span class="sub">(read only)</span></label>
<input id="token" type="password" name="token" autocomplete="current-password" required>
<button type="submit">Sign in with token</button>
</form>`
    : ""
}
${!input.githubHref && !input.tokenEnabled ? html`<p class="empty">No sign-in method is configured: the page shows public repositories to everyone.</p>` : ""}
</div>` as Html;
}

export function messageBody(title: string, message: string, link?: { href: string; label: string }): Html {
  return html`<div class="card"><h1>${title}</h1><p>${message}</p>${link ? html`<p><a href="${link.href}">${link.label}</a></p>` : ""}</div>` as Html;
}
