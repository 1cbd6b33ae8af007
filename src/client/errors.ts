/**
 * The client's one error type: a closed set of codes an agent can branch on, each message saying
 * what went wrong and what to do about it.
 */

export type UpgradeQueueErrorCode =
  /** The input does not pass the schema (or names nothing to change). */
  | "invalid_input"
  /** A required setting (GITHUB_TOKEN, UPGRADE_QUEUE_URL, ...) is missing or malformed. */
  | "not_configured"
  /** GitHub refused the agent's token (401). */
  | "bad_token"
  /** The repository does not exist or the token cannot see it (404), or may not write to it (403). */
  | "no_access"
  /** The branch `<branchPrefix><slug>` already exists. */
  | "branch_exists"
  /** The change has more changed lines than the repository's `maxDiffLines`. Nothing was written. */
  | "diff_too_large"
  /** `.github/upgrade-queue.yml` on the default branch is invalid: the app takes no action until it is fixed. */
  | "invalid_config"
  /** Any other GitHub answer the client cannot act on. */
  | "github_error"
  /** The Upgrade Queue app could not be reached. */
  | "app_unreachable"
  /** The app refused STATUS_PAGE_TOKEN (401/403). */
  | "app_unauthorized"
  /** The app answered with something else than the queue JSON. */
  | "app_error"
  /** waitForDecision gave up after `timeoutMs`. */
  | "timeout"
  /** waitForDecision's `signal` was aborted. */
  | "aborted";

export class UpgradeQueueError extends Error {
  override readonly name = "UpgradeQueueError";

  constructor(
    readonly code: UpgradeQueueErrorCode,
    message: string,
    /** Facts behind the error, e.g. `{ additions, deletions, maxDiffLines }` for `diff_too_large`. */
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { error: UpgradeQueueErrorCode; message: string; details: Readonly<Record<string, unknown>> } {
    return { error: this.code, message: this.message, details: this.details };
  }
}

export function isUpgradeQueueError(value: unknown): value is UpgradeQueueError {
  return value instanceof UpgradeQueueError;
}
