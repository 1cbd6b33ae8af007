/**
 * What `npm test` brings along on a machine without the services: its own PostgreSQL
 * (scripts/with-test-postgres.ts) and Chromium (test/support/browser.ts). Which one is used
 * when, and that the throwaway server is there for the command and gone afterwards, also when
 * the run is stopped.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { answers, embeddedPostgresReason } from "../scripts/with-test-postgres.js";
import { usesBundledChromium } from "./support/browser.js";

describe("which Chromium the browser tests drive", () => {
  it.each<[string, NodeJS.ProcessEnv, boolean, boolean]>([
    ["the system's when it has one", {}, true, false],
    ["the npm-shipped one when the system has none", {}, false, true],
    ["the npm-shipped one when forced", { TEST_BUNDLED_CHROMIUM: "1" }, true, true],
    ["the system's when the variable is not 1", { TEST_BUNDLED_CHROMIUM: "0" }, true, false],
  ])("%s", (_, env, systemChromium, bundled) => {
    expect(usesBundledChromium(env, systemChromium)).toBe(bundled);
  });
});

describe("when the test run starts its own PostgreSQL", () => {
  it.each<[string, NodeJS.ProcessEnv, boolean, string | undefined]>([
    ["not when TEST_POSTGRES_URL names a server", { TEST_POSTGRES_URL: "postgresql://x@db/postgres" }, false, undefined],
    ["not when 127.0.0.1:5432 answers", {}, true, undefined],
    ["when neither", {}, false, "no TEST_POSTGRES_URL and nothing answers at 127.0.0.1:5432"],
    ["when forced, whatever else", { TEST_EMBEDDED_POSTGRES: "1", TEST_POSTGRES_URL: "postgresql://x@db/postgres" }, true, "TEST_EMBEDDED_POSTGRES=1"],
  ])("%s", async (_, env, localAnswers, reason) => {
    expect(await embeddedPostgresReason(env, async () => localAnswers)).toBe(reason);
  });

  it("probes a port: a listening one answers, a closed one does not", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as { port: number };
    expect(await answers("127.0.0.1", port)).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(await answers("127.0.0.1", port)).toBe(false);
  });
});

/** Connects to TEST_POSTGRES_URL, prints the server's version and where it keeps its data, then waits or exits. */
const probe = `
const pg = require("pg");
const client = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
client.connect()
  .then(() => client.query("SELECT current_setting('server_version') AS version, current_setting('data_directory') AS dir"))
  .then(({ rows }) => client.end().then(() => {
    console.log("PROBE " + JSON.stringify({ url: process.env.TEST_POSTGRES_URL, ...rows[0] }));
    if (process.argv[1] === "wait") setInterval(() => undefined, 1000); else process.exit(7);
  }));
`;

function runWithTestPostgres(mode: "exit" | "wait") {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/with-test-postgres.ts", process.execPath, "-e", probe, mode], {
    env: { ...process.env, TEST_EMBEDDED_POSTGRES: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const probed = new Promise<{ url: string; version: string; dir: string }>((resolve, reject) => {
    child.stdout.on("data", () => {
      const line = /^PROBE (.*)$/m.exec(output)?.[1];
      if (line) resolve(JSON.parse(line) as { url: string; version: string; dir: string });
    });
    child.once("exit", () => reject(new Error(`exited before the probe answered:\n${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, probed, exited };
}

// Concurrent: each starts its own server; side by side the file takes about as long as one.
describe.concurrent("scripts/with-test-postgres.ts (TEST_EMBEDDED_POSTGRES=1)", () => {
  it("gives the command a real PostgreSQL, passes its exit code on, then stops the server and deletes its files", async () => {
    const run = runWithTestPostgres("exit");
    const seen = await run.probed;
    expect(seen.version).toMatch(/^\d+\.\d+/);
    expect(await run.exited).toBe(7);
    const port = Number(new URL(seen.url).port);
    expect(await answers("127.0.0.1", port)).toBe(false);
    expect(existsSync(seen.dir)).toBe(false);
  }, 120_000);

  it("on SIGTERM, passes the signal to the command, stops the server and deletes its files", async () => {
    const run = runWithTestPostgres("wait");
    const seen = await run.probed;
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(143);
    expect(await answers("127.0.0.1", Number(new URL(seen.url).port))).toBe(false);
    expect(existsSync(seen.dir)).toBe(false);
  }, 120_000);
});
