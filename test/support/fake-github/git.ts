/**
 * Git objects for the fake: trees are path->content snapshots, commits point at trees.
 * Shas are real-looking (40 hex) but are not git's own hashes.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Commit, Repo, State, Tree } from "./state.js";
import { now } from "./state.js";

export const ZERO_SHA = "0000000000000000000000000000000000000000";

export function writeTree(state: State, files: Tree): string {
  const hash = createHash("sha1");
  for (const path of [...files.keys()].sort()) hash.update(`${path}\0${files.get(path)}\0`);
  const sha = hash.digest("hex");
  if (!state.trees.has(sha)) state.trees.set(sha, new Map(files));
  return sha;
}

/** Git's own blob hash (`git hash-object`), so a listed file's sha matches what a client computes. */
export function blobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** Stores a file's content under its blob sha (as `POST git/blobs` does) and returns the sha. */
export function writeBlob(state: State, content: string): string {
  const sha = blobSha(content);
  state.blobs.set(sha, content);
  return sha;
}

export function readTree(state: State, sha: string): Tree {
  const tree = state.trees.get(sha);
  if (!tree) throw new Error(`fake-github: no tree ${sha}`);
  return tree;
}

export function writeCommit(
  state: State,
  input: { tree: string; parents: string[]; message: string; author: string; committer: string },
): Commit {
  const date = now(state);
  const sha = createHash("sha1")
    .update(JSON.stringify(input))
    .update(date)
    .update(randomBytes(8))
    .digest("hex");
  const commit: Commit = { sha, date, ...input };
  state.commits.set(sha, commit);
  return commit;
}

export function getCommit(state: State, sha: string): Commit | undefined {
  return state.commits.get(sha);
}

export function treeOfCommit(state: State, sha: string): Tree {
  const commit = state.commits.get(sha);
  if (!commit) throw new Error(`fake-github: no commit ${sha}`);
  return readTree(state, commit.tree);
}

/** Resolves a branch name or a full/abbreviated sha of a commit reachable in the repo. */
export function resolveRef(state: State, repo: Repo, ref: string): string | undefined {
  const name = ref.replace(/^refs\/heads\//, "").replace(/^heads\//, "");
  const branch = repo.branches.get(name);
  if (branch) return branch;
  if (!/^[0-9a-f]{4,40}$/i.test(ref)) return undefined;
  const lower = ref.toLowerCase();
  if (state.commits.has(lower)) return lower;
  for (const sha of state.commits.keys()) if (sha.startsWith(lower)) return sha;
  return undefined;
}

/** All ancestors of a commit including itself, nearest first (breadth first). */
export function ancestors(state: State, sha: string): string[] {
  const seen = new Set<string>([sha]);
  const order: string[] = [sha];
  for (let i = 0; i < order.length; i += 1) {
    for (const parent of state.commits.get(order[i] as string)?.parents ?? []) {
      if (!seen.has(parent)) {
        seen.add(parent);
        order.push(parent);
      }
    }
  }
  return order;
}

export function isAncestor(state: State, maybeAncestor: string, of: string): boolean {
  return ancestors(state, of).includes(maybeAncestor);
}

export function mergeBase(state: State, a: string, b: string): string | undefined {
  const ofA = new Set(ancestors(state, a));
  return ancestors(state, b).find((sha) => ofA.has(sha));
}

/** Commits reachable from head but not from base, parents before children (`git log --reverse base..head`). */
export function commitsBetween(state: State, base: string, head: string): Commit[] {
  const exclude = new Set(ancestors(state, base));
  const done = new Set<string>();
  const out: Commit[] = [];
  const stack: Array<{ sha: string; expanded: boolean }> = [{ sha: head, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop() as { sha: string; expanded: boolean };
    if (done.has(top.sha) || exclude.has(top.sha)) continue;
    const commit = state.commits.get(top.sha);
    if (!commit) continue;
    if (top.expanded) {
      done.add(top.sha);
      out.push(commit);
      continue;
    }
    stack.push({ sha: top.sha, expanded: true });
    for (const parent of [...commit.parents].reverse()) stack.push({ sha: parent, expanded: false });
  }
  return out;
}

export type Change = { path: string; before: string | undefined; after: string | undefined };

export function diffTrees(before: Tree, after: Tree): Change[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  const changes: Change[] = [];
  for (const path of [...paths].sort()) {
    const a = before.get(path);
    const b = after.get(path);
    if (a !== b) changes.push({ path, before: a, after: b });
  }
  return changes;
}

export function applyChanges(tree: Tree, changes: Change[]): Map<string, string> {
  const result = new Map(tree);
  for (const change of changes) {
    if (change.after === undefined) result.delete(change.path);
    else result.set(change.path, change.after);
  }
  return result;
}

/**
 * Three-way merge at file granularity: the result of applying base..head onto target.
 * Returns the conflicting paths when a file was changed differently on both sides.
 */
export function mergeTrees(
  base: Tree,
  head: Tree,
  target: Tree,
): { tree: Map<string, string>; conflicts: string[] } {
  const ours = diffTrees(base, head);
  const conflicts = ours
    .filter((c) => target.get(c.path) !== c.before && target.get(c.path) !== c.after)
    .map((c) => c.path);
  return { tree: applyChanges(target, ours), conflicts };
}
