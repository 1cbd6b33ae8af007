/**
 * vitest globalSetup: runs once in vitest's main process before any test file. Unpacks the
 * npm-shipped Chromium here, when the browser tests will use it (test/support/browser.ts), so
 * that test files running in parallel find it ready instead of unpacking it over each other.
 */
import { chromiumExecutable, usesBundledChromium } from "./browser.js";

export default async function setup(): Promise<void> {
  if (usesBundledChromium()) await chromiumExecutable();
}
