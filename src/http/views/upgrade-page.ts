import { html } from "hono/html";
import type { ApprovalRow, EventRow, UpgradeRow } from "../../store/queue-queries.js";
import type { UpgradeJson } from "../upgrade-json.js";
import { shortSha } from "./format.js";
import { renderDiff } from "./diff.js";
import { type RepositoryControl, repositoryControls, rollbackForm } from "./freeze-parts.js";
import type { Html } from "./layout.js";
import { approvalsLine, decisionForms, filesList, flags, prLink, shaLinks, statusPill, tests, when } from "./parts.js";

export interface UpgradePageInput {
  row: UpgradeRow;
  json: UpgradeJson;
  events: EventRow[];
  approvals: ApprovalRow[];
  needed: number | null;
  canDecide: boolean;
  /** An applied upgrade, and the viewer is admin or maintain: the Rollback button. */
  canRollback?: boolean;
  /** The repository's freeze and the Freeze/Unfreeze button. */
  controls?: RepositoryControl[];
  csrf: string | null;
  htmlBase: string;
  now: Date;
}

export function upgradeBody(input: UpgradePageInput): Html {
  const { row, json } = input;
  const current = [...new Set(input.approvals.filter((a) => a.sha === row.headSha).map((a) => a.login))];
  return html`<p class="sub"><a href="/self-modify/queue">← Upgrade queue</a></p>
${repositoryControls(input.controls ?? [], input.csrf, input.now)}
<article class="card">
<div class="card-head"><h1>${row.title}</h1>${statusPill(json.status)} ${flags(json)}</div>
<div class="meta"><span>${prLink(json)}</span><span>branch <code>${json.branch}</code> → <code>${json.baseBranch}</code></span><span>proposed ${when(row.proposedAt, input.now)}${row.author ? html` by @${row.author}` : ""}</span><span>head <code>${shortSha(json.headSha)}</code></span>${shaLinks(row, input.htmlBase)}</div>
${json.description ? html`<div class="desc">${json.description}</div>` : ""}
${json.errorMessage ? html`<div class="notice error">${json.errorMessage}</div>` : ""}
<div class="section-label">Tests</div>
${tests(json.testResults)}
<div class="section-label">Approvals</div>
<div>${approvalsLine(current, input.needed)}</div>
${
  input.approvals.length > 0
    ? html`<ul class="checks">${input.approvals.map(
        (a) => html`<li>@${a.login} <span class="sub">via ${a.via} of <code>${shortSha(a.sha)}</code> ${when(a.at, input.now)}${a.sha !== row.headSha ? " (an older commit: does not count)" : ""}</span></li>`,
      )}</ul>`
    : ""
}
${input.canDecide && input.csrf ? decisionForms(json.id, input.csrf, json.headSha) : ""}
${input.canRollback && input.csrf ? rollbackForm(json.id, input.csrf) : ""}
</article>
<h2>Files <span class="sub">(<span class="add">+${json.additions}</span> <span class="del">−${json.deletions}</span>)</span></h2>
${filesList(json.filesChanged)}
<h2>Diff <a class="sub" href="/self-modify/queue/${json.id}/diff">raw</a></h2>
${renderDiff(row.diffPreview)}
<h2>Timeline</h2>
${
  input.events.length === 0
    ? html`<p class="empty">No events.</p>`
    : html`<table><thead><tr><th>When</th><th>Event</th><th>Actor</th><th>Via</th><th>Details</th></tr></thead><tbody>${input.events.map(
        (e) => html`<tr><td>${when(e.at, input.now)}</td><td><code>${e.type}</code></td><td>@${e.actor}</td><td>${e.via}</td><td class="wrap mono">${detailsText(e.details)}</td></tr>`,
      )}</tbody></table>`
}` as Html;
}

export function detailsText(details: string): string {
  return details === "{}" ? "" : details.length > 500 ? `${details.slice(0, 499)}…` : details;
}
