/**
 * Prisma CLI configuration (Prisma 7 keeps database URLs out of the schema).
 *
 * One model definition (prisma/models.prisma) is rendered into one schema per provider; this
 * file points the CLI at the schema and migrations of the provider DATABASE_URL names, so
 * `npx prisma migrate deploy` / `migrate status` work for whoever has Prisma's schema-engine
 * binary. The app itself never needs the CLI for migrations: src/store/migrate.ts applies the
 * same folders through the WebAssembly schema engine. Kept self-contained (no imports from src)
 * so the CLI's config loader needs nothing but `prisma/config`.
 */
import { defineConfig } from "prisma/config";

const url = process.env.DATABASE_URL ?? "file:./data/upgrade-queue.db";
const provider = /^postgres(ql)?:\/\//.test(url) ? "postgresql" : "sqlite";

export default defineConfig({
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  datasource: { url },
});
