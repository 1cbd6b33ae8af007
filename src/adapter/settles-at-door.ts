/**
 * Which routed deliveries the webhook door may answer at once, from the payload and the branch
 * prefix alone, with no database read, no GitHub request and no Probot context. Pure.
 *
 * The prefix is what the process already knows (a fresh cached config); when it does not know
 * it (`null`), nothing that depends on it settles: the delivery goes on to the pipeline, which
 * reads the config (and caches it for the next ones). Guessing the default prefix instead would
 * drop the first PR events of a repository whose config names another prefix.
 *
 * Why each drop is safe is written down in docs/performance.md ("What the door drops").
 */
import { CONFIG_PATH } from "../config/repo-config.js";
import type { Job } from "./route-delivery.js";

/** True when every job of the delivery (none at all included) concerns no upgrade. */
export function settlesAtDoor(jobs: readonly Job[], prefix: string | null): boolean {
  return jobs.every((job) => jobSettles(job, prefix));
}

function jobSettles(job: Job, prefix: string | null): boolean {
  switch (job.kind) {
    case "push":
      // The pipeline drops pushes to the default branch too, once it has dropped a changed
      // config from the cache: that push must reach it.
      if (job.branch === job.defaultBranch) return !job.touchedFiles.includes(CONFIG_PATH);
      return lacksPrefix([job.branch], prefix);
    case "pull":
      // A merged PR may be the revert PR of an applied upgrade, on any branch: only the
      // database knows.
      if (job.action === "closed" && job.pull.merged) return false;
      if (job.pull.headRepoFullName !== job.repository) return true;
      return lacksPrefix([job.pull.headRef], prefix);
    case "review":
    case "label":
      return lacksPrefix([job.headRef], prefix);
    case "comment":
      // A comment names no branch: whether its PR is an upgrade's is in the database.
      return false;
    case "checks":
      return job.branches !== null && lacksPrefix(job.branches, prefix);
  }
}

function lacksPrefix(branches: readonly string[], prefix: string | null): boolean {
  return prefix !== null && branches.every((branch) => !branch.startsWith(prefix));
}
