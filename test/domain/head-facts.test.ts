/** Pure facts about the head commit and changed files: urgency trailer, guarded paths, title/body. */
import { describe, expect, it } from "vitest";
import { hasUrgentTrailer, isGuarded, latestInstant, splitCommitMessage } from "../../src/domain/head-facts.js";
import { headSinceOf } from "../../src/pipeline/head-facts.js";

describe("hasUrgentTrailer", () => {
  it.each<[string, string, boolean]>([
    ["trailer in the last paragraph", "Fix cache\n\nBody text.\n\nUpgrade-Urgency: urgent", true],
    ["among other trailers", "Fix cache\n\nBody.\n\nSigned-off-by: A <a@x>\nUpgrade-Urgency: urgent\nCo-authored-by: B <b@x>", true],
    ["case-insensitive key and value", "Fix cache\n\nupgrade-urgency: URGENT", true],
    ["spaces around the value", "Fix cache\n\nUpgrade-Urgency:   urgent  ", true],
    ["trailing newline", "Fix cache\n\nUpgrade-Urgency: urgent\n", true],
    ["CRLF message", "Fix cache\r\n\r\nUpgrade-Urgency: urgent\r\n", true],
    ["not in the last paragraph", "Fix cache\n\nUpgrade-Urgency: urgent\n\nMore body text.", false],
    ["in the subject line only", "Upgrade-Urgency: urgent", false],
    ["another value", "Fix cache\n\nUpgrade-Urgency: low", false],
    ["value prefixed", "Fix cache\n\nUpgrade-Urgency: not urgent", false],
    ["value on the next line", "Fix cache\n\nUpgrade-Urgency:\nurgent", false],
    ["inside a sentence", "Fix cache\n\nSet Upgrade-Urgency: urgent if needed", false],
    ["no trailer", "Fix cache\n\nJust a body.", false],
  ])("%s", (_name, message, expected) => {
    expect(hasUrgentTrailer(message)).toBe(expected);
  });
});

describe("isGuarded", () => {
  it.each<[string, string[], string[], boolean]>([
    ["default .github/** matches a workflow (dotfile dir)", [".github/workflows/ci.yml"], [".github/**"], true],
    ["default .github/** matches the config file", [".github/upgrade-queue.yml"], [".github/**"], true],
    ["unrelated files are not guarded", ["src/index.ts", "README.md"], [".github/**"], false],
    ["one matching file is enough", ["src/index.ts", ".github/CODEOWNERS"], [".github/**"], true],
    ["a dotfile matches *", [".env"], ["*"], true],
    ["dotfiles inside a glob directory", ["config/.secrets/key"], ["config/**"], true],
    ["several globs", ["package.json"], [".github/**", "package.json"], true],
    ["a single-star glob does not cross directories", ["src/deep/file.ts"], ["src/*.ts"], false],
    ["empty guardedPaths guards nothing", [".github/workflows/ci.yml"], [], false],
    ["no files", [], [".github/**"], false],
  ])("%s", (_name, files, globs, expected) => {
    expect(isGuarded(files, globs)).toBe(expected);
  });
});

describe("splitCommitMessage", () => {
  it.each<[string, string, { subject: string; body: string }]>([
    ["subject only", "Speed up the cache", { subject: "Speed up the cache", body: "" }],
    ["subject and body", "Speed up the cache\n\nUse an LRU.\nMeasured 2x.", { subject: "Speed up the cache", body: "Use an LRU.\nMeasured 2x." }],
    ["CRLF", "Speed up\r\n\r\nBody line\r\n", { subject: "Speed up", body: "Body line" }],
    ["surrounding whitespace trimmed", "  Speed up  \n\n\n  Body  \n\n", { subject: "Speed up", body: "Body" }],
    ["empty message", "", { subject: "", body: "" }],
  ])("%s", (_name, message, expected) => {
    expect(splitCommitMessage(message)).toEqual(expected);
  });
});

describe("latestInstant: the latest instant a GitHub timestamp allows", () => {
  it.each([
    ["whole seconds, as GitHub gives them: the end of that second", "2026-11-20T10:00:05Z", "2026-11-20T10:00:05.999Z"],
    ["with fractions: exact", "2026-11-20T10:00:05.250Z", "2026-11-20T10:00:05.250Z"],
    ["an offset other than Z", "2026-11-20T11:00:05+01:00", "2026-11-20T10:00:05.999Z"],
    ["no time at all", "yesterday", null],
    ["empty", "", null],
    ["absent", null, null],
  ])("%s", (_name, timestamp, expected) => {
    expect(latestInstant(timestamp)?.toISOString() ?? null).toBe(expected);
  });
});

describe("headSinceOf: GitHub's time no earlier than the push that made the PR's head", () => {
  it.each([
    ["updated since it was opened: the read's updated_at, to the end of its second", { createdAt: "2026-11-20T09:00:00Z", updatedAt: "2026-11-20T10:00:00Z" }, "2026-11-20T10:00:00.999Z"],
    ["as it was opened (its first head): none", { createdAt: "2026-11-20T09:00:00Z", updatedAt: "2026-11-20T09:00:00Z" }, null],
    ["the answer gave no created_at: its updated_at", { createdAt: null, updatedAt: "2026-11-20T10:00:00Z" }, "2026-11-20T10:00:00.999Z"],
    ["the answer gave no time: none", { createdAt: null, updatedAt: "" }, null],
  ])("%s", (_name, pull, expected) => {
    expect(headSinceOf(pull)?.toISOString() ?? null).toBe(expected);
  });
});
