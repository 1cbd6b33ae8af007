/**
 * Process entry: no logic here.
 * 1. Read the environment (refusing an unsafe one).
 * 2. Without APP_ID, let Probot serve its app-registration setup page.
 * 3. Create or migrate the database schema.
 * 4. Start Probot with the app; its timers start with it.
 * 5. On SIGTERM/SIGINT, stop serving and close the database.
 */
import { run } from "probot";
import { parseEnv } from "./config/env.js";
import { createUpgradeQueue } from "./index.js";
import { migrateDatabase } from "./store/migrate.js";
import { createPrismaClient } from "./store/prisma-client.js";

async function main(): Promise<void> {
  const env = parseEnv();
  if (!env.appId) {
    await run(() => undefined);
    return;
  }
  if (!env.webhookSecret) throw new Error("WEBHOOK_SECRET is empty: refusing to accept unsigned webhooks. Set it to the app's webhook secret.");
  await migrateDatabase(env.databaseUrl);
  const db = createPrismaClient(env.databaseUrl);
  const queue = createUpgradeQueue({ db, env });
  const server = await run(queue.appFn);
  const stop = async () => {
    queue.timers?.stop();
    await server.stop().catch(() => undefined);
    await queue.processor.idle().catch(() => undefined);
    await db.$disconnect();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
