/**
 * Creates the next migration for every provider, offline:
 *
 *   npm run db:migration -- add_something
 *   -> prisma/sqlite/migrations/<timestamp>_add_something/migration.sql
 *   -> prisma/postgresql/migrations/<timestamp>_add_something/migration.sql
 *
 * Each script is the WebAssembly schema engine's diff from that provider's migrations (replayed
 * on a shadow database) to its schema, as `prisma migrate dev` would write it. SQLite's shadow
 * database is in memory. PostgreSQL's is a throwaway database created (and dropped) through
 * SHADOW_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres), so a local
 * PostgreSQL server must be running; no internet is needed. Run `npm run db:schemas` first when models.prisma changed.
 * Migrations are never edited after they land: change the models and create a new one.
 */
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { DiffTarget } from "@prisma/schema-engine-wasm";
import {
  createSchemaEngine,
  migrationConnection,
  migrationLockfile,
  noFilters,
  readMigrations,
} from "../src/store/migrate.js";
import { parseDatabaseUrl } from "../src/store/database-url.js";
import { migrationsPath, providers, schemaPath, type Provider } from "./prisma-schemas.js";

const defaultShadowUrl = "postgresql://postgres@127.0.0.1:5432/postgres";

/** `<verb_noun>`: lower-case words joined by underscores, at least two. */
export function assertMigrationName(name: string | undefined): asserts name is string {
  if (!name || !/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(name)) {
    throw new Error(`Name the migration <verb_noun>, e.g. "add_upgrade_labels" (got ${JSON.stringify(name)}).`);
  }
}

/** Prisma's folder timestamp: UTC, YYYYMMDDHHMMSS. */
export function migrationTimestamp(now: Date): string {
  return now.toISOString().replace(/\D/g, "").slice(0, 14);
}

/** The SQL that takes `provider`'s migrations to its schema; "" when there is nothing to do. */
export async function diffProvider(provider: Provider): Promise<string> {
  const migrationsList = await readMigrations(provider, migrationsPath(provider));
  migrationsList.lockfile.content ??= migrationLockfile(provider);
  const shadowUrl = provider === "sqlite" ? "file::memory:" : process.env.SHADOW_DATABASE_URL ?? defaultShadowUrl;
  const connection = migrationConnection(
    provider === "sqlite" ? { provider, url: shadowUrl, filePath: ":memory:" } : parseDatabaseUrl(shadowUrl),
  );
  try {
    const engine = await createSchemaEngine(provider, connection.factory);
    try {
      const schema = { path: schemaPath(provider), content: await readFile(schemaPath(provider), "utf8") };
      // Always from the migrations, even when there are none: from "empty", PostgreSQL's script
      // would also start with CREATE SCHEMA "public", which `prisma migrate dev` does not write.
      const from: DiffTarget = { tag: "migrations", ...migrationsList };
      const { stdout } = await engine.diff({
        from,
        to: { tag: "schemaDatamodel", files: [schema] },
        script: true,
        exitCode: null,
        filters: noFilters,
      });
      return isEmptyScript(stdout ?? "") ? "" : (stdout ?? "");
    } finally {
      engine.free();
    }
  } finally {
    await connection.dispose();
  }
}

/** The engine renders "no changes" as a comment-only script. */
function isEmptyScript(script: string): boolean {
  return script.split("\n").every((line) => line.trim() === "" || line.trim().startsWith("--"));
}

/** Creates `<timestamp>_<name>` for every provider; returns the files written (none if no change). */
export async function createMigration(name: string, now = new Date()): Promise<string[]> {
  assertMigrationName(name);
  const folder = `${migrationTimestamp(now)}_${name}`;
  const scripts = new Map<Provider, string>();
  for (const provider of providers) scripts.set(provider, await diffProvider(provider));
  if ([...scripts.values()].every((script) => script === "")) return [];
  const written: string[] = [];
  for (const [provider, script] of scripts) {
    const dir = join(migrationsPath(provider), folder);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "migration.sql"), script);
    written.push(join(dir, "migration.sql"));
    const lockfile = join(migrationsPath(provider), "migration_lock.toml");
    if (!existsSync(lockfile)) {
      writeFileSync(lockfile, migrationLockfile(provider));
      written.push(lockfile);
    }
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = await createMigration(process.argv[2] as string);
  if (written.length === 0) console.log("The schemas match the migrations: nothing to create.");
  for (const path of written) console.log(`wrote ${relative(process.cwd(), path)}`);
}
