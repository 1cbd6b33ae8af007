import { html } from "hono/html";
import type { Html } from "./layout.js";

/** A unified diff as text, each line in its own span coloured by kind; never markup. */
export function renderDiff(diff: string, maxLines?: number): Html {
  if (diff.trim() === "") return html`<p class="empty">No diff recorded.</p>` as Html;
  const all = diff.replace(/\n$/, "").split("\n");
  const lines = maxLines !== undefined ? all.slice(0, maxLines) : all;
  const spans = lines.map((line) => html`<span class="${lineClass(line)}">${line === "" ? " " : line}</span>`);
  const more = all.length - lines.length;
  return html`<pre class="diff">${spans}</pre>${more > 0 ? html`<p class="sub">… ${more} more lines</p>` : ""}` as Html;
}

function lineClass(line: string): string {
  if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff ")) return "d-file";
  if (line.startsWith("@@")) return "d-hunk";
  if (line.startsWith("+")) return "d-add";
  if (line.startsWith("-")) return "d-del";
  return "d-ctx";
}
