/**
 * Reports an invalid `.github/upgrade-queue.yml` on a head that has no upgrade yet (the config
 * was invalid when the branch was pushed or the PR opened): one `Upgrade Queue` check run per
 * head and one comment per PR (CONTRACT §4), however many deliveries (the push, then the PR the
 * agent opened) report it. With no upgrade row to remember it by, GitHub is asked what the app
 * already said there; deliveries about one head are reported one at a time in this process.
 */
import { invalidConfigView } from "../domain/messages.js";
import type { GitHubPort, RepoRef } from "../github/port.js";
import type { PipelineDeps } from "./deps.js";

export const INVALID_CONFIG_COMMENT = "Upgrade Queue takes no action until `.github/upgrade-queue.yml` on the default branch is fixed:";

const reporting = new Map<string, Promise<unknown>>();

function oneAtATime(key: string, work: () => Promise<void>): Promise<void> {
  const run = (reporting.get(key) ?? Promise.resolve()).then(work, work);
  const tail = run.catch(() => undefined);
  reporting.set(key, tail);
  void tail.then(() => {
    if (reporting.get(key) === tail) reporting.delete(key);
  });
  return run;
}

export async function reportInvalidConfigOnHead(deps: PipelineDeps, port: GitHubPort, repo: RepoRef, head: { sha: string; pull: number | null }, error: string): Promise<void> {
  const repository = `${repo.owner}/${repo.repo}`;
  deps.log.warn({ repository, error }, "invalid repository config; taking no action");
  await oneAtATime(`${repository}@${head.sha}`, async () => {
    const view = invalidConfigView(error);
    const existing = await port.findCheckRun(repo, head.sha);
    if (!existing || existing.summary !== view.summary) {
      await port.upsertCheckRun(repo, { id: existing?.id ?? null, headSha: head.sha, view, detailsUrl: `${deps.publicUrl}/self-modify/queue` });
    }
    if (head.pull === null) return;
    const body = `${INVALID_CONFIG_COMMENT}\n\n${error}`;
    const said = await port.commentsSince(repo, head.pull, new Date(0));
    if (said.some((c) => (deps.botLogin === null || c.author === deps.botLogin) && c.body === body)) return;
    await port.comment(repo, head.pull, body);
  });
}
