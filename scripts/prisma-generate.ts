/**
 * Generates the Prisma client of every provider (`npm run db:generate`, also `postinstall`),
 * offline: `prisma generate` never runs the schema engine, but the CLI insists on finding its
 * binary first and would download it from Prisma's host. Pointing PRISMA_SCHEMA_ENGINE_BINARY
 * at any existing file skips that download; it is only set when the caller has not set it.
 * Output goes to src/store/generated/<provider> (gitignored).
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { providers, schemaPath } from "./prisma-schemas.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** Path of the Prisma CLI's entry file, resolved from this repository's node_modules. */
function prismaCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("prisma/package.json")), "build", "index.js");
}

/** Runs `prisma generate` for every provider's schema; throws on the first failure. */
export function generateClients(): void {
  const env = { ...process.env };
  env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
  env.PRISMA_HIDE_UPDATE_MESSAGE ??= "1";
  for (const provider of providers) {
    const schema = relative(repoRoot, schemaPath(provider));
    const result = spawnSync(process.execPath, [prismaCli(), "generate", "--schema", schema], {
      cwd: repoRoot,
      env,
      stdio: "inherit",
    });
    if (result.status !== 0) {
      throw new Error(`prisma generate failed for ${schema} (exit ${result.status ?? result.signal})`);
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  generateClients();
}
