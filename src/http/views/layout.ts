import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Viewer } from "../viewer.js";

export type Html = HtmlEscapedString;

export interface LayoutInput {
  title: string;
  viewer: Viewer | null;
  pendingCount: number | null;
  body: Html | Html[];
  active?: "queue" | "events" | "login";
}

/** The page frame: header with the pending badge, navigation and who is signed in. */
export function layout(input: LayoutInput): Html {
  const { viewer } = input;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${input.title} · Upgrade Queue</title>
<link rel="stylesheet" href="/self-modify/assets/queue.css">
</head>
<body>
<header class="top">
  <a class="brand" href="/self-modify/queue">Upgrade Queue</a>
  <nav>
    <a href="/self-modify/queue" class="${input.active === "queue" ? "active" : ""}">Upgrades${
      input.pendingCount !== null
        ? html` <span class="count" title="pending upgrades" aria-label="${input.pendingCount} pending">${input.pendingCount}</span>`
        : ""
    }</a>
    <a href="/self-modify/events" class="${input.active === "events" ? "active" : ""}">Audit log</a>
  </nav>
  <div class="who">${whoAmI(viewer)}</div>
</header>
<main>
${input.body}
</main>
</body>
</html>` as Html;
}

function whoAmI(viewer: Viewer | null): Html {
  if (!viewer || viewer.kind === "anonymous") {
    return html`<a href="/self-modify/login">Sign in</a>` as Html;
  }
  const label = viewer.kind === "github" ? html`<span class="login">@${viewer.login}</span>` : html`<span class="login">read-only token</span>`;
  if (viewer.csrf === null) return label as Html;
  return html`${label}<form method="post" action="/self-modify/logout" class="inline">
<input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit" class="link">Sign out</button></form>` as Html;
}
