/**
 * Who is looking: resolved once per request from the `Authorization` header or the session
 * cookie, as CONTRACT §6 lists the access modes.
 */
import type { Visibility } from "../store/queue-queries.js";

export type Viewer =
  /** STATUS_PAGE_TOKEN, as a bearer token or through the token form: everything, read only. */
  | { kind: "token"; csrf: string | null }
  /** Signed in with GitHub: the repositories the user can read; may decide where an approver. */
  | { kind: "github"; login: string; csrf: string; repos: readonly string[] }
  /** Nobody: public repositories, read only (or 401 when a token is configured). */
  | { kind: "anonymous" };

export function visibilityOf(viewer: Viewer): Visibility {
  switch (viewer.kind) {
    case "token":
      return { kind: "all" };
    case "github":
      return { kind: "repos", repos: viewer.repos };
    case "anonymous":
      return { kind: "public" };
  }
}

/** The CSRF token forms must carry, when the viewer has a session. */
export function csrfOf(viewer: Viewer): string | null {
  return viewer.kind === "anonymous" ? null : viewer.csrf;
}
