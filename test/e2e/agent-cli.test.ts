/**
 * `npx upgrade-queue` as agents run it: the package's bin in a child process with only the
 * agent's environment (CONTRACT §7), against the real app and the fake GitHub. Exit codes:
 * wait 0 applied, 1 rejected, 2 usage or timeout (propose's own refusals: test/cli/agent-commands.test.ts). Then the MCP server over stdio, driven by the
 * SDK's own client.
 */
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentWorld, BIN, REPO, ROOT, startAgentWorld } from "../support/agent-world.js";
import { eventually } from "../support/app-process.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("the upgrade-queue CLI and MCP server against the real app", () => {
  let world: AgentWorld;
  let work: string;

  beforeAll(async () => {
    world = await startAgentWorld();
    work = await mkdtemp(join(tmpdir(), "uq-agent-"));
    await mkdir(join(work, "src"));
  }, 90_000);

  afterAll(async () => {
    await world?.stop();
  });

  const env = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...world.agentEnv });

  /** The bin in a child process; `stderr()` reads what it has written so far. */
  function start(args: string[]): { done: Promise<Run>; stderr(): string } {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const done = new Promise<Run>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
    return { done, stderr: () => stderr };
  }

  const cli = (args: string[]): Promise<Run> => start(args).done;

  async function proposeFromFiles(slug: string, message: string, files: Record<string, string>): Promise<{ branch: string; sha: string }> {
    for (const [path, content] of Object.entries(files)) await writeFile(join(work, path), content);
    await writeFile(join(work, `${slug}.msg`), message);
    const run = await cli(["propose", "--repo", REPO, "--slug", slug, "--message-file", `${slug}.msg`, ...Object.keys(files)]);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    return JSON.parse(run.stdout) as { branch: string; sha: string };
  }

  it("propose commits the local files; wait exits 0 once applied, with the Upgrade JSON and progress on stderr", async () => {
    const proposed = await proposeFromFiles("cli-cache", "Add a plan cache\n\nPlans are recomputed on every tick.\n", { "src/cache.ts": "export const cache = new Map();\n" });
    expect(proposed.branch).toBe("self-modify/cli-cache");
    expect(world.fake.getFile(REPO, "src/cache.ts", proposed.branch)).toBe("export const cache = new Map();\n");
    const waiting = start(["wait", "--repo", REPO, "--branch", proposed.branch, "--interval", "0.2", "--timeout", "60"]);
    const number = await world.proposedPull(proposed.branch);
    expect(world.fake.getPull(REPO, number)).toMatchObject({ title: "Add a plan cache", body: expect.stringContaining("Plans are recomputed on every tick.") });
    // The progress line of the pending upgrade, before anyone decides.
    await eventually(() => waiting.stderr().includes(`${REPO}#${number} ${proposed.branch}: proposed`), "wait's progress line", 45_000);
    await world.passChecks(proposed.sha);
    await world.approve(number);

    const run = await waiting.done;
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "applied", branch: proposed.branch, headSha: proposed.sha, approvedBy: ["alice"] });
    expect(run.stderr).toContain(`waiting for a decision on ${REPO} ${proposed.branch}`);
    expect(run.stderr).toContain(`${REPO}#${number} ${proposed.branch}: applied, tests passed, approved by alice`);
  }, 90_000);

  it("wait exits 1 on a rejection, 2 on a timeout and on bad usage", async () => {
    const proposed = await proposeFromFiles("cli-risky", "Drop the safety checks\n", { "src/safety.ts": "export const checks = false;\n" });
    const usage = await cli(["wait", "--repo", REPO]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage:");

    const timedOut = await cli(["wait", "--repo", REPO, "--branch", proposed.branch, "--interval", "0.2", "--timeout", "1"]);
    expect(timedOut.code).toBe(2);
    expect(timedOut.stderr).toContain("timeout: No decision on self-modify/cli-risky");
    expect(timedOut.stdout).toBe("");

    const waiting = cli(["wait", "--repo", REPO, "--branch", proposed.branch, "--interval", "0.2", "--timeout", "45"]);
    const number = await world.proposedPull(proposed.branch);
    await world.comment(number, "alice", "/reject the checks stay");
    const rejected = await waiting;
    expect(rejected.code, rejected.stderr).toBe(1);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ status: "rejected", errorMessage: "Rejected: the checks stay" });
  }, 90_000);

  it("the MCP server lists its three tools over stdio and proposes an upgrade through propose_upgrade", async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, "mcp"], cwd: ROOT, env: env(), stderr: "pipe" });
    const client = new Client({ name: "agent-under-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(["list_upgrades", "propose_upgrade", "upgrade_status"]);
      const propose = tools.find((t) => t.name === "propose_upgrade");
      expect(Object.keys(propose?.inputSchema.properties ?? {}).sort()).toEqual(["baseBranch", "description", "files", "repository", "slug", "title", "urgent"]);
      expect(propose?.inputSchema.required).toEqual(expect.arrayContaining(["repository", "slug", "title", "files"]));

      const result = await client.callTool({ name: "propose_upgrade", arguments: { repository: REPO, slug: "mcp-tidy", title: "Tidy the planner", description: "Proposed over MCP.", files: { "src/planner.ts": "export const plan: never[] = [];\n" } } });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      const proposed = JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? "") as { branch: string; sha: string };
      expect(proposed.branch).toBe("self-modify/mcp-tidy");
      const number = await world.proposedPull(proposed.branch);

      const status = await client.callTool({ name: "upgrade_status", arguments: { repository: REPO, branch: proposed.branch, sha: proposed.sha } });
      expect(JSON.parse((status.content as Array<{ text: string }>)[0]?.text ?? "")).toMatchObject({ status: "proposed", pullNumber: number, headSha: proposed.sha });
      const list = await client.callTool({ name: "list_upgrades", arguments: { repository: REPO, status: "proposed" } });
      expect(JSON.parse((list.content as Array<{ text: string }>)[0]?.text ?? "").upgrades.map((u: { branch: string }) => u.branch)).toContain(proposed.branch);

      const refused = await client.callTool({ name: "propose_upgrade", arguments: { repository: REPO, slug: "mcp-tidy", title: "Again", files: { "src/x.ts": "x\n" } } });
      expect(refused.isError).toBe(true);
      expect(JSON.parse((refused.content as Array<{ text: string }>)[0]?.text ?? "")).toMatchObject({ error: "branch_exists" });
    } finally {
      await client.close();
    }
  }, 90_000);
});
