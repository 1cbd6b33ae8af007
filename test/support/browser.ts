/**
 * The Chromium every browser test drives (through playwright-core; no browser is downloaded):
 * Debian's /usr/bin/chromium when the machine has it, otherwise (or with
 * TEST_BUNDLED_CHROMIUM=1) the build that the `@sparticuz/chromium` dev dependency ships inside
 * its npm package, unpacked to the temporary folder on first use. That build is made for AWS
 * Lambda: it needs libnss3, libnspr4 and libexpat from the system (any desktop Linux has them;
 * a minimal container may need `apt-get install libnss3`).
 *
 *   const browser = await launchChromium();   // in beforeAll
 *   await browser.close();                    // in afterAll
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

/** Flags that work as root, in a container, without a GPU, and keep Chromium off the network. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Whether the tests use the npm-shipped Chromium rather than the system's. */
export function usesBundledChromium(env: NodeJS.ProcessEnv = process.env, systemChromium = existsSync(SYSTEM_CHROMIUM)): boolean {
  return env.TEST_BUNDLED_CHROMIUM === "1" || !systemChromium;
}

/**
 * Path of the Chromium binary to launch. The bundled one is unpacked once per machine (to
 * <tmp>/chromium); vitest's global setup calls this first so that parallel test files never
 * unpack it at the same time.
 */
export async function chromiumExecutable(): Promise<string> {
  if (!usesBundledChromium()) return SYSTEM_CHROMIUM;
  const { default: bundled } = await import("@sparticuz/chromium");
  return bundled.executablePath();
}

/**
 * A headless Chromium. playwright gives every launch a fresh, temporary user-data-dir of its
 * own (and refuses a --user-data-dir flag), which is what ENVIRONMENT.md asks for.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: await chromiumExecutable(), headless: true, args: FLAGS });
}
