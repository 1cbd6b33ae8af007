import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diffProvider } from "../../scripts/prisma-migration.js";
import { providers, readModels, renderSchemas, schemaPath } from "../../scripts/prisma-schemas.js";

describe("committed Prisma schemas", () => {
  const rendered = renderSchemas(readModels());

  it.each(providers)("prisma/%s/schema.prisma is what `npm run db:schemas` writes", (provider) => {
    expect(readFileSync(schemaPath(provider), "utf8")).toBe(rendered[provider]);
  });

  it.each(providers)("the %s schema names its own provider and client output", (provider) => {
    expect(rendered[provider]).toContain(`provider = "${provider}"`);
    expect(rendered[provider]).toContain(`output       = "../../src/store/generated/${provider}"`);
    expect(rendered[provider]).not.toMatch(/^\s*url\s*=/m);
  });
});

describe("committed migrations", () => {
  // Replays the migrations on a shadow database (SQLite in memory, PostgreSQL on the local
  // server) and diffs against the schema: a model change without `npm run db:migration` fails.
  it.each(providers)("prisma/%s/migrations reach the schema exactly", async (provider) => {
    expect(await diffProvider(provider)).toBe("");
  });
});
