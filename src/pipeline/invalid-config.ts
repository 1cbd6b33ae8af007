/** Reports an invalid `.github/upgrade-queue.yml` on a commit that has no upgrade yet. */
import { invalidConfigView } from "../domain/messages.js";
import type { GitHubPort, RepoRef } from "../github/port.js";
import type { PipelineDeps } from "./deps.js";

export async function reportInvalidConfigOnSha(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, sha: string, error: string): Promise<void> {
  deps.log.warn({ repository: `${repo.owner}/${repo.repo}`, error }, "invalid repository config; taking no action");
  await port.upsertCheckRun(repo, { id: null, headSha: sha, view: invalidConfigView(error), detailsUrl: `${deps.publicUrl}/self-modify/queue` });
}
