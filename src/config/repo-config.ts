/**
 * `.github/upgrade-queue.yml`: the per-repository configuration (CONTRACT §4).
 * Every key is optional; defaults are the contract's. Unknown keys are refused so that a typo
 * never silently leaves a safety setting at its default.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);

export const AutoApproveConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Approve low-risk upgrades automatically once `afterHours` have passed."),
    afterHours: z.number().min(0).default(24).describe("Hours since the proposal before a low-risk upgrade is auto-approved."),
    maxDiffLines: nonNegativeInt.default(50).describe("Largest diff (additions + deletions) that counts as low-risk."),
  })
  .default({ enabled: false, afterHours: 24, maxDiffLines: 50 });

export const UrgentConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Let an `Upgrade-Urgency: urgent` trailer skip the approval (never the tests)."),
    maxDiffLines: nonNegativeInt.default(200).describe("Largest diff that may bypass the approval."),
    maxPerDay: nonNegativeInt.default(3).describe("Bypasses allowed per repository in any 24 hours."),
  })
  .default({ enabled: false, maxDiffLines: 200, maxPerDay: 3 });

export const BudgetConfig = z
  .strictObject({
    maxOpen: nonNegativeInt.default(0).describe("Pending upgrades one proposing account may have in the repository; 0 = no limit."),
    maxPerDay: nonNegativeInt.default(0).describe("Proposals one account may make in the repository in any 24 hours; 0 = no limit."),
  })
  .default({ maxOpen: 0, maxPerDay: 0 });

export const DEFAULT_TEST_PATHS = ["test/**", "tests/**", "**/*.test.*", "**/*.spec.*", "**/*_test.*", ".github/workflows/**", ".ci/**"];

export const RepoConfig = z.strictObject({
  branchPrefix: z.string().min(1).default("self-modify/").describe("Head branches with this prefix are upgrades."),
  baseBranch: z.string().min(1).optional().describe("Target branch of upgrade pull requests; the repository's default branch when unset."),
  requiredApprovals: positiveInt.default(1).describe("Distinct approvers needed."),
  guardedPaths: z.array(z.string().min(1)).default([".github/**"]).describe("Globs; an upgrade that changes a matching file is guarded."),
  guardedApprovals: positiveInt.default(2).describe("Approvers with admin or maintain permission needed for a guarded upgrade."),
  approvers: z.array(z.string().min(1)).default([]).describe("Extra logins allowed to approve."),
  requiredChecks: z.array(z.string().min(1)).default([]).describe("Check-run names or status contexts that make the test gate; empty means all."),
  applyMode: z.enum(["auto", "manual"]).default("auto").describe("`auto`: merge once approved and green; `manual`: wait for `/apply`."),
  mergeMethod: z.enum(["merge", "squash", "rebase"]).default("squash").describe("How the app merges."),
  maxDiffLines: positiveInt.default(10000).describe("Larger proposals (additions + deletions) are rejected."),
  expireAfterHours: z.number().positive().default(168).describe("Undecided proposals expire after this many hours (fractions allowed)."),
  autoApprove: AutoApproveConfig.describe("Low-risk auto-approval."),
  deleteBranch: z.boolean().default(true).describe("Delete the head branch after apply, reject or expiry."),
  retentionDays: nonNegativeInt.default(90).describe("Terminal upgrades older than this many days are pruned; 0 keeps all."),
  urgent: UrgentConfig.describe("Urgent bypass of the approval (never of the tests)."),
  budget: BudgetConfig.describe("Per proposing account (the branch's first pusher, or the PR's author when adopted): proposals past either limit are rejected at once."),
  testPaths: z
    .array(z.string().min(1))
    .default(DEFAULT_TEST_PATHS)
    .describe("Globs of tests; an upgrade that deletes or changes a matching file is guarded (adding one is not)."),
});
export type RepoConfig = z.infer<typeof RepoConfig>;

export const CONFIG_PATH = ".github/upgrade-queue.yml";

export const defaultRepoConfig: RepoConfig = RepoConfig.parse({});

export type ConfigResult = { ok: true; config: RepoConfig } | { ok: false; error: string };

/** Parses the file's text (null when the file does not exist) into a config or an exact error. */
export function parseRepoConfig(text: string | null): ConfigResult {
  if (text === null || text.trim() === "") return { ok: true, config: defaultRepoConfig };
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    // The yaml package's first line ends with ":" before a code excerpt; keep the line only.
    const line = ((error as Error).message.split("\n")[0] ?? "").replace(/:\s*$/, "");
    return { ok: false, error: `${CONFIG_PATH} is not valid YAML: ${line}` };
  }
  if (raw === null || raw === undefined) return { ok: true, config: defaultRepoConfig };
  const result = RepoConfig.safeParse(raw);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, error: formatIssues(result.error.issues) };
}

function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === "unrecognized_keys") {
        const prefix = issue.path.length > 0 ? `${issue.path.join(".")}.` : "";
        return issue.keys.map((k) => `${CONFIG_PATH}: unknown key \`${prefix}${k}\``).join("; ");
      }
      if (issue.path.length === 0) return `${CONFIG_PATH}: the file must be a mapping of keys to values (${issue.message})`;
      return `${CONFIG_PATH}: \`${issue.path.join(".")}\`: ${issue.message}`;
    })
    .join("; ");
}

/** JSON Schema of the file, for editors (`npm run config:schema`). */
export function repoConfigJsonSchema(): unknown {
  return z.toJSONSchema(RepoConfig, { io: "input" });
}
