/** The diff size propose measures against maxDiffLines, and the commit message it writes. */
import { describe, expect, it } from "vitest";
import { countLines, diffSize, lineChanges } from "../../src/client/diff-size.js";
import { commitMessage } from "../../src/client/propose.js";
import { hasUrgentTrailer } from "../../src/domain/head-facts.js";

describe("countLines", () => {
  it.each([
    ["nothing", undefined, 0],
    ["empty", "", 0],
    ["one line", "a\n", 1],
    ["one line without a newline", "a", 1],
    ["two lines, the last without a newline", "a\nb", 2],
    ["blank lines count", "\n\n\n", 3],
  ])("%s", (_name, text, lines) => {
    expect(countLines(text)).toBe(lines);
  });
});

describe("lineChanges (as GitHub counts additions and deletions)", () => {
  it.each([
    ["unchanged", "a\nb\n", "a\nb\n", 0, 0],
    ["new file", undefined, "a\nb\nc\n", 3, 0],
    ["deleted file", "a\nb\n", undefined, 0, 2],
    ["one line changed", "a\nb\nc\n", "a\nB\nc\n", 1, 1],
    ["a line inserted in the middle", "a\nc\n", "a\nb\nc\n", 1, 0],
    ["a line removed", "a\nb\nc\n", "a\nc\n", 0, 1],
    ["a newline added at the end changes the last line", "a\nb", "a\nb\n", 1, 1],
    ["emptied file", "a\nb\n", "", 0, 2],
    ["moved block", "1\n2\n3\n4\n", "3\n4\n1\n2\n", 2, 2],
  ])("%s", (_name, before, after, additions, deletions) => {
    expect(lineChanges(before, after)).toEqual({ additions, deletions });
  });

  it("sums the files", () => {
    expect(
      diffSize([
        { path: "a", before: "x\n", after: "y\n" },
        { path: "b", before: undefined, after: "1\n2\n" },
        { path: "c", before: "gone\n", after: undefined },
      ]),
    ).toEqual({ additions: 3, deletions: 2, total: 5 });
  });
});

describe("commitMessage", () => {
  it.each([
    ["subject only", "Fix it", "", false, "Fix it\n", false],
    ["subject and body", "Fix it", "Because.\n\nDetails.", false, "Fix it\n\nBecause.\n\nDetails.\n", false],
    ["urgent without a body", "Fix it", "", true, "Fix it\n\nUpgrade-Urgency: urgent\n", true],
    ["urgent with a body: the trailer is its own last paragraph", "Fix it", "Because.", true, "Fix it\n\nBecause.\n\nUpgrade-Urgency: urgent\n", true],
  ])("%s", (_name, title, description, urgent, message, trailer) => {
    expect(commitMessage(title, description, urgent)).toBe(message);
    expect(hasUrgentTrailer(message)).toBe(trailer);
  });
});
