/**
 * Which database a URL names. SQLite is the default; PostgreSQL is a setting:
 *
 *   file:./data/upgrade-queue.db            -> sqlite      (relative to process.cwd())
 *   file:/var/lib/upgrade-queue/queue.db    -> sqlite
 *   postgresql://user:pass@host:5432/db     -> postgresql  (also postgres://; ?schema=name honoured)
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Used when DATABASE_URL is unset: a SQLite file under ./data. */
export const DEFAULT_DATABASE_URL = "file:./data/upgrade-queue.db";

/** Milliseconds a SQLite connection waits for another writer before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export type DatabaseProvider = "sqlite" | "postgresql";

export type DatabaseUrl =
  | {
      provider: "sqlite";
      /** The URL as given. */
      url: string;
      /** Absolute path of the SQLite file. */
      filePath: string;
    }
  | {
      provider: "postgresql";
      /** The URL as given. */
      url: string;
      filePath?: undefined;
      /** The `?schema=` parameter (Prisma's convention), when present. */
      schema?: string;
    };

/** Parses a database URL; throws an Error naming the accepted forms for anything else. */
export function parseDatabaseUrl(url: string): DatabaseUrl {
  const trimmed = url.trim();
  if (trimmed.startsWith("file:")) {
    return { provider: "sqlite", url: trimmed, filePath: sqliteFilePath(trimmed) };
  }
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    const schema = new URL(trimmed).searchParams.get("schema") ?? undefined;
    return schema ? { provider: "postgresql", url: trimmed, schema } : { provider: "postgresql", url: trimmed };
  }
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
  throw new Error(
    `Unsupported DATABASE_URL${scheme ? ` (scheme "${scheme}:")` : trimmed ? "" : " (empty)"}: ` +
      'use "file:<path>" for SQLite (e.g. file:./data/upgrade-queue.db) or ' +
      '"postgresql://user:password@host:5432/database" (or postgres://) for PostgreSQL.',
  );
}

/** `file:./a.db`, `file:/abs/a.db` or `file:///abs/a.db` (query string dropped) -> absolute path. */
function sqliteFilePath(url: string): string {
  const withoutQuery = url.replace(/\?.*$/, "");
  const path = withoutQuery.startsWith("file://")
    ? fileURLToPath(withoutQuery)
    : withoutQuery.slice("file:".length);
  if (path === "" || path.startsWith(":memory:")) {
    throw new Error(`Unsupported SQLite URL "${url}": name a file, e.g. file:./data/upgrade-queue.db.`);
  }
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}

/** What `pg` needs to connect to a parsed PostgreSQL URL (shape of a `pg.PoolConfig`). */
export type PostgresConnectionConfig = { connectionString: string; options?: string };

/**
 * `pg` connection settings for a PostgreSQL URL. `pg` knows nothing of Prisma's `?schema=`, so
 * the parameter is taken out of the connection string and becomes the session's search_path:
 * unqualified names in migrations and queries then resolve to that schema.
 */
export function postgresConnectionConfig(url: string, schema?: string): PostgresConnectionConfig {
  const parsed = new URL(url);
  parsed.searchParams.delete("schema");
  const connectionString = parsed.toString();
  if (!schema) return { connectionString };
  assertSchemaName(schema);
  return { connectionString, options: `-c search_path=${schema}` };
}

/** Only plain identifiers: they go into a `-c` option and a CREATE SCHEMA statement unquoted-safe. */
export function assertSchemaName(schema: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Unsupported PostgreSQL schema name "${schema}": use letters, digits and underscores.`);
  }
}
