import { html } from "hono/html";
import type { EventRow } from "../../store/queue-queries.js";
import type { Html } from "./layout.js";
import { when } from "./parts.js";
import { detailsText } from "./upgrade-page.js";

export interface EventsPageInput {
  events: EventRow[];
  filters: { repo?: string | undefined; type?: string | undefined; actor?: string | undefined; limit: number };
  nextHref: string | null;
  now: Date;
}

export function eventsBody(input: EventsPageInput): Html {
  const f = input.filters;
  return html`<h1>Audit log</h1>
<form class="filters" method="get" action="/self-modify/events">
<label>Repository<input type="text" name="repo" placeholder="owner/name" value="${f.repo ?? ""}"></label>
<label>Type<input type="text" name="type" placeholder="upgrade.applied" value="${f.type ?? ""}"></label>
<label>Actor<input type="text" name="actor" placeholder="login" value="${f.actor ?? ""}"></label>
<label>Per page<input type="number" name="limit" min="1" max="500" value="${f.limit}"></label>
<button type="submit">Filter</button>
</form>
${
  input.events.length === 0
    ? html`<p class="empty">No events.</p>`
    : html`<table><thead><tr><th>When</th><th>Upgrade</th><th>Event</th><th>Actor</th><th>Via</th><th>Details</th></tr></thead><tbody>${input.events.map(
        (e) => html`<tr><td>${when(e.at, input.now)}</td><td class="wrap">${e.upgradeId === null ? html`<a href="/self-modify/queue?repo=${encodeURIComponent(e.repository)}">${e.repository}</a>` : html`<a href="/self-modify/queue/${e.upgradeId}">${e.repository}#${e.pullNumber}</a>`}</td><td><code>${e.type}</code></td><td>@${e.actor}</td><td>${e.via}</td><td class="wrap mono">${detailsText(e.details)}</td></tr>`,
      )}</tbody></table>`
}
${input.nextHref ? html`<div class="pager"><a class="button" href="${input.nextHref}">Older events →</a></div>` : ""}` as Html;
}
