/**
 * `propose` against the GitHub-compatible fake: the exact Git Data requests it makes with the
 * agent's token, and every refusal, each of which writes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createUpgradeQueueClient, type ProposeInput, type UpgradeQueueClient, UpgradeQueueError, type UpgradeQueueErrorCode } from "../../src/client/index.js";
import { hasUrgentTrailer } from "../../src/domain/head-facts.js";
import { type FakeGitHub, startFakeGitHub } from "../support/fake-github/index.js";

const REPO = "acme/agent";
const API = `/api/v3/repos/${REPO}`;

let fake: FakeGitHub;
let client: UpgradeQueueClient;

beforeEach(async () => {
  fake = await startFakeGitHub();
  fake.addRepo({ owner: "acme", name: "agent", private: true, files: { "README.md": "# agent\n", "src/planner.ts": "line 1\nline 2\nline 3\n", "src/old.ts": "a\nb\n" } });
  fake.setCollaborator(REPO, "agent", "write");
  client = clientFor(fake.tokenFor({ login: "agent" }));
});

afterEach(async () => {
  await fake.close();
});

function clientFor(token: string): UpgradeQueueClient {
  return createUpgradeQueueClient({ githubToken: token, githubApiUrl: `${fake.url}/api/v3`, retryBaseMs: 10 }, {});
}

const writes = () => fake.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.replace(API, "")} ${r.status}`);

async function refusal(promise: Promise<unknown>): Promise<UpgradeQueueError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpgradeQueueError);
  return error as UpgradeQueueError;
}

type Refusal = [name: string, arrange: () => void, overrides: Partial<ProposeInput>, code: UpgradeQueueErrorCode];
const REFUSALS: Refusal[] = [
  ["an existing branch", () => void fake.pushCommit({ repo: REPO, branch: "self-modify/taken", message: "x", files: { "x.ts": "x\n" } }), { slug: "taken" }, "branch_exists"],
  ["an invalid config", () => void fake.setConfig(REPO, "maxDiffLines: lots\n"), {}, "invalid_config"],
  ["a missing base branch", () => undefined, { baseBranch: "nope" }, "invalid_input"],
  ["deleting a file that does not exist", () => undefined, { files: { "src/ghost.ts": null } }, "invalid_input"],
  ["files that already have this content", () => undefined, { files: { "README.md": "# agent\n" } }, "invalid_input"],
  ["a slug that is no branch name", () => undefined, { slug: "../main" }, "invalid_input"],
  ["a path outside the repository", () => undefined, { files: { "../etc/passwd": "x" } }, "invalid_input"],
  ["a path inside .git", () => undefined, { files: { ".git/config": "x" } }, "invalid_input"],
  ["a two-line title", () => undefined, { title: "one\ntwo" }, "invalid_input"],
];

describe("propose", () => {
  it("writes blobs, one tree, one commit and the branch, as the agent, on the default branch", async () => {
    const main = fake.getBranchSha(REPO, "main");
    const result = await client.propose({
      repository: REPO,
      slug: "fix-task-001",
      title: "Fix bug in task assignment",
      description: "The planner skipped line 2.",
      files: { "src/planner.ts": "line 1\nline two\nline 3\n", "src/new.ts": "export {};\n", "src/old.ts": null },
    });
    expect(result).toEqual({ repository: REPO, branch: "self-modify/fix-task-001", sha: fake.getBranchSha(REPO, "self-modify/fix-task-001"), baseBranch: "main", additions: 2, deletions: 3 });
    expect(writes()).toEqual([`POST /git/blobs 201`, `POST /git/blobs 201`, `POST /git/trees 201`, `POST /git/commits 201`, `POST /git/refs 201`]);
    const tree = fake.requests.find((r) => r.path === `${API}/git/trees` && r.method === "POST")?.body as { base_tree: string; tree: Array<{ path: string; sha: string | null }> };
    expect(tree.tree.map((e) => [e.path, e.sha === null ? null : "blob"])).toEqual([["src/planner.ts", "blob"], ["src/new.ts", "blob"], ["src/old.ts", null]]);
    const commit = fake.requests.find((r) => r.path === `${API}/git/commits` && r.method === "POST")?.body;
    expect(commit).toMatchObject({ message: "Fix bug in task assignment\n\nThe planner skipped line 2.\n", parents: [main] });
    expect(fake.getFile(REPO, "src/planner.ts", result.branch)).toBe("line 1\nline two\nline 3\n");
    expect(fake.getFile(REPO, "src/old.ts", result.branch)).toBeUndefined();
    expect(fake.getFile(REPO, "README.md", result.branch)).toBe("# agent\n");
    // The agent is the author and the pusher: the app will never count it as an approver.
    expect(fake.payloads.push(REPO, result.branch)).toMatchObject({ pusher: { name: "agent" }, head_commit: { author: { username: "agent" } } });
    expect(fake.requests.every((r) => r.headers.authorization?.startsWith("token ghu_"))).toBe(true);
  });

  it("follows the repository's branchPrefix and baseBranch, and adds the urgent trailer", async () => {
    fake.pushCommit({ repo: REPO, branch: "develop", message: "dev", files: { "src/dev.ts": "dev\n" } });
    fake.setConfig(REPO, "branchPrefix: agent/\nbaseBranch: develop\n");
    const result = await client.propose({ repository: REPO, slug: "speed/up", title: "Speed up", description: "Faster.", files: { "src/dev.ts": "faster\n" }, urgent: true });
    expect(result).toMatchObject({ branch: "agent/speed/up", baseBranch: "develop", additions: 1, deletions: 1 });
    const commit = fake.state.commits.get(result.sha);
    expect(commit?.parents).toEqual([fake.getBranchSha(REPO, "develop")]);
    expect(commit?.message).toBe("Speed up\n\nFaster.\n\nUpgrade-Urgency: urgent\n");
    expect(hasUrgentTrailer(commit?.message ?? "")).toBe(true);
  });

  it("refuses a change over maxDiffLines before writing anything, with the numbers", async () => {
    fake.setConfig(REPO, "maxDiffLines: 5\n");
    fake.clearRequests();
    const error = await refusal(client.propose({ repository: REPO, slug: "big", title: "Big", files: { "src/planner.ts": "x\ny\nz\n", "src/more.ts": "1\n2\n3\n" } }));
    expect(error.code).toBe("diff_too_large");
    expect(error.details).toEqual({ additions: 6, deletions: 3, total: 9, maxDiffLines: 5 });
    expect(error.message).toContain("9 changed lines (6 added, 3 deleted), more than acme/agent's maxDiffLines (5)");
    expect(writes()).toEqual([]);
    expect(fake.getBranchSha(REPO, "self-modify/big")).toBeUndefined();
  });

  it.each(REFUSALS)("refuses %s and writes nothing", async (_name, arrange, overrides, code) => {
    arrange();
    fake.clearRequests();
    const error = await refusal(client.propose({ repository: REPO, slug: "change", title: "Change", files: { "src/new.ts": "new\n" }, ...overrides }));
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(20);
    expect(writes()).toEqual([]);
  });

  it("says what to do about a bad token, a repository it cannot see and one it may not write", async () => {
    const bad = await refusal(clientFor("ghu_not-a-token").propose({ repository: REPO, slug: "a", title: "A", files: { "a.ts": "a\n" } }));
    expect([bad.code, bad.message]).toEqual(["bad_token", expect.stringContaining("set GITHUB_TOKEN")]);
    const hidden = await refusal(client.propose({ repository: "acme/secret", slug: "a", title: "A", files: { "a.ts": "a\n" } }));
    expect([hidden.code, hidden.message]).toEqual(["no_access", expect.stringContaining("check that acme/secret exists")]);
    fake.setCollaborator(REPO, "reader", "read");
    const reader = await refusal(clientFor(fake.tokenFor({ login: "reader" })).propose({ repository: REPO, slug: "a", title: "A", files: { "a.ts": "a\n" } }));
    expect([reader.code, reader.message]).toEqual(["no_access", expect.stringContaining("needs write access")]);
    expect(fake.getBranchSha(REPO, "self-modify/a")).toBeUndefined();
  });

  it("leaves 5xx answers and rate limits to Octokit's retry and throttling plugins", async () => {
    fake.failNext("POST", `${API}/git/blobs`, [{ status: 502, body: { message: "Bad Gateway" } }]);
    fake.failNext("POST", `${API}/git/commits`, [{ status: 403, body: { message: "API rate limit exceeded" }, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000)) } }]);
    const result = await client.propose({ repository: REPO, slug: "flaky", title: "Flaky", files: { "src/new.ts": "new\n" } });
    expect(writes()).toEqual([`POST /git/blobs 502`, `POST /git/blobs 201`, `POST /git/trees 201`, `POST /git/commits 403`, `POST /git/commits 201`, `POST /git/refs 201`]);
    expect(fake.getBranchSha(REPO, "self-modify/flaky")).toBe(result.sha);
  });
});
