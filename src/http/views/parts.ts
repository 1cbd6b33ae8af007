/** Pieces of an upgrade shared by the queue page and the upgrade page. */
import { html } from "hono/html";
import type { UpgradeRow } from "../../store/queue-queries.js";
import type { FileChange, TestResults, UpgradeJson } from "../upgrade-json.js";
import { plural, relativeTime, safeHref, statusLabel } from "./format.js";
import type { Html } from "./layout.js";

export function statusPill(status: string): Html {
  return html`<span class="pill s-${status.replace(/[^a-z_]/g, "")}">${statusLabel(status)}</span>` as Html;
}

export function flags(upgrade: UpgradeJson): Html {
  return html`${upgrade.guarded ? html`<span class="pill flag-guarded" title="changes a guarded path">guarded</span>` : ""}${
    upgrade.urgent ? html` <span class="pill flag-urgent" title="Upgrade-Urgency: urgent">urgent</span>` : ""
  }${upgrade.bypassed ? html` <span class="pill flag-bypassed">applied without approval</span>` : ""}` as Html;
}

export function when(date: Date | string, now: Date): Html {
  const d = typeof date === "string" ? new Date(date) : date;
  return html`<time datetime="${d.toISOString()}" title="${d.toISOString()}">${relativeTime(d, now)}</time>` as Html;
}

export function filesList(files: FileChange[], max?: number): Html {
  if (files.length === 0) return html`<p class="empty">No files recorded.</p>` as Html;
  const shown = max !== undefined ? files.slice(0, max) : files;
  const more = files.length - shown.length;
  return html`<ul class="files">${shown.map(
    (f) =>
      html`<li><code>${f.filename}</code> <span class="add">+${f.additions}</span> <span class="del">−${f.deletions}</span>${
        f.status !== "modified" ? html` <span class="sub">(${f.status})</span>` : ""
      }</li>`,
  )}${more > 0 ? html`<li class="sub">and ${plural(more, "more file")}</li>` : ""}</ul>` as Html;
}

const TEST_ICON = { passed: "✓", failed: "✗", pending: "…" } as const;

export function tests(results: TestResults | null): Html {
  if (!results) return html`<div><span class="t-pending">… pending</span> <span class="sub">no checks reported yet</span></div>` as Html;
  return html`<div><span class="t-${results.state}">${TEST_ICON[results.state]} ${results.state}</span>${
    results.summary ? html` <span class="sub">${results.summary}</span>` : ""
  }</div>${
    results.checks.length > 0
      ? html`<ul class="checks">${results.checks.map((check) => {
          const href = safeHref(check.url);
          const state = check.conclusion ?? "running";
          return html`<li>${href ? html`<a href="${href}" rel="noopener noreferrer">${check.name}</a>` : check.name}: <span class="${checkClass(check.conclusion)}">${state}</span></li>`;
        })}</ul>`
      : ""
  }` as Html;
}

function checkClass(conclusion: string | null): string {
  if (conclusion === null || conclusion === "pending" || conclusion === "queued" || conclusion === "in_progress") return "t-pending";
  return ["success", "neutral", "skipped"].includes(conclusion) ? "t-passed" : "t-failed";
}

export function approvalsLine(logins: readonly string[], needed: number | null): Html {
  const count = needed === null ? `${logins.length}` : `${logins.length} of ${needed}`;
  return html`<span>${count} ${needed === 1 || (needed === null && logins.length === 1) ? "approval" : "approvals"}${
    logins.length > 0 ? html`: ${logins.map((l, i) => html`${i > 0 ? ", " : ""}@${l}`)}` : ""
  }</span>` as Html;
}

/** The Approve form names the head the page shows: a head that moved since is not approved unseen. */
export function decisionForms(upgradeId: number, csrf: string, headSha: string): Html {
  return html`<div class="actions">
<form method="post" action="/self-modify/queue/${upgradeId}/approve"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="sha" value="${headSha}"><button type="submit" class="approve">Approve</button></form>
<form method="post" action="/self-modify/queue/${upgradeId}/reject"><input type="hidden" name="csrf" value="${csrf}"><input type="text" name="reason" maxlength="1000" placeholder="Reason (optional)" aria-label="Reason for rejecting"><button type="submit" class="reject">Reject</button></form>
</div>` as Html;
}

export function prLink(upgrade: UpgradeJson): Html {
  return html`<a href="${upgrade.pullRequestUrl}" rel="noopener noreferrer">${upgrade.repository}#${upgrade.pullNumber}</a>` as Html;
}

export function shaLinks(row: UpgradeRow, base: string): Html {
  const link = (label: string, sha: string | null) =>
    sha ? html`<span>${label} <a class="mono" href="${base}/${row.repository}/commit/${sha}" rel="noopener noreferrer">${sha.slice(0, 7)}</a></span>` : "";
  return html`${link("merge", row.mergeCommitSha)}${link("previous", row.previousSha)}${link("rollback", row.rollbackSha)}${
    row.revertPullNumber ? html`<span>revert <a href="${base}/${row.repository}/pull/${row.revertPullNumber}">#${row.revertPullNumber}</a></span>` : ""
  }` as Html;
}
