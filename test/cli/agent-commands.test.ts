/**
 * The CLI's commands in-process (runCli, the bin's own code) against the fake GitHub: how local
 * files become the proposal, and the exit codes and messages of refusals. The bin as a child
 * process against the real app is test/e2e/agent-cli.test.ts.
 */
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/upgrade-queue.js";
import { type FakeGitHub, startFakeGitHub } from "../support/fake-github/index.js";

const REPO = "acme/agent";
let fake: FakeGitHub;
let work: string;

beforeEach(async () => {
  fake = await startFakeGitHub();
  fake.addRepo({ owner: "acme", name: "agent", private: true, files: { "README.md": "# agent\n", "src/old.ts": "old\n" } });
  fake.setCollaborator(REPO, "agent", "write");
  work = await mkdtemp(join(tmpdir(), "uq-cli-"));
  await mkdir(join(work, "src"));
  await writeFile(join(work, "msg.txt"), "\nTeach the planner to wait\n\nIt retried too eagerly.\nSecond line.\n");
});

afterEach(async () => {
  await fake.close();
});

async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { cwd: work, out: (t) => out.push(t), err: (t) => err.push(t) }, { GITHUB_TOKEN: fake.tokenFor({ login: "agent" }), GHE_HOST: fake.host, GHE_PROTOCOL: "http", ...env });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("upgrade-queue propose", () => {
  it("commits each local file at its path, deletes --delete paths, and takes subject and body from the message file", async () => {
    await writeFile(join(work, "src/wait.ts"), "export const wait = 5;\n");
    const result = await run(["propose", "--repo", REPO, "--slug", "wait", "--message-file", "msg.txt", "--urgent", "--delete", "src/old.ts", "./src/wait.ts"]);
    expect(result.code, result.stderr).toBe(0);
    const proposed = JSON.parse(result.stdout) as { branch: string; sha: string };
    expect(proposed).toMatchObject({ branch: "self-modify/wait", additions: 1, deletions: 1 });
    expect(fake.getFile(REPO, "src/wait.ts", "self-modify/wait")).toBe("export const wait = 5;\n");
    expect(fake.getFile(REPO, "src/old.ts", "self-modify/wait")).toBeUndefined();
    expect(fake.state.commits.get(proposed.sha)?.message).toBe("Teach the planner to wait\n\nIt retried too eagerly.\nSecond line.\n\nUpgrade-Urgency: urgent\n");
  });

  it("exits 1 over maxDiffLines with the numbers, writing nothing", async () => {
    await writeFile(join(work, "src/huge.ts"), Array.from({ length: 10_001 }, (_, i) => `line ${i}`).join("\n") + "\n");
    fake.clearRequests();
    const result = await run(["propose", "--repo", REPO, "--slug", "huge", "--message-file", "msg.txt", "src/huge.ts"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("diff_too_large: The change has 10001 changed lines (10001 added, 0 deleted), more than acme/agent's maxDiffLines (10000). Nothing was written");
    expect(fake.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it.each([
    ["a missing flag", ["--repo", REPO, "--message-file", "msg.txt", "src/a.ts"], "propose needs --repo, --slug and --message-file"],
    ["no files", ["--repo", REPO, "--slug", "x", "--message-file", "msg.txt"], "at least one file"],
    ["a file outside the working directory", ["--repo", REPO, "--slug", "x", "--message-file", "msg.txt", "../elsewhere.ts"], "outside the working directory"],
    ["a missing file", ["--repo", REPO, "--slug", "x", "--message-file", "msg.txt", "src/nope.ts"], "cannot read file"],
    ["a binary file", ["--repo", REPO, "--slug", "x", "--message-file", "msg.txt", "src/blob.bin"], "not UTF-8 text"],
    ["an unknown option", ["--repo", REPO, "--approve"], "Unknown option"],
    ["an invalid slug", ["--repo", REPO, "--slug", "../main", "--message-file", "msg.txt", "src/a.ts"], "invalid_input: Invalid proposal: slug:"],
  ])("exits 2 on %s", async (_name, args, message) => {
    await writeFile(join(work, "src/a.ts"), "a\n");
    await writeFile(join(work, "src/blob.bin"), Buffer.from([0xff, 0xfe, 0x00, 0x80]));
    const result = await run(["propose", ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(fake.getBranchSha(REPO, "self-modify/x")).toBeUndefined();
  });

  it("exits 1 on a bad token, saying what to set", async () => {
    await writeFile(join(work, "src/a.ts"), "a\n");
    const result = await run(["propose", "--repo", REPO, "--slug", "x", "--message-file", "msg.txt", "src/a.ts"], { GITHUB_TOKEN: "ghu_revoked" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("bad_token: GitHub refused the token");
  });
});

describe("upgrade-queue without a command or configuration", () => {
  it.each([
    [[], 2, "no command"],
    [["merge"], 2, 'unknown command "merge"'],
    [["status", "--repo", REPO, "--branch", "self-modify/x"], 2, "not_configured: UPGRADE_QUEUE_URL"],
    [["wait", "--repo", REPO, "--branch", "self-modify/x", "--timeout", "soon"], 2, "--timeout must be a positive number"],
  ])("%j exits %i", async (args, code, message) => {
    const result = await run(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });
});
