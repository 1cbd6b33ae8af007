/** .github/upgrade-queue.yml (CONTRACT §4): defaults, accepted values, and exact error reports. */
import { describe, expect, it } from "vitest";
import { CONFIG_PATH, type RepoConfig, defaultRepoConfig, parseRepoConfig, repoConfigJsonSchema } from "../../src/config/repo-config.js";

const FULL_FILE = `
branchPrefix: agent/
baseBranch: main
requiredApprovals: 2
guardedPaths: [".github/**", "deploy/**"]
guardedApprovals: 3
approvers: [release-captain]
requiredChecks: [test]
applyMode: manual
mergeMethod: merge
maxDiffLines: 2000
expireAfterHours: 72
autoApprove:
  enabled: true
  afterHours: 12
  maxDiffLines: 20
deleteBranch: false
retentionDays: 30
urgent:
  enabled: true
  maxDiffLines: 100
  maxPerDay: 2
`;

function parsed(text: string | null): RepoConfig {
  const result = parseRepoConfig(text);
  if (!result.ok) throw new Error(`expected a valid config, got: ${result.error}`);
  return result.config;
}

function error(text: string): string {
  const result = parseRepoConfig(text);
  if (result.ok) throw new Error("expected an invalid config");
  return result.error;
}

describe("parseRepoConfig: defaults (CONTRACT §4)", () => {
  it.each<[keyof RepoConfig, unknown]>([
    ["branchPrefix", "self-modify/"],
    ["baseBranch", undefined],
    ["requiredApprovals", 1],
    ["guardedPaths", [".github/**"]],
    ["guardedApprovals", 2],
    ["approvers", []],
    ["requiredChecks", []],
    ["applyMode", "auto"],
    ["mergeMethod", "squash"],
    ["maxDiffLines", 10000],
    ["expireAfterHours", 168],
    ["autoApprove", { enabled: false, afterHours: 24, maxDiffLines: 50 }],
    ["deleteBranch", true],
    ["retentionDays", 90],
    ["urgent", { enabled: false, maxDiffLines: 200, maxPerDay: 3 }],
  ])("%s defaults to %j", (key, value) => {
    expect(parsed(null)[key]).toEqual(value);
    expect(defaultRepoConfig[key]).toEqual(value);
  });

  it.each<[string, string | null]>([
    ["a missing file", null],
    ["an empty file", ""],
    ["a blank file", "  \n\n"],
    ["a file with only comments", "# nothing configured yet\n"],
    ["an explicit null document", "~\n"],
  ])("%s gives the defaults", (_name, text) => {
    expect(parsed(text)).toEqual(defaultRepoConfig);
  });

  it("fills nested defaults when a nested object is given in part", () => {
    const config = parsed("autoApprove:\n  enabled: true\nurgent:\n  maxPerDay: 1\n");
    expect(config.autoApprove).toEqual({ enabled: true, afterHours: 24, maxDiffLines: 50 });
    expect(config.urgent).toEqual({ enabled: false, maxDiffLines: 200, maxPerDay: 1 });
  });

  it("does not share default arrays between parses", () => {
    const first = parsed("retentionDays: 1");
    first.guardedPaths.push("src/**");
    expect(parsed("retentionDays: 2").guardedPaths).toEqual([".github/**"]);
  });
});

describe("parseRepoConfig: accepted values", () => {
  it.each<[string, string, Partial<RepoConfig>]>([
    ["fractional expireAfterHours", "expireAfterHours: 0.5", { expireAfterHours: 0.5 }],
    ["fractional autoApprove.afterHours", "autoApprove:\n  afterHours: 1.5", { autoApprove: { enabled: false, afterHours: 1.5, maxDiffLines: 50 } }],
    ["zero autoApprove.afterHours", "autoApprove:\n  enabled: true\n  afterHours: 0", { autoApprove: { enabled: true, afterHours: 0, maxDiffLines: 50 } }],
    ["retentionDays 0 keeps everything", "retentionDays: 0", { retentionDays: 0 }],
    ["baseBranch", "baseBranch: release", { baseBranch: "release" }],
    ["applyMode manual", "applyMode: manual", { applyMode: "manual" }],
    ["mergeMethod rebase", "mergeMethod: rebase", { mergeMethod: "rebase" }],
    ["lists", "approvers: [alice, bob]\nrequiredChecks: [test, ci/circleci]\nguardedPaths: []", { approvers: ["alice", "bob"], requiredChecks: ["test", "ci/circleci"], guardedPaths: [] }],
    ["a full file", FULL_FILE, {
      branchPrefix: "agent/",
      requiredApprovals: 2,
      guardedApprovals: 3,
      deleteBranch: false,
      urgent: { enabled: true, maxDiffLines: 100, maxPerDay: 2 },
    }],
  ])("%s", (_name, text, expected) => {
    expect(parsed(text)).toMatchObject(expected);
  });
});

