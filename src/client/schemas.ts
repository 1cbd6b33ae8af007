/**
 * The inputs of the agent's side, in one place: the client validates with them, the CLI builds
 * them from its flags, and the MCP server hands them to agents as its tools' input schemas.
 * Everything an agent sends is untrusted: names and paths are checked here, before GitHub sees them.
 */
import { z } from "zod";
import { UPGRADE_STATES } from "../domain/types.js";

export const Repository = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/name")
  .describe("The repository, as owner/name.");

/** A ref name git accepts (`git check-ref-format`), kept to a conservative character set. */
function isSafeRefPart(value: string): boolean {
  return (
    /^[A-Za-z0-9._\/-]+$/.test(value) &&
    !value.split("/").some((part) => part === "" || part.startsWith(".") || part.endsWith(".lock")) &&
    !value.includes("..") &&
    !value.endsWith(".")
  );
}

export const Slug = z
  .string()
  .min(1)
  .max(100)
  .refine(isSafeRefPart, "may use letters, digits, '.', '_', '-' and '/' between non-empty parts (no '..', no part starting with '.', no '.lock' ending)")
  .describe("The branch is <branchPrefix><slug>, e.g. fix-task-001 -> self-modify/fix-task-001. Use a new slug for each proposal.");

export const BranchName = z.string().min(1).max(255).refine(isSafeRefPart, "is not a valid branch name").describe("The upgrade's head branch, e.g. self-modify/fix-task-001.");

/** A path inside the repository: relative, '/'-separated, no '.' or '..' parts, never inside `.git`. */
export const FilePath = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (path) => !path.includes("\0") && !path.includes("\\") && path.split("/").every((part) => part !== "" && part !== "." && part !== "..") && path.split("/")[0]?.toLowerCase() !== ".git",
    "must be a relative path inside the repository ('/'-separated, no empty, '.' or '..' parts, not under .git)",
  );

export const ProposeInput = z.strictObject({
  repository: Repository,
  slug: Slug,
  title: z
    .string()
    .trim()
    .min(1)
    .max(250)
    .refine((t) => !/[\r\n]/.test(t), "must be one line")
    .describe("One line: the commit subject, which becomes the pull request's title."),
  description: z.string().max(60_000).default("").describe("Why and what: the commit body, which becomes the pull request's description."),
  files: z
    .record(FilePath, z.string().nullable())
    .refine((files) => Object.keys(files).length > 0, "must name at least one file")
    .refine((files) => Object.keys(files).length <= 1000, "may name at most 1000 files")
    .describe("path -> the file's complete new content (UTF-8 text), or null to delete the file."),
  urgent: z.boolean().default(false).describe("Add the `Upgrade-Urgency: urgent` trailer (the repository decides whether it bypasses the approval; never the tests)."),
  baseBranch: z.string().min(1).max(255).refine(isSafeRefPart, "is not a valid branch name").optional().describe("Target branch; default: the repository's `baseBranch` config, else its default branch."),
});
export type ProposeInput = z.input<typeof ProposeInput>;

export const StatusInput = z.strictObject({
  repository: Repository,
  branch: BranchName,
  sha: z
    .string()
    .regex(/^[0-9a-f]{40}$/, "must be a full commit sha")
    .optional()
    .describe("Only the upgrade whose head is this commit (what propose returned): ignores older proposals of the same branch name."),
});
export type StatusInput = z.input<typeof StatusInput>;

export const ListInput = z.strictObject({
  repository: Repository.optional(),
  status: z.enum(UPGRADE_STATES).optional().describe("Only upgrades in this state."),
  branch: BranchName.optional(),
});
export type ListInput = z.input<typeof ListInput>;

/** Turns zod's issues into one line that names each bad field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "input"}: ${issue.message}`).join("; ");
}
