/**
 * The agent's CLI commands (`npx upgrade-queue propose|wait|status`), as functions of their
 * arguments and an IO object, so tests and the bin share them. Exit codes (CONTRACT §7):
 * propose 0 written, 1 refused or failed; wait 0 applied, 1 rejected/expired/failed/rolled back;
 * status 0 found, 1 no upgrade for that branch; every command 2 for usage, configuration,
 * timeout or any other error (no decision known).
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import type { UpgradeQueueClient, Upgrade } from "../client/index.js";
import { isUpgradeQueueError } from "../client/errors.js";
import { describeIssues, ListInput } from "../client/schemas.js";

export interface CliIo {
  cwd: string;
  out(text: string): void;
  err(text: string): void;
  client(): UpgradeQueueClient;
}

export class UsageError extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true });

async function readText(path: string, what: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new UsageError(`${what} ${path} is not UTF-8 text: only text files can be proposed`);
  }
}

/** A local path as the repository path it is committed at: relative to the working directory, '/'-separated. */
function repoPath(cwd: string, path: string): string {
  const rel = relative(cwd, resolve(cwd, path));
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) throw new UsageError(`${path} is outside the working directory: run the command from the repository's root`);
  return rel.split(sep).join("/");
}

export async function proposeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { repo: { type: "string" }, slug: { type: "string" }, "message-file": { type: "string" }, urgent: { type: "boolean" }, delete: { type: "string", multiple: true }, base: { type: "string" } },
  });
  if (!values.repo || !values.slug || !values["message-file"]) throw new UsageError("propose needs --repo, --slug and --message-file");
  if (positionals.length === 0 && !values.delete?.length) throw new UsageError("propose needs at least one file to commit or --delete <path>");
  const message = (await readText(resolve(io.cwd, values["message-file"]), "message file")).replace(/^\s*\n/, "");
  const [subject = "", ...rest] = message.split("\n");
  const files: Record<string, string | null> = {};
  for (const path of positionals) files[repoPath(io.cwd, path)] = await readText(resolve(io.cwd, path), "file");
  for (const path of values.delete ?? []) files[repoPath(io.cwd, path)] = null;
  const result = await io.client().propose({
    repository: values.repo,
    slug: values.slug,
    title: subject,
    description: rest.join("\n").trim(),
    files,
    urgent: values.urgent ?? false,
    ...(values.base ? { baseBranch: values.base } : {}),
  });
  io.out(JSON.stringify(result, null, 2));
  return 0;
}

function describe(upgrade: Upgrade | null, branch: string): string {
  if (!upgrade) return `${branch}: not in the queue yet`;
  const tests = upgrade.testResults ? `tests ${upgrade.testResults.state}` : "tests pending";
  const approvals = upgrade.approvedBy.length ? `, approved by ${upgrade.approvedBy.join(", ")}` : "";
  return `${upgrade.repository}#${upgrade.pullNumber} ${branch}: ${upgrade.status}, ${tests}${approvals}`;
}

export async function waitCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { repo: { type: "string" }, branch: { type: "string" }, sha: { type: "string" }, timeout: { type: "string" }, interval: { type: "string" } } });
  if (!values.repo || !values.branch) throw new UsageError("wait needs --repo and --branch");
  const timeout = seconds(values.timeout ?? "3600", "--timeout");
  const interval = seconds(values.interval ?? "5", "--interval");
  const branch = values.branch;
  io.err(`waiting for a decision on ${values.repo} ${branch} (at most ${timeout} s)`);
  let lastLine = "";
  const upgrade = await io.client().waitForDecision(
    { repository: values.repo, branch, ...(values.sha ? { sha: values.sha } : {}) },
    {
      timeoutMs: timeout * 1000,
      pollIntervalMs: interval * 1000,
      onProgress: ({ upgrade: current, error }) => {
        const line = error ? `${describe(current, branch)} (${error.message}; retrying)` : describe(current, branch);
        if (line !== lastLine) io.err(`${new Date().toISOString()} ${line}`);
        lastLine = line;
      },
    },
  );
  io.err(`${new Date().toISOString()} ${describe(upgrade, branch)}${upgrade.errorMessage ? `: ${upgrade.errorMessage}` : ""}`);
  io.out(JSON.stringify(upgrade, null, 2));
  return upgrade.status === "applied" ? 0 : 1;
}

export async function statusCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { repo: { type: "string" }, branch: { type: "string" }, sha: { type: "string" }, status: { type: "string" } } });
  if (values.branch) {
    if (!values.repo) throw new UsageError("status --branch needs --repo");
    const upgrade = await io.client().status({ repository: values.repo, branch: values.branch, ...(values.sha ? { sha: values.sha } : {}) });
    io.out(JSON.stringify(upgrade, null, 2));
    if (!upgrade) io.err(`${values.branch}: not in the queue`);
    return upgrade ? 0 : 1;
  }
  const query = ListInput.safeParse({ ...(values.repo ? { repository: values.repo } : {}), ...(values.status ? { status: values.status } : {}) });
  if (!query.success) throw new UsageError(describeIssues(query.error));
  const list = await io.client().listUpgrades(query.data);
  io.out(JSON.stringify(list, null, 2));
  return 0;
}

function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of seconds, not ${JSON.stringify(value)}`);
  return n;
}

/** Exit code and message of an error: usage and every error without a decision are 2, refusals of propose 1. */
export function failure(error: unknown, command: string): { code: number; message: string } {
  if (error instanceof UsageError || (error as { code?: unknown })?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || (error as { code?: unknown })?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return { code: 2, message: `usage: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (isUpgradeQueueError(error)) {
    const usage = error.code === "invalid_input" || error.code === "not_configured";
    return { code: command === "propose" && !usage ? 1 : 2, message: `${error.code}: ${error.message}` };
  }
  return { code: 2, message: error instanceof Error ? error.message : String(error) };
}
