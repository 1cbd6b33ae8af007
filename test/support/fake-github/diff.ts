/**
 * Line diffs shaped like GitHub's `patch` field: unified hunks with three lines of context,
 * without the `diff --git`/`---`/`+++` header (GitHub omits it in /pulls/:n/files).
 */
import type { Change } from "./git.js";

type Op = { kind: " " | "-" | "+"; line: string };

function lines(text: string | undefined): string[] {
  if (text === undefined || text === "") return [];
  const list = text.split("\n");
  if (list[list.length - 1] === "") list.pop();
  return list;
}

/**
 * Edit script: common prefix and suffix kept, the middle diffed by longest common subsequence,
 * or (when that middle is too large for an O(n*m) table) replaced wholesale.
 */
function editScript(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end += 1;
  const keep = (line: string): Op => ({ kind: " ", line });
  const midA = a.slice(start, a.length - end);
  const midB = b.slice(start, b.length - end);
  const middle =
    midA.length * midB.length > 4_000_000
      ? [...midA.map((line): Op => ({ kind: "-", line })), ...midB.map((line): Op => ({ kind: "+", line }))]
      : lcsScript(midA, midB);
  return [...a.slice(0, start).map(keep), ...middle, ...a.slice(a.length - end).map(keep)];
}

function lcsScript(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      const row = lcs[i] as number[];
      row[j] = a[i] === b[j] ? (lcs[i + 1] as number[])[j + 1]! + 1 : Math.max((lcs[i + 1] as number[])[j]!, row[j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: " ", line: a[i] as string });
      i += 1;
      j += 1;
    } else if (j < m && (i >= n || (lcs[i] as number[])[j + 1]! >= (lcs[i + 1] as number[])[j]!)) {
      ops.push({ kind: "+", line: b[j] as string });
      j += 1;
    } else {
      ops.push({ kind: "-", line: a[i] as string });
      i += 1;
    }
  }
  return ops;
}

export interface FileDiff {
  filename: string;
  status: "added" | "removed" | "modified";
  additions: number;
  deletions: number;
  changes: number;
  patch: string;
}

export function fileDiff(change: Change): FileDiff {
  const ops = editScript(lines(change.before), lines(change.after));
  const additions = ops.filter((op) => op.kind === "+").length;
  const deletions = ops.filter((op) => op.kind === "-").length;
  const status = change.before === undefined ? "added" : change.after === undefined ? "removed" : "modified";
  return { filename: change.path, status, additions, deletions, changes: additions + deletions, patch: hunks(ops) };
}

function hunks(ops: Op[]): string {
  const CONTEXT = 3;
  const out: string[] = [];
  let index = 0;
  while (index < ops.length) {
    const firstChange = ops.findIndex((op, k) => k >= index && op.kind !== " ");
    if (firstChange < 0) break;
    const start = Math.max(index, firstChange - CONTEXT);
    let end = firstChange;
    let lastChange = firstChange;
    while (end < ops.length && end - lastChange <= CONTEXT * 2) {
      if ((ops[end] as Op).kind !== " ") lastChange = end;
      end += 1;
    }
    const stop = Math.min(ops.length, lastChange + CONTEXT + 1);
    const slice = ops.slice(start, stop);
    const oldStart = ops.slice(0, start).filter((op) => op.kind !== "+").length;
    const newStart = ops.slice(0, start).filter((op) => op.kind !== "-").length;
    const oldLen = slice.filter((op) => op.kind !== "+").length;
    const newLen = slice.filter((op) => op.kind !== "-").length;
    out.push(`@@ -${range(oldStart, oldLen)} +${range(newStart, newLen)} @@`);
    for (const op of slice) out.push(`${op.kind}${op.line}`);
    index = stop;
  }
  return out.join("\n");
}

function range(start: number, length: number): string {
  const first = length === 0 ? start : start + 1;
  return length === 1 ? `${first}` : `${first},${length}`;
}

/** A whole `git diff` text, as GitHub serves with `Accept: application/vnd.github.diff`. */
export function unifiedDiff(changes: Change[]): string {
  return changes
    .map((change) => {
      const diff = fileDiff(change);
      const from = change.before === undefined ? "/dev/null" : `a/${change.path}`;
      const to = change.after === undefined ? "/dev/null" : `b/${change.path}`;
      const header = [`diff --git a/${change.path} b/${change.path}`];
      if (diff.status === "added") header.push("new file mode 100644");
      if (diff.status === "removed") header.push("deleted file mode 100644");
      header.push(`--- ${from}`, `+++ ${to}`);
      return `${header.join("\n")}\n${diff.patch}\n`;
    })
    .join("");
}
