/**
 * A newcomer's first `npm start`, with no APP_ID: Probot's app-registration setup page, as
 * Probot users expect, registering the app from app.yml.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppProcess, startAppProcess } from "../support/app-process.js";

describe("npm start without APP_ID", () => {
  let app: AppProcess;
  beforeAll(async () => {
    app = await startAppProcess({}, { readyPath: "/probot" });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("serves Probot's setup page to register the GitHub App", async () => {
    const root = await fetch(`${app.url}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/probot");
    const page = await (await fetch(`${app.url}/probot`)).text();
    expect(page).toContain("Register GitHub App");
    expect(page).toContain("upgrade-queue");
  });
});
