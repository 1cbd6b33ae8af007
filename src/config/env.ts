/**
 * Environment variables of CONTRACT §5, parsed once at start. Probot reads its own variables
 * (APP_ID, PRIVATE_KEY, GHE_HOST, ...) itself; this schema adds the app's and refuses to start
 * on values that would make the gate unsafe (an empty WEBHOOK_SECRET).
 */
import { z } from "zod";
import { DEFAULT_DATABASE_URL } from "../store/database-url.js";

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));

const positiveNumber = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === "") return fallback;
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed <= 0) {
        ctx.addIssue({ code: "custom", message: `must be a positive number, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

export const Env = z
  .object({
    APP_ID: optionalText,
    WEBHOOK_SECRET: optionalText,
    GHE_HOST: optionalText,
    GHE_PROTOCOL: z
      .string()
      .optional()
      .transform((value) => (value === undefined || value === "" ? "https" : value))
      .pipe(z.enum(["http", "https"])),
    DATABASE_URL: optionalText.transform((value) => value ?? DEFAULT_DATABASE_URL),
    PORT: positiveNumber(3000),
    STATUS_PAGE_TOKEN: optionalText,
    SWEEP_INTERVAL_SECONDS: positiveNumber(60),
    RECONCILE_INTERVAL_MINUTES: positiveNumber(15),
    PUBLIC_URL: optionalText,
    GITHUB_CLIENT_ID: optionalText,
    GITHUB_CLIENT_SECRET: optionalText,
    SESSION_SECRET: optionalText,
  })
  .transform((env) => {
    const webBaseUrl = env.GHE_HOST ? `${env.GHE_PROTOCOL}://${env.GHE_HOST}` : "https://github.com";
    const apiBaseUrl = env.GHE_HOST ? `${webBaseUrl}/api/v3` : "https://api.github.com";
    return {
      appId: env.APP_ID,
      webhookSecret: env.WEBHOOK_SECRET,
      databaseUrl: env.DATABASE_URL,
      port: env.PORT,
      statusPageToken: env.STATUS_PAGE_TOKEN,
      sweepIntervalSeconds: env.SWEEP_INTERVAL_SECONDS,
      reconcileIntervalMinutes: env.RECONCILE_INTERVAL_MINUTES,
      publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
      githubClientId: env.GITHUB_CLIENT_ID,
      githubClientSecret: env.GITHUB_CLIENT_SECRET,
      sessionSecret: env.SESSION_SECRET,
      webBaseUrl,
      apiBaseUrl,
    };
  });
export type AppEnv = z.output<typeof Env>;

/** Parses the environment or throws one error naming every bad variable. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): AppEnv {
  const result = Env.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid environment: ${problems.join("; ")}`);
  }
  return result.data;
}
