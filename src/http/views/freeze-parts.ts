/** The freeze notices and the maintainers' forms (Freeze, Unfreeze, Rollback). */
import { html } from "hono/html";
import type { FreezeRow } from "../../store/queue-queries.js";
import type { Html } from "./layout.js";
import { when } from "./parts.js";

/** One repository's freeze, and the form a maintainer may use on it. */
export interface RepositoryControl {
  repository: string;
  freeze: FreezeRow | null;
  canFreeze: boolean;
}

export function frozenText(freeze: FreezeRow): Html {
  return html`Frozen by @${freeze.by}${freeze.reason ? html`: ${freeze.reason}` : ""}` as Html;
}

export function repositoryControls(controls: RepositoryControl[], csrf: string | null, now: Date): Html {
  if (controls.length === 0) return html`` as Html;
  return html`<section class="repos">${controls.map(
    (c) => html`<div class="${c.freeze ? "notice frozen" : "repo-line"}" id="repo-${c.repository.replace(/[^A-Za-z0-9_-]/g, "-")}"><strong>${c.repository}</strong>${
      c.freeze ? html`: ${frozenText(c.freeze)} <span class="sub">(${when(c.freeze.at, now)}; nothing is merged until it is unfrozen)</span>` : ""
    }${c.canFreeze && csrf ? freezeForm(c.repository, c.freeze !== null, csrf) : ""}</div>`,
  )}</section>` as Html;
}

export function freezeForm(repository: string, frozen: boolean, csrf: string): Html {
  const action = `/self-modify/repos/${repository}/${frozen ? "unfreeze" : "freeze"}`;
  return frozen
    ? (html`<form class="actions" method="post" action="${action}"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="unfreeze">Unfreeze</button></form>` as Html)
    : (html`<form class="actions" method="post" action="${action}"><input type="hidden" name="csrf" value="${csrf}"><input type="text" name="reason" maxlength="500" placeholder="Reason (optional)" aria-label="Reason for freezing"><button type="submit" class="freeze">Freeze</button></form>` as Html);
}

export function rollbackForm(upgradeId: number, csrf: string): Html {
  return html`<div class="actions"><form method="post" action="/self-modify/queue/${upgradeId}/rollback"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="rollback">Roll back</button></form></div>` as Html;
}
