import { html } from "hono/html";
import type { EventRow, UpgradeRow } from "../../store/queue-queries.js";
import { UPGRADE_STATUSES } from "../../store/queue-queries.js";
import type { UpgradeJson } from "../upgrade-json.js";
import { shortSha, truncate } from "./format.js";
import { renderDiff } from "./diff.js";
import { type RepositoryControl, repositoryControls } from "./freeze-parts.js";
import type { Html } from "./layout.js";
import { approvalsLine, decisionForms, filesList, flags, prLink, shaLinks, statusPill, tests, when } from "./parts.js";

export interface PendingItem {
  row: UpgradeRow;
  json: UpgradeJson;
  approvers: string[];
  needed: number;
  canDecide: boolean;
}

export interface HistoryItem {
  row: UpgradeRow;
  json: UpgradeJson;
  decision: EventRow | undefined;
}

export interface QueuePageInput {
  pending: PendingItem[];
  history: HistoryItem[];
  filters: { repo?: string | undefined; status?: string | undefined };
  nextHref: string | null;
  isFirstPage: boolean;
  csrf: string | null;
  htmlBase: string;
  now: Date;
  /** Frozen repositories, and the Freeze/Unfreeze buttons of the repositories shown. */
  controls?: RepositoryControl[];
}

export function queueBody(input: QueuePageInput): Html {
  return html`<h1>Upgrade queue</h1>
${repositoryControls(input.controls ?? [], input.csrf, input.now)}
${filterForm(input.filters)}
${input.isFirstPage ? pendingSection(input) : ""}
<h2>History</h2>
${
  input.history.length === 0
    ? html`<p class="empty">No past upgrades${input.isFirstPage ? "" : " on this page"}.</p>`
    : html`<table><thead><tr><th>Status</th><th>Upgrade</th><th>Decided</th><th>When</th><th>Commits</th></tr></thead><tbody>${input.history.map((item) => historyRow(item, input))}</tbody></table>`
}
${input.nextHref ? html`<div class="pager"><a class="button" href="${input.nextHref}">Older upgrades →</a></div>` : ""}` as Html;
}

function filterForm(filters: QueuePageInput["filters"]): Html {
  return html`<form class="filters" method="get" action="/self-modify/queue">
<label>Repository<input type="text" name="repo" placeholder="owner/name" value="${filters.repo ?? ""}"></label>
<label>Status<select name="status"><option value="">any</option>${UPGRADE_STATUSES.map(
    (s) => html`<option value="${s}"${filters.status === s ? html` selected` : ""}>${s}</option>`,
  )}</select></label>
<button type="submit">Filter</button>${filters.repo || filters.status ? html` <a href="/self-modify/queue">clear</a>` : ""}
</form>` as Html;
}

function pendingSection(input: QueuePageInput): Html {
  return html`<h2>Pending upgrades (${input.pending.length})</h2>
${input.pending.length === 0 ? html`<p class="empty">Nothing is waiting for a decision.</p>` : input.pending.map((item) => pendingCard(item, input))}` as Html;
}

function pendingCard(item: PendingItem, input: QueuePageInput): Html {
  const { json, row } = item;
  return html`<article class="card" id="upgrade-${json.id}">
<div class="card-head"><h3><a href="/self-modify/queue/${json.id}">${row.title}</a></h3>${statusPill(json.status)} ${flags(json)}</div>
<div class="meta"><span>${prLink(json)}</span><span>branch <code>${json.branch}</code> → <code>${json.baseBranch}</code></span><span>proposed ${when(row.proposedAt, input.now)}</span><span>head <code>${shortSha(json.headSha)}</code></span></div>
${json.description ? html`<div class="desc">${truncate(json.description, 800)}</div>` : ""}
<div class="section-label">Files <span class="sub">(<span class="add">+${json.additions}</span> <span class="del">−${json.deletions}</span>)</span></div>
${filesList(json.filesChanged, 8)}
<div class="section-label">Tests</div>
${tests(json.testResults)}
<div class="section-label">Approvals</div>
<div>${approvalsLine(item.approvers, item.needed)}</div>
<details><summary>Diff preview</summary>${renderDiff(row.diffPreview, 40)}<p><a href="/self-modify/queue/${json.id}">Whole diff and timeline →</a></p></details>
${item.canDecide && input.csrf ? decisionForms(json.id, input.csrf, json.headSha) : ""}
</article>` as Html;
}

function historyRow(item: HistoryItem, input: QueuePageInput): Html {
  const { json, row, decision } = item;
  const decidedAt = decidedDate(row);
  return html`<tr>
<td>${statusPill(json.status)}${json.bypassed ? html`<br><span class="pill flag-bypassed">applied without approval</span>` : ""}</td>
<td class="wrap"><a href="/self-modify/queue/${json.id}">${row.title}</a><br><span class="sub">${prLink(json)}</span>${
    json.errorMessage ? html`<br><span class="sub t-failed">${truncate(json.errorMessage, 200)}</span>` : ""
  }</td>
<td class="wrap">${decision ? html`@${decision.actor} <span class="sub">via ${decision.via}</span>` : html`<span class="sub">—</span>`}${
    json.approvedBy.length > 0 && json.status !== "approved" ? html`<br><span class="sub">approved by ${json.approvedBy.map((l, i) => html`${i > 0 ? ", " : ""}@${l}`)}</span>` : ""
  }</td>
<td>${decidedAt ? when(decidedAt, input.now) : when(row.proposedAt, input.now)}</td>
<td><div class="meta">${shaLinks(row, input.htmlBase)}</div></td>
</tr>` as Html;
}

function decidedDate(row: UpgradeRow): Date | null {
  switch (row.status) {
    case "rejected":
      return row.rejectedAt;
    case "expired":
      return row.expiredAt;
    case "applied":
      return row.appliedAt;
    case "failed":
      return row.failedAt;
    case "rolled_back":
      return row.rolledBackAt;
    default:
      return row.approvedAt;
  }
}
