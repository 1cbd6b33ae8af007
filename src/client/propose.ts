/**
 * `propose`: one commit on a new branch `<branchPrefix><slug>`, written through GitHub's Git Data
 * API (blobs, tree, commit, ref) with the agent's own token. Everything is read and checked
 * first (token, access, config, branch, diff size); the ref is the last write, so a refusal or a
 * failure before it leaves no branch behind (unreferenced blobs are invisible and collected by GitHub).
 */
import { type AgentOctokit, githubStatus, onGitHub, toClientError } from "./github.js";
import { diffSize } from "./diff-size.js";
import { UpgradeQueueError } from "./errors.js";
import { type BaseState, type Repo, branchSha, readBase, readChanges } from "./read-base.js";
import { describeIssues, ProposeInput } from "./schemas.js";

export interface ProposeResult {
  repository: string;
  branch: string;
  /** The commit written: the upgrade's head. */
  sha: string;
  baseBranch: string;
  additions: number;
  deletions: number;
}

export const URGENT_TRAILER = "Upgrade-Urgency: urgent";

/** Subject, blank line, body; the urgent trailer alone in the last paragraph, where git trailers live. */
export function commitMessage(title: string, description: string, urgent: boolean): string {
  const body = description.trim();
  return [title.trim(), ...(body ? [body] : []), ...(urgent ? [URGENT_TRAILER] : [])].join("\n\n") + "\n";
}

export async function proposeWith(octokit: AgentOctokit, raw: ProposeInput): Promise<ProposeResult> {
  const parsed = ProposeInput.safeParse(raw);
  if (!parsed.success) throw new UpgradeQueueError("invalid_input", `Invalid proposal: ${describeIssues(parsed.error)}.`);
  const input = parsed.data;
  const [owner, repo] = input.repository.split("/") as [string, string];
  const r: Repo = { owner, repo, fullName: input.repository };

  const base = await readBase(octokit, r, input.baseBranch);
  const branch = `${base.config.branchPrefix}${input.slug}`;
  if (await branchSha(octokit, r, branch)) throw branchExists(r, branch);
  const changes = await readChanges(octokit, r, base, input.files);
  if (changes.length === 0) {
    throw new UpgradeQueueError("invalid_input", `Nothing to propose: every file already has this content on ${base.baseBranch}.`);
  }
  const size = diffSize(changes);
  if (size.total > base.config.maxDiffLines) {
    throw new UpgradeQueueError(
      "diff_too_large",
      `The change has ${size.total} changed lines (${size.additions} added, ${size.deletions} deleted), more than ${r.fullName}'s maxDiffLines (${base.config.maxDiffLines}). Nothing was written: split it into smaller proposals.`,
      { additions: size.additions, deletions: size.deletions, total: size.total, maxDiffLines: base.config.maxDiffLines },
    );
  }
  const message = commitMessage(input.title, input.description, input.urgent);
  const sha = await writeCommit(octokit, r, base, input.files, changes.map((c) => c.path), message);
  await createBranch(octokit, r, branch, sha);
  return { repository: r.fullName, branch, sha, baseBranch: base.baseBranch, additions: size.additions, deletions: size.deletions };
}

type TreeEntry = { path: string; mode: "100644" | "100755"; type: "blob"; sha: string | null };

async function writeCommit(octokit: AgentOctokit, r: Repo, base: BaseState, files: Record<string, string | null>, paths: string[], message: string): Promise<string> {
  const entries: TreeEntry[] = [];
  for (const path of paths) {
    const content = files[path];
    // Keep an existing file's mode (an executable stays executable).
    const mode = base.files.get(path)?.mode === "100755" ? "100755" : "100644";
    if (content === null || content === undefined) {
      entries.push({ path, mode, type: "blob" as const, sha: null });
      continue;
    }
    const { data: blob } = await onGitHub(`writing ${path}`, r.fullName, () =>
      octokit.rest.git.createBlob({ owner: r.owner, repo: r.repo, content: Buffer.from(content, "utf8").toString("base64"), encoding: "base64" }),
    );
    entries.push({ path, mode, type: "blob" as const, sha: blob.sha });
  }
  const { data: tree } = await onGitHub("writing the tree", r.fullName, () => octokit.rest.git.createTree({ owner: r.owner, repo: r.repo, base_tree: base.baseTreeSha, tree: entries }));
  const { data: commit } = await onGitHub("writing the commit", r.fullName, () =>
    octokit.rest.git.createCommit({ owner: r.owner, repo: r.repo, message, tree: tree.sha, parents: [base.baseSha] }),
  );
  return commit.sha;
}

async function createBranch(octokit: AgentOctokit, r: Repo, branch: string, sha: string): Promise<void> {
  try {
    await octokit.rest.git.createRef({ owner: r.owner, repo: r.repo, ref: `refs/heads/${branch}`, sha });
  } catch (error) {
    if (githubStatus(error) !== 422) throw toClientError(`creating the branch ${branch}`, r.fullName, error);
    // A retried request whose first attempt did create the ref: that is our branch, not a clash.
    if ((await branchSha(octokit, r, branch)) === sha) return;
    throw branchExists(r, branch);
  }
}

function branchExists(r: Repo, branch: string): UpgradeQueueError {
  return new UpgradeQueueError("branch_exists", `The branch ${branch} already exists in ${r.fullName}: propose with a new slug (one slug per proposal).`, { branch });
}