describe("parseRepoConfig: invalid files name the exact key", () => {
  it.each<[string, string, RegExp]>([
    ["requiredApprovals 0", "requiredApprovals: 0", /`requiredApprovals`: Too small/],
    ["requiredApprovals as a string", 'requiredApprovals: "2"', /`requiredApprovals`: .*expected number/],
    ["requiredApprovals fractional", "requiredApprovals: 1.5", /`requiredApprovals`: .*int/i],
    ["guardedApprovals 0", "guardedApprovals: 0", /`guardedApprovals`/],
    ["negative autoApprove.maxDiffLines", "autoApprove:\n  maxDiffLines: -1", /`autoApprove\.maxDiffLines`: Too small/],
    ["negative autoApprove.afterHours", "autoApprove:\n  afterHours: -1", /`autoApprove\.afterHours`/],
    ["autoApprove.enabled not a boolean", "autoApprove:\n  enabled: yes please", /`autoApprove\.enabled`/],
    ["urgent.maxPerDay fractional", "urgent:\n  maxPerDay: 0.5", /`urgent\.maxPerDay`/],
    ["urgent null", "urgent: null", /`urgent`/],
    ["expireAfterHours 0", "expireAfterHours: 0", /`expireAfterHours`: Too small/],
    ["maxDiffLines 0", "maxDiffLines: 0", /`maxDiffLines`/],
    ["negative retentionDays", "retentionDays: -1", /`retentionDays`/],
    ["applyMode unknown", "applyMode: fast", /`applyMode`: .*"auto"\|"manual"/],
    ["mergeMethod unknown", "mergeMethod: fast-forward", /`mergeMethod`/],
    ["guardedPaths a string instead of a list", 'guardedPaths: ".github/**"', /`guardedPaths`: .*expected array/],
    ["an empty approver login", 'approvers: [""]', /`approvers\.0`/],
    ["empty branchPrefix", 'branchPrefix: ""', /`branchPrefix`/],
    ["deleteBranch not a boolean", "deleteBranch: sometimes", /`deleteBranch`/],
  ])("%s", (_name, text, expected) => {
    const message = error(text);
    expect(message).toMatch(expected);
    expect(message.startsWith(`${CONFIG_PATH}: `)).toBe(true);
  });

  it("reports unknown keys, nested ones with their path", () => {
    expect(error("requiredApproval: 2")).toBe(`${CONFIG_PATH}: unknown key \`requiredApproval\``);
    expect(error("autoApprove:\n  enable: true")).toBe(`${CONFIG_PATH}: unknown key \`autoApprove.enable\``);
  });

  it("reports every problem at once", () => {
    const message = error("requiredApprovals: 0\nfoo: 1\nurgent:\n  maxDiffLines: -5");
    expect(message).toContain("`requiredApprovals`");
    expect(message).toContain("unknown key `foo`");
    expect(message).toContain("`urgent.maxDiffLines`");
  });

  it.each<[string, string]>([
    ["an unclosed flow sequence", "approvers: [alice"],
    ["a duplicated key", "requiredApprovals: 1\nrequiredApprovals: 2"],
    ["bad indentation", "autoApprove:\n  enabled: true\n bad: 1"],
  ])("invalid YAML: %s", (_name, text) => {
    const message = error(text);
    expect(message).toMatch(new RegExp(`^${CONFIG_PATH.replace(/\./g, "\\.")} is not valid YAML: \\S`));
    expect(message).not.toContain("\n");
    expect(message).not.toMatch(/:$/);
  });

  it.each<[string, string]>([
    ["a list", "- requiredApprovals: 2"],
    ["a scalar", "requiredApprovals"],
  ])("a file that is %s is not a mapping", (_name, text) => {
    expect(error(text)).toMatch(/must be a mapping of keys to values/);
  });
});

describe("repoConfigJsonSchema", () => {
  it("describes every key, with defaults and no extra keys", () => {
    const schema = repoConfigJsonSchema() as { properties: Record<string, { default?: unknown }>; additionalProperties?: boolean };
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys({ ...defaultRepoConfig, baseBranch: "" }).sort());
    expect(schema.properties.requiredApprovals?.default).toBe(1);
    expect(schema.additionalProperties).toBe(false);
  });

  it("gives every key, nested ones included, a description for editors", () => {
    type Node = { description?: string; properties?: Record<string, Node> };
    const undescribed = (node: Node, path: string): string[] =>
      Object.entries(node.properties ?? {}).flatMap(([key, child]) => [...(child.description ? [] : [`${path}${key}`]), ...undescribed(child, `${path}${key}.`)]);
    const schema = repoConfigJsonSchema() as Node;
    expect(undescribed(schema, "")).toEqual([]);
    expect(schema.properties?.mergeMethod?.description).toBe("How the app merges.");
    expect(schema.properties?.urgent?.properties?.maxPerDay?.description).toBe("Bypasses allowed per repository in any 24 hours.");
  });
});
