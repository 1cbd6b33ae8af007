/** Pure helpers that turn what GitHub says about commits and files into upgrade facts. */
import picomatch from "picomatch";

/** Key and value on one line: with `\s*` a lone "Upgrade-Urgency:" line followed by "urgent" counted. */
const URGENT_TRAILER = /^upgrade-urgency:[ \t]*urgent[ \t]*\r?$/im;

/** The head commit carries the `Upgrade-Urgency: urgent` trailer (in its last paragraph). */
export function hasUrgentTrailer(commitMessage: string): boolean {
  const paragraphs = commitMessage.trim().split(/\n\s*\n/);
  const trailers = paragraphs.length > 1 ? (paragraphs[paragraphs.length - 1] ?? "") : "";
  return URGENT_TRAILER.test(trailers);
}

/** Any changed file matches a guarded glob (dotfiles included: `.github/**` must match). */
export function isGuarded(filenames: readonly string[], guardedPaths: readonly string[]): boolean {
  if (guardedPaths.length === 0) return false;
  const matches = picomatch(guardedPaths as string[], { dot: true });
  return filenames.some((name) => matches(name));
}

/** Splits a commit message into the PR title (subject) and body. */
export function splitCommitMessage(message: string): { subject: string; body: string } {
  const normalised = message.replace(/\r\n/g, "\n");
  const newline = normalised.indexOf("\n");
  const subject = (newline === -1 ? normalised : normalised.slice(0, newline)).trim();
  const body = newline === -1 ? "" : normalised.slice(newline + 1).trim();
  return { subject, body };
}

/**
 * The latest instant a GitHub timestamp allows: GitHub gives whole seconds, so `12:00:05Z` may
 * be any time up to 12:00:05.999; a timestamp with fractions is exact. Null when it is no time.
 */
export function latestInstant(timestamp: string | null | undefined): Date | null {
  if (typeof timestamp !== "string") return null;
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return null;
  return new Date(/T\d{2}:\d{2}:\d{2}\.\d/.test(timestamp) ? at : at + 999);
}
