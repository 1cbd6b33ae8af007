/**
 * Prisma's driver adapter for a SQLite file, shared by Prisma Client and the migrations.
 *
 * libSQL (`@prisma/adapter-libsql` on `@libsql/client`) ships prebuilt binaries in npm packages
 * that load on Node 20, 22 and 24 alike, so no compiler and no per-Node-version override.
 * Guarantees every connection has, including the ones @libsql/client opens after each
 * transaction:
 *   - a busy timeout (the client's `timeout` option, applied to every connection it opens): a
 *     second writer, in this process or another, waits instead of failing with SQLITE_BUSY;
 *   - foreign keys on (libSQL's default): the cascades in the models depend on them;
 *   - WAL, set when connecting and kept by the file itself: readers (the status page) work while
 *     a webhook writes, and several processes share one file.
 */
import { pathToFileURL } from "node:url";
import { PrismaLibSql } from "@prisma/adapter-libsql";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { SQLITE_BUSY_TIMEOUT_MS } from "./database-url.js";

/** Run when a connection is first opened; journal_mode=WAL is persistent in the file. */
export const SQLITE_CONNECTION_SCRIPT = "PRAGMA journal_mode = WAL;";

/** An adapter factory for the SQLite file at `filePath` (an absolute path, or ":memory:"). */
export function sqliteAdapterFactory(filePath: string): SqlMigrationAwareDriverAdapterFactory {
  const inner = new PrismaLibSql({ url: libsqlUrl(filePath), timeout: SQLITE_BUSY_TIMEOUT_MS });
  const prepare = async (adapter: Promise<SqlDriverAdapter>) => {
    const connected = await adapter;
    if (filePath !== ":memory:") await connected.executeScript(SQLITE_CONNECTION_SCRIPT);
    return connected;
  };
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: () => prepare(inner.connect()),
    connectToShadowDb: () => inner.connectToShadowDb(),
  };
}

/** libSQL percent-decodes its `file:` URLs: a file URL keeps spaces, `#` and `%` in paths intact. */
export function libsqlUrl(filePath: string): string {
  return filePath === ":memory:" ? ":memory:" : pathToFileURL(filePath).href;
}

/**
 * Adapts a SQLite connection to what the wasm schema engine does with it.
 *
 * - The engine replays a whole migration.sql through `executeRaw` when it builds a shadow
 *   database (creating the next migration). libSQL would run the first statement and silently
 *   drop the rest, so a script of several statements goes to `executeScript` instead.
 * - The engine first asks for `locking_mode=EXCLUSIVE`. On a WAL database that any other
 *   connection has open (a second replica on the same file, a process restarting while the old
 *   one still closes, a reader) its first read then fails with SQLITE_BUSY and the app cannot
 *   start. Normal locking is enough: each migration runs in its own transaction and writers
 *   wait for each other (busy timeout).
 */
export function adaptSqliteForSchemaEngine(adapter: SqlDriverAdapter): void {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    if (/^\s*PRAGMA\s+(main\.)?locking_mode\s*=\s*EXCLUSIVE\s*;?\s*$/i.test(query.sql)) return 0;
    if (query.args.length === 0 && statementCount(query.sql) > 1) {
      await adapter.executeScript(query.sql);
      return 0;
    }
    return executeRaw(query);
  };
}

/**
 * How many statements a SQL text holds: the `;`-separated parts with something besides
 * comments, ignoring `;` inside quotes and comments. A trigger's body (`BEGIN ...; END`) counts
 * as more than one, which only sends it to `executeScript`, where it runs just as well.
 */
export function statementCount(sql: string): number {
  const code = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g, (token) =>
    token.startsWith("--") || token.startsWith("/*") ? " " : "x",
  );
  return code.split(";").filter((part) => part.trim() !== "").length;
}
