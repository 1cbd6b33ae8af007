/** The input schemas the client, the CLI and the MCP tools share: what an agent may send. */
import { describe, expect, it } from "vitest";
import { FilePath, ProposeInput, Slug, StatusInput } from "../../src/client/schemas.js";

describe("Slug (the branch is <branchPrefix><slug>)", () => {
  it.each([
    ["fix-task-001", true],
    ["memory/vector_store.v2", true],
    ["", false],
    ["../main", false],
    ["a..b", false],
    [".hidden", false],
    ["a//b", false],
    ["ends/", false],
    ["x.lock", false],
    ["has space", false],
    ["semi;colon", false],
    ["tilde~1", false],
    ["a".repeat(101), false],
  ])("%j -> %s", (slug, ok) => {
    expect(Slug.safeParse(slug).success).toBe(ok);
  });
});

describe("FilePath", () => {
  it.each([
    ["src/swarm/coordinator.py", true],
    [".github/workflows/ci.yml", true],
    ["/etc/passwd", false],
    ["../outside", false],
    ["src/../../outside", false],
    ["./src/a.ts", false],
    ["src//a.ts", false],
    [".git/hooks/pre-commit", false],
    ["windows\\path", false],
    ["nul\0byte", false],
  ])("%j -> %s", (path, ok) => {
    expect(FilePath.safeParse(path).success).toBe(ok);
  });
});

describe("ProposeInput", () => {
  const valid = { repository: "acme/agent", slug: "fix", title: "Fix", files: { "a.ts": "a\n" } };

  it("fills the defaults", () => {
    expect(ProposeInput.parse(valid)).toEqual({ ...valid, description: "", urgent: false });
  });

  it.each([
    ["no files", { files: {} }, "files"],
    ["a bad repository", { repository: "acme" }, "repository"],
    ["an empty title", { title: "   " }, "title"],
    ["an unknown key", { approve: true }, ""],
    ["a file content that is no text", { files: { "a.ts": 42 } }, "files.a.ts"],
  ])("refuses %s", (_name, overrides, path) => {
    const result = ProposeInput.safeParse({ ...valid, ...overrides });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toContain(path);
  });
});

describe("StatusInput", () => {
  it.each([
    [{ repository: "acme/agent", branch: "self-modify/x" }, true],
    [{ repository: "acme/agent", branch: "self-modify/x", sha: "a".repeat(40) }, true],
    [{ repository: "acme/agent", branch: "self-modify/x", sha: "abc" }, false],
    [{ repository: "acme/agent" }, false],
  ])("%j -> %s", (input, ok) => {
    expect(StatusInput.safeParse(input).success).toBe(ok);
  });
});
