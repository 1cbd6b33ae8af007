/** Per-test app lifecycle for nock tests (kept apart from app.ts, which the benchmarks import too). */
import { afterEach, beforeEach } from "vitest";
import { type TestApp, createTestApp } from "./app.js";

/**
 * A fresh test app (with its own database) for each test of the file, closed after it:
 *
 *   let app: TestApp;
 *   useTestApp((created) => (app = created), token);   // `each` runs once the app exists
 */
export function useTestApp(set: (app: TestApp) => void, each: () => void = () => undefined): void {
  let current: TestApp | null = null;
  beforeEach(async () => {
    current = await createTestApp();
    set(current);
    each();
  });
  afterEach(async () => {
    await current?.close();
    current = null;
  });
}
