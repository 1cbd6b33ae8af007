/**
 * A fresh, migrated database per test file:
 *
 *   const database = await createTestDatabase();   // in beforeAll
 *   ... database.db.upgrade.create(...) ...
 *   await database.cleanup();                      // in afterAll
 *
 * SQLite by default: a file in a new temporary directory. With TEST_DATABASE=postgresql: a new
 * database `uq_test_<random>` on the server at TEST_POSTGRES_URL (default
 * postgresql://postgres@127.0.0.1:5432/postgres), dropped by cleanup().
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { migrateDatabase } from "../../src/store/migrate.js";
import { createPrismaClient, type Db } from "../../src/store/prisma-client.js";

export type TestDatabase = {
  /** The database's URL, for code that takes one (migrateDatabase, createPrismaClient, env). */
  url: string;
  db: Db;
  /** Disconnects and deletes the database. */
  cleanup(): Promise<void>;
};

export const DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

/** Which provider the suite runs against: TEST_DATABASE=postgresql, otherwise SQLite. */
export function testDatabaseProvider(): "sqlite" | "postgresql" {
  const wanted = process.env.TEST_DATABASE?.trim().toLowerCase();
  if (!wanted || wanted === "sqlite") return "sqlite";
  if (wanted === "postgresql" || wanted === "postgres") return "postgresql";
  throw new Error(`TEST_DATABASE must be "sqlite" or "postgresql", not "${process.env.TEST_DATABASE}".`);
}

/** An empty database of the configured provider (what `npm start` is given in process tests). */
export function createEmptyTestDatabase(): Promise<EmptyDatabase> {
  return testDatabaseProvider() === "postgresql" ? createEmptyPostgresDatabase() : createEmptySqliteDatabase();
}

/** Creates, migrates and connects to a new database of the configured provider. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyTestDatabase();
  try {
    await migrateDatabase(empty.url);
  } catch (error) {
    await empty.drop();
    throw error;
  }
  const db = createPrismaClient(empty.url);
  return {
    url: empty.url,
    db,
    async cleanup() {
      await db.$disconnect();
      await empty.drop();
    },
  };
}

/** An empty (unmigrated) database and a way to delete it. */
export type EmptyDatabase = { url: string; drop(): Promise<void> };

/** A path for a SQLite file in a new temporary directory; drop() removes the directory. */
export async function createEmptySqliteDatabase(): Promise<EmptyDatabase> {
  const dir = await mkdtemp(join(tmpdir(), "uq-test-"));
  return {
    url: `file:${join(dir, "test.db")}`,
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A new PostgreSQL database on the test server; drop() deletes it (disconnecting stragglers). */
export async function createEmptyPostgresDatabase(): Promise<EmptyDatabase> {
  const serverUrl = process.env.TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL;
  const name = `uq_test_${randomBytes(6).toString("hex")}`;
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
