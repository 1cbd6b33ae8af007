/**
 * What one pass over one upgrade carries from step to step (Kodiak's lesson: one small object
 * instead of long parameter lists), including the pull request as GitHub has it now, read at
 * most once per pass and only when a step needs it.
 */
import type { RepoConfig } from "../config/repo-config.js";
import type { GitHubPort, PullSnapshot, RepoRef } from "../github/port.js";
import type { PipelineDeps } from "./deps.js";

export interface PassContext {
  deps: PipelineDeps;
  port: GitHubPort;
  repo: RepoRef;
  config: RepoConfig;
  upgradeId: number;
  pullNumber: number;
  deliveryId: string | null;
  /** The PR as GitHub has it now: the snapshot read in this pass, or read now. */
  readPull(): Promise<PullSnapshot>;
  /** The read this pass has made, if it has made one (never reads). */
  pullIfRead(): PullSnapshot | null;
}

export function createPassContext(
  fields: Omit<PassContext, "readPull" | "pullIfRead">,
  snapshot: PullSnapshot | null,
  read: { reviews: boolean } = { reviews: false },
): PassContext {
  let reading: Promise<PullSnapshot> | null = snapshot ? Promise.resolve(snapshot) : null;
  let known = snapshot;
  return {
    ...fields,
    readPull() {
      reading ??= fields.port.readPull(fields.repo, fields.pullNumber, read.reviews ? { reviews: true } : undefined).then((pull) => (known = pull));
      return reading;
    },
    pullIfRead: () => known,
  };
}
