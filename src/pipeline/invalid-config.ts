/**
 * Reports an invalid `.github/upgrade-queue.yml` on a head that has no upgrade yet (the config
 * was invalid when the branch was pushed or the PR opened): one `Upgrade Queue` check run per
 * head and one comment per PR (CONTRACT §4), however many deliveries (the push, then the PR the
 * agent opened) report it. With no upgrade row to remember it by, GitHub is asked what the app
 * already said there.
 *
 * An upgrade may be recorded for the head while this runs (a pass that read the config before
 * it turned invalid). So the report and an upgrade's creation of its check run (present.ts)
 * take turns per head in this pipeline, and an upgrade's creation asks GitHub first when such a
 * report was made on its head.
 */
import { invalidConfigView } from "../domain/messages.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";
import type { GitHubPort, RepoRef } from "../github/port.js";
import type { PipelineDeps } from "./deps.js";
import { Turns, perPipeline } from "./turns.js";

export const INVALID_CONFIG_COMMENT = "Upgrade Queue takes no action until `.github/upgrade-queue.yml` on the default branch is fixed:";

const heads = perPipeline(() => ({
  /** Work on each head, in turn. */
  turns: new Turns<string>(),
  /** Heads reported on without an upgrade lately, oldest first (few: invalid configs are rare). */
  reported: new Set<string>(),
}));
const REPORTED_HEADS_KEPT = 1_000;

/**
 * Runs an upgrade's creation of the check run on `sha` in turn with invalid-config reports on
 * that head; `reportedHere` says whether one was made, so a check run it created may be there
 * though the upgrade's last read of the PR did not show it.
 */
export function creatingCheckRunOn<T>(deps: PipelineDeps, repository: string, sha: string, work: (reportedHere: boolean) => Promise<T>): Promise<T> {
  const key = `${repository}@${sha}`;
  const { turns, reported } = heads(deps);
  return turns.take(key, () => work(reported.has(key)));
}

export async function reportInvalidConfigOnHead(
  deps: PipelineDeps,
  port: GitHubPort,
  repo: RepoRef,
  head: { sha: string; pull: number | null },
  error: string,
  /** The upgrade this head belongs to, should one have been recorded since the caller looked. */
  upgradeOf: () => Promise<UpgradeRecord | null>,
  /** How an upgrade reports it (present.ts), through its check-run claim. */
  reportOnUpgrade: (record: UpgradeRecord) => Promise<void>,
): Promise<void> {
  const repository = `${repo.owner}/${repo.repo}`;
  deps.log.warn({ repository, error }, "invalid repository config; taking no action");
  const key = `${repository}@${head.sha}`;
  const { turns, reported } = heads(deps);
  const recorded = await turns.take(key, async () => {
    // Recorded since the caller looked: the upgrade reports it, as the caller would have.
    const record = await upgradeOf();
    if (record) return record;
    remember(reported, key);
    const view = invalidConfigView(error);
    const existing = await port.findCheckRun(repo, head.sha);
    if (!existing || existing.summary !== view.summary) {
      await port.upsertCheckRun(repo, { id: existing?.id ?? null, headSha: head.sha, view, detailsUrl: `${deps.publicUrl}/self-modify/queue` });
    }
    if (head.pull === null) return null;
    const body = `${INVALID_CONFIG_COMMENT}\n\n${error}`;
    const said = await port.commentsSince(repo, head.pull, new Date(0));
    if (!said.some((c) => (deps.botLogin === null || c.author === deps.botLogin) && c.body === body)) await port.comment(repo, head.pull, body);
    return null;
  });
  if (recorded) await reportOnUpgrade(recorded);
}

function remember(reportedHeads: Set<string>, key: string): void {
  reportedHeads.delete(key);
  reportedHeads.add(key);
  if (reportedHeads.size > REPORTED_HEADS_KEPT) reportedHeads.delete(reportedHeads.values().next().value as string);
}
