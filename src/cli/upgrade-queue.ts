/**
 * `npx upgrade-queue <command>`: the agent's side from a shell (docs/agents.md). Entry only:
 * the commands live in agent-commands.ts, the MCP server in src/mcp/server.ts.
 */
import { readFileSync } from "node:fs";
import { createUpgradeQueueClient } from "../client/index.js";
import { runMcpServer } from "../mcp/server.js";
import { type CliIo, failure, proposeCommand, statusCommand, waitCommand } from "./agent-commands.js";

export const USAGE = `usage:
  upgrade-queue propose --repo owner/name --slug <slug> --message-file <file> [--urgent] [--base <branch>] [--delete <path>]... <path>...
  upgrade-queue wait    --repo owner/name --branch <branch> [--sha <sha>] [--timeout <seconds, default 3600>] [--interval <seconds, default 5>]
  upgrade-queue status  --repo owner/name --branch <branch> [--sha <sha>]   |   status [--repo owner/name] [--status <state>]
  upgrade-queue mcp     (an MCP server on stdin/stdout)
environment: GITHUB_TOKEN, GHE_HOST, GHE_PROTOCOL, UPGRADE_QUEUE_URL, STATUS_PAGE_TOKEN (docs/agents.md)`;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "0.0.0";
}

/** Runs one command; resolves with the exit code. */
export async function runCli(argv: string[], io: Omit<CliIo, "client">, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...args] = argv;
  const withClient: CliIo = { ...io, client: () => createUpgradeQueueClient({}, env) };
  try {
    switch (command) {
      case "propose":
        return await proposeCommand(args, withClient);
      case "wait":
        return await waitCommand(args, withClient);
      case "status":
        return await statusCommand(args, withClient);
      case "mcp":
        await runMcpServer(createUpgradeQueueClient({}, env), packageVersion());
        return 0;
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return 0;
      default:
        io.err(`${command === undefined ? "no command" : `unknown command ${JSON.stringify(command)}`}\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    const { code, message } = failure(error, command ?? "");
    io.err(`upgrade-queue ${command}: ${message}`);
    if (code === 2 && message.startsWith("usage:")) io.err(USAGE);
    return code;
  }
}

/** The bin's entry (entry/cli.js): real stdout/stderr and exit code. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
}
