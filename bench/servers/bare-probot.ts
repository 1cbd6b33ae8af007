/**
 * The framework ceiling: Probot's own `run` (its Server, webhook middleware, signature check,
 * JSON parsing, logger) with the same environment as the app and a handler that does nothing.
 */
import { run } from "probot";

const server = await run((app) => {
  app.onAny(async () => undefined);
});
process.once("SIGTERM", () => {
  server.stop().finally(() => process.exit(0));
});
