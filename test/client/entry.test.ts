/**
 * `upgrade-queue/client` as another program imports it: plain Node (no tsx flag) resolving the
 * package's `exports`, through the JS shim. Its exports are exactly the TypeScript module's.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import * as client from "../../src/client/index.js";
import { ROOT } from "../support/agent-world.js";

describe("the package export upgrade-queue/client", () => {
  it("loads in a plain node process and exports what src/client/index.ts exports", async () => {
    const script = `const c = await import("upgrade-queue/client");
const error = new c.UpgradeQueueError("timeout", "x");
console.log(JSON.stringify({ keys: Object.keys(c).sort(), typed: c.isUpgradeQueueError(error), message: c.commitMessage("Fix", "", true) }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, env: { PATH: process.env.PATH ?? "" } });
    const result = JSON.parse(stdout) as { keys: string[]; typed: boolean; message: string };
    expect(result.keys).toEqual(Object.keys(client).sort());
    expect(result).toMatchObject({ typed: true, message: "Fix\n\nUpgrade-Urgency: urgent\n" });
  });
});
