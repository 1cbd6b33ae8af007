/**
 * What a proposal is measured against, read with the agent's token before anything is written:
 * the repository's config (`.github/upgrade-queue.yml` on the default branch, parsed by the
 * app's own schema), the base branch's head and tree, and the old content of the files it touches.
 */
import { createHash } from "node:crypto";
import { CONFIG_PATH, parseRepoConfig, type RepoConfig } from "../config/repo-config.js";
import { UpgradeQueueError } from "./errors.js";
import type { FileChange } from "./diff-size.js";
import { type AgentOctokit, githubStatus, onGitHub, toClientError } from "./github.js";

export interface Repo {
  owner: string;
  repo: string;
  fullName: string;
}

export interface BaseState {
  config: RepoConfig;
  baseBranch: string;
  baseSha: string;
  baseTreeSha: string;
  /** path -> { mode, sha } of every file on the base branch. */
  files: Map<string, { mode: string; sha: string }>;
}

export async function readBase(octokit: AgentOctokit, r: Repo, wantedBase: string | undefined): Promise<BaseState> {
  const { data: info } = await onGitHub(`reading ${r.fullName}`, r.fullName, () => octokit.rest.repos.get({ owner: r.owner, repo: r.repo }));
  const config = await readConfig(octokit, r, info.default_branch);
  const baseBranch = wantedBase ?? config.baseBranch ?? info.default_branch;
  const baseSha = await branchSha(octokit, r, baseBranch);
  if (!baseSha) throw new UpgradeQueueError("invalid_input", `The base branch ${baseBranch} does not exist in ${r.fullName}.`, { baseBranch });
  const { data: commit } = await onGitHub(`reading the head of ${baseBranch}`, r.fullName, () => octokit.rest.git.getCommit({ owner: r.owner, repo: r.repo, commit_sha: baseSha }));
  const { data: tree } = await onGitHub(`reading the tree of ${baseBranch}`, r.fullName, () =>
    octokit.rest.git.getTree({ owner: r.owner, repo: r.repo, tree_sha: commit.tree.sha, recursive: "1" }),
  );
  if (tree.truncated) {
    throw new UpgradeQueueError("github_error", `The tree of ${baseBranch} in ${r.fullName} is too large for GitHub to list at once; propose with git instead.`);
  }
  const files = new Map<string, { mode: string; sha: string }>();
  for (const entry of tree.tree) {
    if (entry.type === "blob" && entry.path && entry.sha) files.set(entry.path, { mode: entry.mode ?? "100644", sha: entry.sha });
  }
  return { config, baseBranch, baseSha, baseTreeSha: commit.tree.sha, files };
}

async function readConfig(octokit: AgentOctokit, r: Repo, defaultBranch: string): Promise<RepoConfig> {
  let text: string | null = null;
  try {
    const { data } = await octokit.rest.repos.getContent({ owner: r.owner, repo: r.repo, path: CONFIG_PATH, ref: defaultBranch, mediaType: { format: "raw" } });
    text = typeof data === "string" ? data : null;
  } catch (error) {
    if (githubStatus(error) !== 404) throw toClientError(`reading ${CONFIG_PATH}`, r.fullName, error);
  }
  const parsed = parseRepoConfig(text);
  if (!parsed.ok) {
    throw new UpgradeQueueError("invalid_config", `${r.fullName}'s configuration is invalid, so the app would take no action: ${parsed.error}. A maintainer must fix it first.`, { problem: parsed.error });
  }
  return parsed.config;
}

/** The branch's head sha, or undefined when it does not exist. */
export async function branchSha(octokit: AgentOctokit, r: Repo, branch: string): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.git.getRef({ owner: r.owner, repo: r.repo, ref: `heads/${branch}` });
    // A prefix match answers with a list: only an exact ref counts.
    return !Array.isArray(data) && data.ref === `refs/heads/${branch}` ? data.object.sha : undefined;
  } catch (error) {
    if (githubStatus(error) === 404) return undefined;
    throw toClientError(`reading the branch ${branch}`, r.fullName, error);
  }
}

/** git's blob id of a text, so unchanged files are known without downloading them. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** Each file's old and new content; a file whose new content equals the old one is left out. */
export async function readChanges(octokit: AgentOctokit, r: Repo, base: BaseState, files: Record<string, string | null>): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const [path, after] of Object.entries(files)) {
    const old = base.files.get(path);
    if (after === null && !old) {
      throw new UpgradeQueueError("invalid_input", `Cannot delete ${path}: it does not exist on ${base.baseBranch}.`, { path });
    }
    if (after !== null && old?.sha === gitBlobSha(after)) continue;
    const before = old ? await readBlob(octokit, r, old.sha, path) : undefined;
    changes.push({ path, before, after: after ?? undefined });
  }
  return changes;
}

async function readBlob(octokit: AgentOctokit, r: Repo, sha: string, path: string): Promise<string> {
  const { data } = await onGitHub(`reading ${path}`, r.fullName, () => octokit.rest.git.getBlob({ owner: r.owner, repo: r.repo, file_sha: sha }));
  return Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8").toString("utf8");
}
