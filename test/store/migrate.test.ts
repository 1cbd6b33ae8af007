import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from "../../src/store/database-url.js";
import { migrateDatabase, providerDir } from "../../src/store/migrate.js";
import { createPrismaClient, type Db } from "../../src/store/prisma-client.js";
import {
  createEmptyPostgresDatabase,
  createEmptySqliteDatabase,
  createTestDatabase,
  testDatabaseProvider,
  type EmptyDatabase,
} from "../support/database.js";

type Provider = "sqlite" | "postgresql";

const modelTables = [...readFileSync(join(providerDir("sqlite"), "../models.prisma"), "utf8").matchAll(/^model (\w+)/gm)]
  .map((match) => match[1] as string)
  .sort();

function migrationNames(provider: Provider): string[] {
  return readdirSync(join(providerDir(provider), "migrations"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

const createEmpty: Record<Provider, () => Promise<EmptyDatabase>> = {
  sqlite: createEmptySqliteDatabase,
  postgresql: createEmptyPostgresDatabase,
};

const listTables: Record<Provider, string> = {
  sqlite: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
  postgresql: `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
};

async function tableNames(db: Db, provider: Provider): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ name: string }[]>(listTables[provider]);
  return rows.map((row) => row.name).sort();
}

const newUpgrade = {
  installationId: 42,
  repository: "octo/agent",
  pullNumber: 7,
  status: "pending",
  title: "Teach the agent to count",
  description: "Adds counting.",
  branchName: "self-modify/count",
  baseBranch: "main",
  headSha: "0123456789abcdef0123456789abcdef01234567",
  proposedAt: new Date("2026-01-02T03:04:05.678Z"),
};

describe.each<Provider>(["sqlite", "postgresql"])("migrateDatabase on %s", (provider) => {
  let database: EmptyDatabase;
  const clients: Db[] = [];
  const connect = (url: string) => {
    const db = createPrismaClient(url);
    clients.push(db);
    return db;
  };

  beforeEach(async () => {
    database = await createEmpty[provider]();
  });
  afterEach(async () => {
    for (const db of clients.splice(0)) await db.$disconnect();
    await database.drop();
  });

  it("creates every table of the models on an empty database, and records the migrations", async () => {
    const { applied } = await migrateDatabase(database.url);

    expect(applied).toEqual(migrationNames(provider));
    const db = connect(database.url);
    expect(await tableNames(db, provider)).toEqual([...modelTables, "_prisma_migrations"].sort());
    const recorded = await db.$queryRawUnsafe<{ migration_name: string; finished_at: unknown; rolled_back_at: unknown }[]>(
      `SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(recorded.map((row) => row.migration_name)).toEqual(migrationNames(provider));
    expect(recorded.every((row) => row.finished_at !== null && row.rolled_back_at === null)).toBe(true);
  });

  it("applies nothing the second time", async () => {
    await migrateDatabase(database.url);
    expect(await migrateDatabase(database.url)).toEqual({ applied: [] });
  });

  it("round-trips an upgrade through createPrismaClient", async () => {
    await migrateDatabase(database.url);
    const db = connect(database.url);

    const created = await db.upgrade.create({ data: newUpgrade });
    await db.approval.create({
      data: { upgradeId: created.id, login: "human", sha: newUpgrade.headSha, via: "review", at: new Date() },
    });
    const found = await db.upgrade.findUniqueOrThrow({
      where: { repository_pullNumber: { repository: "octo/agent", pullNumber: 7 } },
      include: { approvals: true },
    });

    expect(found).toMatchObject({ ...newUpgrade, id: created.id, approvedBy: "[]", version: 0, guarded: false });
    expect(found.approvals.map((approval) => approval.login)).toEqual(["human"]);
    await db.upgrade.delete({ where: { id: created.id } });
    expect(await db.approval.count()).toBe(0); // the cascade (foreign keys are on)
  });
});

