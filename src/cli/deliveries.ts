/**
 * `npm run deliveries`: the operator's view of the inbox (docs/operations.md).
 *
 *   npm run deliveries                        deliveries not processed: being retried, or given up
 *   npm run deliveries -- retry <id> [<id>…]  give these deliveries a fresh set of attempts
 *   npm run deliveries -- retry --gave-up     ...every delivery that gave up
 *
 * Uses DATABASE_URL as the app does (default file:./data/upgrade-queue.db). A running app's
 * sweep processes retried deliveries within SWEEP_INTERVAL_SECONDS.
 */
import { pathToFileURL } from "node:url";
import { parseDatabaseUrl, DEFAULT_DATABASE_URL } from "../store/database-url.js";
import { createDeliveryStore, MAX_ATTEMPTS } from "../store/delivery-store.js";
import { createPrismaClient } from "../store/prisma-client.js";

const USAGE = "usage: npm run deliveries [-- retry <delivery id>… | -- retry --gave-up]";
const LIST_LIMIT = 200;

/** Runs the command; returns the exit code. Output goes through `out`, errors through `err`. */
export async function runDeliveriesCommand(args: readonly string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const [command, ...rest] = args;
  if (command !== undefined && command !== "list" && command !== "retry") {
    err(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return 2;
  }
  if (command === "retry" && rest.length === 0) {
    err(`retry needs delivery ids or --gave-up\n${USAGE}`);
    return 2;
  }
  const databaseUrl = env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  const db = createPrismaClient(databaseUrl);
  try {
    const deliveries = createDeliveryStore(db, { serialiseWrites: parseDatabaseUrl(databaseUrl).provider === "sqlite" });
    if (command === "retry") {
      const which = rest.includes("--gave-up") ? "all-gave-up" : rest.filter((a) => !a.startsWith("--"));
      const retried = await deliveries.retry(which);
      const unknown = which === "all-gave-up" ? [] : which.filter((id) => !retried.includes(id));
      for (const id of retried) out(`retry ${id}`);
      for (const id of unknown) err(`not retried (unknown or already processed): ${id}`);
      out(`${retried.length} ${retried.length === 1 ? "delivery" : "deliveries"} will be processed again by the next sweep`);
      return unknown.length > 0 ? 1 : 0;
    }
    const rows = await deliveries.unprocessed(LIST_LIMIT);
    if (rows.length === 0) {
      out("every stored delivery has been processed");
      return 0;
    }
    for (const r of rows) {
      const state = r.gaveUp ? `GAVE UP after ${r.attempts} attempts` : `attempt ${r.attempts} of ${MAX_ATTEMPTS}`;
      // One line each; the error is the app's own message, cut so a line stays a line.
      out(`${r.id}\t${r.event}\t${r.receivedAt.toISOString()}\t${state}\t${(r.error ?? "").replace(/\s+/g, " ").slice(0, 200)}`);
    }
    if (rows.some((r) => r.gaveUp)) out(`retry one with: npm run deliveries -- retry <id>; all that gave up: npm run deliveries -- retry --gave-up`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await runDeliveriesCommand(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  );
}
