/**
 * How many lines a proposal changes, counted as GitHub counts a pull request's additions and
 * deletions: a line diff (Myers, through jsdiff) of each file's old content against its new one.
 * A new file adds all its lines, a deleted file deletes all of them.
 */
import { diffLines } from "diff";

export interface FileChange {
  path: string;
  /** Content on the base branch; undefined when the file does not exist there. */
  before: string | undefined;
  /** New content; undefined deletes the file. */
  after: string | undefined;
}

export interface LineCounts {
  additions: number;
  deletions: number;
}

/** Past this many ms on one file, the whole old file counts as deleted and the new one as added (an upper bound). */
const DIFF_TIMEOUT_MS = 2000;

/** Lines of a text as git counts them: a last line without a newline still counts. */
export function countLines(text: string | undefined): number {
  if (!text) return 0;
  const newlines = text.split("\n").length - 1;
  return text.endsWith("\n") ? newlines : newlines + 1;
}

export function lineChanges(before: string | undefined, after: string | undefined): LineCounts {
  if (before === after) return { additions: 0, deletions: 0 };
  if (!before || !after) return { additions: countLines(after), deletions: countLines(before) };
  const parts = diffLines(before, after, { timeout: DIFF_TIMEOUT_MS });
  if (!parts) return { additions: countLines(after), deletions: countLines(before) };
  let additions = 0;
  let deletions = 0;
  for (const part of parts) {
    if (part.added) additions += part.count;
    else if (part.removed) deletions += part.count;
  }
  return { additions, deletions };
}

export function diffSize(changes: readonly FileChange[]): LineCounts & { total: number } {
  let additions = 0;
  let deletions = 0;
  for (const change of changes) {
    const counts = lineChanges(change.before, change.after);
    additions += counts.additions;
    deletions += counts.deletions;
  }
  return { additions, deletions, total: additions + deletions };
}