describe("migrateDatabase on SQLite", () => {
  let database: EmptyDatabase;
  beforeEach(async () => {
    database = await createEmptySqliteDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  it("creates the missing parent directories of the file", async () => {
    const url = database.url.replace(/test\.db$/, "deeper/still/test.db");
    expect((await migrateDatabase(url)).applied).toEqual(migrationNames("sqlite"));
  });

  it("connects in WAL mode with a busy timeout", async () => {
    await migrateDatabase(database.url);
    const db = createPrismaClient(database.url);
    try {
      expect(await db.$queryRawUnsafe("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
      const [timeout] = await db.$queryRawUnsafe<{ timeout: bigint | number }[]>("PRAGMA busy_timeout");
      expect(Number(timeout?.timeout)).toBe(5000);
    } finally {
      await db.$disconnect();
    }
  });
});

describe("migrateDatabase on PostgreSQL", () => {
  let database: EmptyDatabase;
  beforeEach(async () => {
    database = await createEmptyPostgresDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  it("applies the migrations once when several processes start together", async () => {
    const results = await Promise.all([1, 2, 3].map(() => migrateDatabase(database.url)));

    const applied = results.map((result) => result.applied).sort((a, b) => b.length - a.length);
    expect(applied).toEqual([migrationNames("postgresql"), [], []]);
    const db = createPrismaClient(database.url);
    try {
      const rows = await db.$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM _prisma_migrations`);
      expect(Number(rows[0]?.count)).toBe(migrationNames("postgresql").length);
    } finally {
      await db.$disconnect();
    }
  });

  it("honours ?schema= for migrations and the client", async () => {
    const url = `${database.url}?schema=queue`;
    expect((await migrateDatabase(url)).applied).toEqual(migrationNames("postgresql"));
    const db = createPrismaClient(url);
    try {
      expect(await tableNames(db, "postgresql")).toEqual([...modelTables, "_prisma_migrations"].sort());
      expect(await db.$queryRawUnsafe("SELECT current_schema() AS schema")).toEqual([{ schema: "queue" }]);
      await db.upgrade.create({ data: newUpgrade });
      expect(await db.upgrade.count()).toBe(1);
    } finally {
      await db.$disconnect();
    }
  });
});

describe("createTestDatabase (TEST_DATABASE selects the provider)", () => {
  it("gives a migrated database of the configured provider, and cleanup deletes it", async () => {
    const database = await createTestDatabase();
    const provider = testDatabaseProvider();
    expect(parseDatabaseUrl(database.url).provider).toBe(provider);
    expect(await tableNames(database.db, provider)).toEqual([...modelTables, "_prisma_migrations"].sort());

    await database.cleanup();

    if (provider === "sqlite") {
      expect(existsSync(parseDatabaseUrl(database.url).filePath as string)).toBe(false);
    } else {
      const name = new URL(database.url).pathname.slice(1);
      const server = createPrismaClient(process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
      try {
        const rows = await server.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM pg_database WHERE datname = $1`, name);
        expect(rows).toEqual([]);
      } finally {
        await server.$disconnect();
      }
    }
  });
});

describe("parseDatabaseUrl", () => {
  it("defaults to a SQLite file under ./data", () => {
    expect(parseDatabaseUrl(DEFAULT_DATABASE_URL)).toEqual({
      provider: "sqlite",
      url: DEFAULT_DATABASE_URL,
      filePath: join(process.cwd(), "data/upgrade-queue.db"),
    });
  });

  it.each([
    ["file:/var/lib/uq/queue.db", "/var/lib/uq/queue.db"],
    ["file:///var/lib/uq/queue.db", "/var/lib/uq/queue.db"],
    ["file:./x.db?connection_limit=1", join(process.cwd(), "x.db")],
  ])("reads %s as SQLite at %s", (url, filePath) => {
    expect(parseDatabaseUrl(url)).toMatchObject({ provider: "sqlite", filePath });
  });

  it.each([
    ["postgresql://u:p@db:5432/uq", undefined],
    ["postgres://u:p@db/uq?schema=queue", "queue"],
  ])("reads %s as PostgreSQL", (url, schema) => {
    expect(parseDatabaseUrl(url)).toEqual({ provider: "postgresql", url, ...(schema ? { schema } : {}) });
  });

  it.each(["mysql://u:secret@db/uq", "", "sqlite.db", "file::memory:"])("refuses %j with a clear error", (url) => {
    expect(() => parseDatabaseUrl(url)).toThrow(/Unsupported/);
  });

  it("does not echo the password of a refused URL", () => {
    expect(() => parseDatabaseUrl("mysql://u:secret@db/uq")).toThrow(/^(?!.*secret)/);
  });
});
