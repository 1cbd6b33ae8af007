/** Reads what decide() needs about a pull request's current head from GitHub. */
import type { RepoConfig } from "../config/repo-config.js";
import { hasUrgentTrailer, isGuarded, latestInstant } from "../domain/head-facts.js";
import { weakenedTestFiles } from "../domain/weakened-tests.js";
import type { HeadFacts } from "../domain/types.js";
import type { GitHubPort, PullCommit, PullFile, RepoRef } from "../github/port.js";

/** Largest diff preview kept in the database; the full diff stays on GitHub. */
export const MAX_DIFF_PREVIEW = 256 * 1024;

export interface FetchedHead {
  facts: HeadFacts;
  diffPreview: string;
  headMessage: string;
  /** The first commit's author (or committer): who proposed it when the PR's author is the app. */
  firstAuthor: string | null;
}

export async function fetchHeadFacts(
  port: GitHubPort,
  repo: RepoRef,
  pull: { number: number; headSha: string; author: string | null; createdAt?: string | null; updatedAt?: string },
  config: RepoConfig,
  alsoNonApprovers: readonly (string | null)[],
): Promise<FetchedHead> {
  const [files, commits] = await Promise.all([port.listPullFiles(repo, pull.number), port.listPullCommits(repo, pull.number)]);
  return headFactsFrom(files, commits, pull, config, alsoNonApprovers);
}

/** Facts from already-read files and commits (a PR's, or a compare of base and head). */
export function headFactsFrom(
  files: readonly PullFile[],
  commits: readonly PullCommit[],
  pull: { headSha: string; author: string | null; createdAt?: string | null; updatedAt?: string },
  config: RepoConfig,
  alsoNonApprovers: readonly (string | null)[],
): FetchedHead {
  const headCommit = commits.find((c) => c.sha === pull.headSha) ?? commits[commits.length - 1];
  const logins = new Set<string>();
  for (const login of [pull.author, ...alsoNonApprovers, ...commits.flatMap((c) => [c.authorLogin, c.committerLogin])]) {
    if (login) logins.add(login);
  }
  const headMessage = headCommit?.message ?? "";
  const weakenedTests = weakenedTestFiles(files, config.testPaths);
  return {
    facts: {
      headSha: pull.headSha,
      additions: files.reduce((sum, f) => sum + f.additions, 0),
      deletions: files.reduce((sum, f) => sum + f.deletions, 0),
      files: files.map(({ filename, status, additions, deletions }) => ({ filename, status, additions, deletions })),
      guarded:
        isGuarded(
          files.map((f) => f.filename),
          config.guardedPaths,
        ) || weakenedTests.length > 0,
      urgent: hasUrgentTrailer(headMessage),
      nonApprovers: [...logins],
      weakenedTests,
      since: headSinceOf(pull),
    },
    diffPreview: renderDiff(files),
    headMessage,
    firstAuthor: commits[0]?.authorLogin ?? commits[0]?.committerLogin ?? null,
  };
}

/**
 * GitHub's time no earlier than the push that made the PR's head its head (`UpgradeState.headSince`):
 * the PR's `updated_at` in this read, which that push bumped (the latest instant it allows), or
 * null while the PR is as it was opened (`updated_at` = `created_at`: its first head, which no
 * comment on it can predate). Null too when the read gave no time.
 */
export function headSinceOf(pull: { createdAt?: string | null; updatedAt?: string }): Date | null {
  if (!pull.updatedAt || pull.updatedAt === pull.createdAt) return null;
  return latestInstant(pull.updatedAt);
}

export function renderDiff(files: readonly PullFile[]): string {
  let out = "";
  for (const file of files) {
    const block = `diff --git a/${file.filename} b/${file.filename}\n--- a/${file.filename}\n+++ b/${file.filename}\n${file.patch ?? "(binary or too large to show)"}\n`;
    if (out.length + block.length > MAX_DIFF_PREVIEW) return `${out}... (diff preview truncated; see the pull request for the full diff)\n`;
    out += block;
  }
  return out;
}
