/**
 * The one place that constructs Prisma Client, for either provider.
 *
 * Both clients are generated from the same models (prisma/models.prisma), so they have the same
 * API: model delegates, arguments and results are identical. `Db` is the SQLite client's type
 * and the PostgreSQL client is cast to it; the only differences are provider-specific features
 * our models do not use (no enums, no native types, JSON kept as text). Callers never learn
 * which database they talk to.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaClient as PostgresPrismaClient } from "./generated/postgresql/client.js";
import { PrismaClient as SqlitePrismaClient } from "./generated/sqlite/client.js";
import { parseDatabaseUrl, postgresConnectionConfig, SQLITE_BUSY_TIMEOUT_MS } from "./database-url.js";

/** The database client every repository takes. */
export type Db = SqlitePrismaClient;

/**
 * Run on every new SQLite connection. WAL lets readers (the status page) work while a webhook
 * writes, and several processes share one file; the busy timeout makes a second writer wait
 * instead of failing at once. Foreign keys are on by default in better-sqlite3; said out loud
 * because the cascades in the models depend on them.
 */
export const SQLITE_CONNECTION_PRAGMAS = [
  "PRAGMA journal_mode = WAL;",
  `PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS};`,
  "PRAGMA foreign_keys = ON;",
].join("\n");

/** A Prisma client for a `file:` (SQLite) or `postgresql://` URL. Call `$disconnect()` when done. */
export function createPrismaClient(databaseUrl: string): Db {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.provider === "sqlite") {
    mkdirSync(dirname(target.filePath), { recursive: true });
    const adapter = withConnectionScript(
      new PrismaBetterSqlite3({ url: `file:${target.filePath}`, timeout: SQLITE_BUSY_TIMEOUT_MS }),
      SQLITE_CONNECTION_PRAGMAS,
    );
    return new SqlitePrismaClient({ adapter });
  }
  const adapter = new PrismaPg(
    postgresConnectionConfig(target.url, target.schema),
    target.schema ? { schema: target.schema } : undefined,
  );
  // Same models, same API (see the top of this file): the cast only renames the type.
  return new PostgresPrismaClient({ adapter }) as unknown as Db;
}

/**
 * Runs `script` on each connection the factory opens, before Prisma uses it. The SQLite adapter
 * takes better-sqlite3's constructor options (`timeout` is the busy timeout) but has no hook for
 * pragmas such as journal_mode, hence this wrapper.
 */
function withConnectionScript(factory: SqlDriverAdapterFactory, script: string): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect();
      await adapter.executeScript(script);
      return adapter;
    },
  };
}
