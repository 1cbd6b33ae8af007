/**
 * `npm run deliveries`: what an operator sees of the inbox and how a delivery that gave up is
 * given a fresh set of attempts, on a real database of the configured provider.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDeliveriesCommand } from "../../src/cli/deliveries.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute));

describe("npm run deliveries", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    const row = (id: string, minute: number, extra: object) => ({ id, event: "pull_request_review", installationId: 1, payload: "{}", receivedAt: at(minute), ...extra });
    await database.db.delivery.createMany({
      data: [
        row("done", 1, { attempts: 1, processedAt: at(2) }),
        row("trying", 2, { attempts: 2, error: "GitHub answered 502\nBad Gateway" }),
        row("gave-up-1", 3, { attempts: 5, error: "HttpError: Server Error" }),
        row("gave-up-2", 4, { attempts: 5, error: "timeout" }),
      ],
    });
  });

  afterAll(async () => {
    await database.cleanup();
  });

  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDeliveriesCommand(args, { DATABASE_URL: database.url }, (l) => out.push(l), (l) => err.push(l));
    return { code, out, err };
  };

  it("lists what is not processed, oldest first, saying which gave up", async () => {
    const { code, out } = await run();
    expect(code).toBe(0);
    expect(out.slice(0, 3).map((l) => l.split("\t").slice(0, 4))).toEqual([
      ["trying", "pull_request_review", at(2).toISOString(), "attempt 2 of 5"],
      ["gave-up-1", "pull_request_review", at(3).toISOString(), "GAVE UP after 5 attempts"],
      ["gave-up-2", "pull_request_review", at(4).toISOString(), "GAVE UP after 5 attempts"],
    ]);
    expect(out[0]).toContain("GitHub answered 502 Bad Gateway"); // one line per delivery
    expect(out[3]).toContain("npm run deliveries -- retry --gave-up");
  });

  it("retries one by id, refuses an unknown or processed one, then all that gave up", async () => {
    const one = await run("retry", "gave-up-1", "done", "nope");
    expect(one).toMatchObject({ code: 1, out: ["retry gave-up-1", "1 delivery will be processed again by the next sweep"] });
    expect(one.err).toEqual(["not retried (unknown or already processed): done", "not retried (unknown or already processed): nope"]);
    expect(await database.db.delivery.findUniqueOrThrow({ where: { id: "gave-up-1" } })).toMatchObject({ attempts: 0, error: null, claimedUntil: null, processedAt: null });
    expect(await database.db.delivery.findUniqueOrThrow({ where: { id: "done" } })).toMatchObject({ attempts: 1, processedAt: at(2) });

    const all = await run("retry", "--gave-up");
    expect(all).toMatchObject({ code: 0, out: ["retry gave-up-2", "1 delivery will be processed again by the next sweep"] });
    expect((await database.db.delivery.findMany({ where: { processedAt: null }, orderBy: { id: "asc" } })).map((d) => [d.id, d.attempts])).toEqual([
      ["gave-up-1", 0],
      ["gave-up-2", 0],
      ["trying", 2],
    ]);
  });

  it("answers a wrong command with the usage and exit code 2, touching nothing", async () => {
    expect(await run("retyr")).toMatchObject({ code: 2, out: [], err: [expect.stringContaining("usage: npm run deliveries")] });
    expect(await run("retry")).toMatchObject({ code: 2, err: [expect.stringContaining("retry needs delivery ids or --gave-up")] });
  });

  it("runs as `npm run deliveries` with DATABASE_URL from the environment", async () => {
    const { stdout } = await promisify(execFile)("npm", ["run", "--silent", "deliveries"], { env: { ...process.env, DATABASE_URL: database.url } });
    expect(stdout.split("\n").filter((l) => l.includes("\t")).map((l) => l.split("\t")[0])).toEqual(["trying", "gave-up-1", "gave-up-2"]);
  });
});
