/**
 * The SQLite driver adapter (libSQL): the connection guarantees the app relies on, on every
 * connection, and the schema engine's scripts running whole.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SQLITE_BUSY_TIMEOUT_MS } from "../../src/store/database-url.js";
import { migrateDatabase } from "../../src/store/migrate.js";
import { createPrismaClient, type Db } from "../../src/store/prisma-client.js";
import { adaptSqliteForSchemaEngine, sqliteAdapterFactory, statementCount } from "../../src/store/sqlite-adapter.js";

describe("statementCount", () => {
  it.each<[string, number]>([
    ["SELECT 1", 1],
    ["SELECT 1;", 1],
    ["  SELECT 1 ;  \n", 1],
    ["-- CreateTable\nCREATE TABLE a (x);\n\n-- CreateTable\nCREATE TABLE b (y);\n", 2],
    ["INSERT INTO t VALUES ('a;b');", 1],
    ['CREATE TABLE "we;ird" (x);', 1],
    ["SELECT 1; -- trailing; comment\n", 1],
    ["SELECT 1; /* a; block */", 1],
    ["SELECT 'it''s; fine'; SELECT 2", 2],
    ["", 0],
    ["-- only a comment;", 0],
  ])("%j holds %i", (sql, count) => {
    expect(statementCount(sql)).toBe(count);
  });
});

describe("SQLite connections", () => {
  let dir: string;
  let db: Db | undefined;
  beforeEach(async () => {
    // A space, a # and a % in the path: the file URL handed to libSQL must keep them.
    dir = await mkdtemp(join(tmpdir(), "uq sqlite #1 %20-"));
  });
  afterEach(async () => {
    await db?.$disconnect();
    db = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it("every connection, also the one opened after a transaction, has WAL, the busy timeout and foreign keys", async () => {
    const file = join(dir, "queue.db");
    const url = `file:${file}`;
    await migrateDatabase(url);
    db = createPrismaClient(url);
    const pragmas = async () => ({
      journal: await db!.$queryRawUnsafe("PRAGMA journal_mode"),
      timeout: Number((await db!.$queryRawUnsafe<{ timeout: bigint }[]>("PRAGMA busy_timeout"))[0]?.timeout),
      foreignKeys: Number((await db!.$queryRawUnsafe<{ foreign_keys: bigint }[]>("PRAGMA foreign_keys"))[0]?.foreign_keys),
    });
    const expected = { journal: [{ journal_mode: "wal" }], timeout: SQLITE_BUSY_TIMEOUT_MS, foreignKeys: 1 };
    expect(await pragmas()).toEqual(expected);
    // libSQL hands the connection to the transaction and opens a new one for what follows.
    await db.$transaction(async (tx) => tx.installationState.create({ data: { installationId: 1 } }));
    expect(await pragmas()).toEqual(expected);
    expect(await db.installationState.count()).toBe(1);
    expect(pathToFileURL(file).href).toContain("%23"); // the # really was in the path
  });

  it("the schema engine's multi-statement scripts run whole", async () => {
    const connection = await sqliteAdapterFactory(join(dir, "engine.db")).connect();
    try {
      adaptSqliteForSchemaEngine(connection);
      const script = "-- CreateTable\nCREATE TABLE a (x TEXT);\n\n-- CreateTable\nCREATE TABLE b (y TEXT);\nINSERT INTO a VALUES ('1;2');\n";
      await connection.executeRaw({ sql: script, args: [], argTypes: [] });
      const tables = await connection.queryRaw({ sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", args: [], argTypes: [] });
      expect(tables.rows).toEqual([["a"], ["b"]]);
      const rows = await connection.queryRaw({ sql: "SELECT x FROM a", args: [], argTypes: [] });
      expect(rows.rows).toEqual([["1;2"]]);
      // One statement still goes through executeRaw, which reports the rows it changed.
      expect(await connection.executeRaw({ sql: "UPDATE a SET x = ?", args: ["3"], argTypes: [{ scalarType: "string", arity: "scalar" }] })).toBe(1);
    } finally {
      await connection.dispose();
    }
  });
});
