/** The fake GitHub's Git Data API (blobs, trees, commits, refs) as a user token drives it. */
import { Octokit } from "@octokit/rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeGitHub, startFakeGitHub } from "./support/fake-github/index.js";

const REPO = "acme/widgets";
const [owner, repo] = REPO.split("/") as [string, string];
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

let fake: FakeGitHub;
let agent: Octokit;

beforeEach(async () => {
  fake = await startFakeGitHub();
  fake.addRepo({ owner, name: repo, private: true, files: { "README.md": "# widgets\n", "src/old.ts": "old\n" } });
  fake.setCollaborator(REPO, "agent", "write");
  agent = new Octokit({ baseUrl: `${fake.url}/api/v3`, auth: fake.tokenFor({ login: "agent" }), log: quiet });
});

afterEach(async () => {
  await fake.close();
});

describe("git data", () => {
  it("lists a tree with blob shas, reads blobs, and builds a commit on a new branch pushed by the token's user", async () => {
    const base = fake.getBranchSha(REPO, "main") as string;
    const { data: commit } = await agent.git.getCommit({ owner, repo, commit_sha: base });
    const { data: tree } = await agent.git.getTree({ owner, repo, tree_sha: commit.tree.sha, recursive: "1" });
    const readme = tree.tree.find((e) => e.path === "README.md");
    // `printf '# widgets\n' | git hash-object --stdin`
    expect(readme).toMatchObject({ type: "blob", mode: "100644", sha: "cd7f97a073a7146364987c8afb05c89a4ae1a7f1" });
    const { data: blob } = await agent.git.getBlob({ owner, repo, file_sha: readme?.sha as string });
    expect(Buffer.from(blob.content, "base64").toString("utf8")).toBe("# widgets\n");

    const { data: made } = await agent.git.createBlob({ owner, repo, content: Buffer.from("export const x = 1;\n").toString("base64"), encoding: "base64" });
    const { data: newTree } = await agent.git.createTree({
      owner,
      repo,
      base_tree: commit.tree.sha,
      tree: [
        { path: "src/x.ts", mode: "100644", type: "blob", sha: made.sha },
        { path: "src/old.ts", mode: "100644", type: "blob", sha: null },
      ],
    });
    expect(newTree.tree.map((e) => e.path).sort()).toEqual(["README.md", "src/x.ts"]);
    const { data: created } = await agent.git.createCommit({ owner, repo, message: "Add x", tree: newTree.sha, parents: [base] });
    expect(created.author.name).toBe("agent");
    await agent.git.createRef({ owner, repo, ref: "refs/heads/self-modify/x", sha: created.sha });
    expect(fake.getFile(REPO, "src/x.ts", "self-modify/x")).toBe("export const x = 1;\n");
    expect(fake.getFile(REPO, "src/old.ts", "self-modify/x")).toBeUndefined();
    expect(fake.payloads.push(REPO, "self-modify/x")).toMatchObject({ pusher: { name: "agent" }, sender: { login: "agent" } });
    await expect(agent.git.createRef({ owner, repo, ref: "refs/heads/self-modify/x", sha: created.sha })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("Reference already exists") });
  });

  it("refuses unknown blobs and base trees, and writes by a read-only user", async () => {
    await expect(agent.git.createTree({ owner, repo, tree: [{ path: "a", mode: "100644", type: "blob", sha: "f".repeat(40) }] })).rejects.toMatchObject({ status: 422 });
    await expect(agent.git.createTree({ owner, repo, base_tree: "e".repeat(40), tree: [] })).rejects.toMatchObject({ status: 422 });
    await expect(agent.git.getBlob({ owner, repo, file_sha: "d".repeat(40) })).rejects.toMatchObject({ status: 404 });
    fake.setCollaborator(REPO, "reader", "read");
    const reader = new Octokit({ baseUrl: `${fake.url}/api/v3`, auth: fake.tokenFor({ login: "reader" }), log: quiet });
    await expect(reader.git.createBlob({ owner, repo, content: "x" })).rejects.toMatchObject({ status: 403 });
  });
});
