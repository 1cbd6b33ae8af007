import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Several replicas need one shared PostgreSQL database: those tests run in the PostgreSQL
    // pass of `npm test` only (scripts/test-all.sh), not as skipped tests in the SQLite pass.
    // So does the test of the run's own PostgreSQL server: once per `npm test` is enough. The
    // property files on the in-memory store use no database: they run in the SQLite pass only.
    exclude:
      process.env.TEST_DATABASE === "postgresql"
        ? ["test/properties/gate-memory.test.ts", "test/properties/broken-gates.test.ts"]
        : ["test/replicas/**", "test/test-services.test.ts"],
    // Test files share one machine's PostgreSQL server and ports: a few forks at a time.
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
