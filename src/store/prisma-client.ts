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
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PostgresPrismaClient } from "./generated/postgresql/client.js";
import { PrismaClient as SqlitePrismaClient } from "./generated/sqlite/client.js";
import { parseDatabaseUrl, postgresConnectionConfig } from "./database-url.js";
import { sqliteAdapterFactory } from "./sqlite-adapter.js";

/** The database client every repository takes. */
export type Db = SqlitePrismaClient;

/** A Prisma client for a `file:` (SQLite) or `postgresql://` URL. Call `$disconnect()` when done. */
export function createPrismaClient(databaseUrl: string): Db {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.provider === "sqlite") {
    mkdirSync(dirname(target.filePath), { recursive: true });
    return new SqlitePrismaClient({ adapter: sqliteAdapterFactory(target.filePath) });
  }
  const adapter = new PrismaPg(
    postgresConnectionConfig(target.url, target.schema),
    target.schema ? { schema: target.schema } : undefined,
  );
  // Same models, same API (see the top of this file): the cast only renames the type.
  return new PostgresPrismaClient({ adapter }) as unknown as Db;
}
