/**
 * "The agent's own token never counts as an approval anywhere." The agent has write access (it
 * must, to push), proposes through the client, and then tries every approval channel as
 * itself: an approving review, the `upgrade:approved` label, `/approve`, and the status page's
 * Approve post after signing in with GitHub. Each is refused; a real approver then approves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUpgradeQueueClient } from "../../src/client/index.js";
import { type AgentWorld, REPO, STATUS_TOKEN, startAgentWorld } from "../support/agent-world.js";
import { eventually } from "../support/app-process.js";
import { Browser, csrfFrom } from "../http/client.js";

type Detail = { upgrade: { status: string; approvedBy: string[] }; events: Array<{ type: string; actor: string; via: string; details: { reason?: string } }> };

describe("the agent can never approve its own upgrade", () => {
  let world: AgentWorld;

  beforeAll(async () => {
    world = await startAgentWorld();
  }, 90_000);

  afterAll(async () => {
    await world?.stop();
  });

  async function signInWithGitHubAs(login: string): Promise<Browser> {
    const browser = new Browser(world.app.url);
    world.fake.setOAuthUser(login);
    const page = await (await browser.get("/self-modify/login")).text();
    const href = /href="([^"]*\/login\/oauth\/authorize[^"]*)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
    if (!href) throw new Error("no Sign in with GitHub link");
    const authorized = await fetch(href, { redirect: "manual" });
    const callback = new URL(authorized.headers.get("location") ?? "");
    const signedIn = await browser.get(`${callback.pathname}${callback.search}`);
    expect(signedIn.status).toBe(303);
    return browser;
  }

  it("refuses the agent's review, label, /approve and status-page post; alice's approval then applies it", async () => {
    const client = createUpgradeQueueClient({ retryBaseMs: 50 }, world.agentEnv);
    const proposed = await client.propose({ repository: REPO, slug: "self-approve", title: "Approve myself", files: { "src/planner.ts": "export const plan = ['mine'];\n" } });
    const number = await world.proposedPull(proposed.branch);
    await world.passChecks(proposed.sha);
    const upgrade = await eventually(() => client.status({ repository: REPO, branch: proposed.branch }), "the upgrade in the queue");
    const detail = async () => (await (await fetch(`${world.app.url}/self-modify/queue/${upgrade.id}.json`, { headers: { authorization: `Bearer ${STATUS_TOKEN}` } })).json()) as Detail;

    await world.approve(number, "agent");
    await world.hooks.send("pull_request", world.fake.payloads.label("labeled", REPO, number, "agent", "upgrade:approved"));
    await world.comment(number, "agent", "/approve");
    const browser = await signInWithGitHubAs("agent");
    const page = await (await browser.get(`/self-modify/queue/${upgrade.id}`)).text();
    expect(page).not.toContain('class="approve"');
    const posted = await browser.post(`/self-modify/queue/${upgrade.id}/approve`, { csrf: csrfFrom(page) });
    expect(posted.status).toBe(403);

    const denied = await eventually(async () => {
      const events = (await detail()).events.filter((e) => e.type === "upgrade.command_denied" && e.actor === "agent");
      return events.length === 3 ? events : undefined;
    }, "the three refusals in the history");
    expect(denied.map((e) => e.via).sort()).toEqual(["comment", "label", "review"]);
    expect(denied.every((e) => e.details.reason?.includes("cannot decide on it"))).toBe(true);
    await eventually(() => !world.fake.labelsOf(REPO, number).includes("upgrade:approved"), "the app to remove the agent's label");
    expect((await detail()).upgrade).toMatchObject({ status: "proposed", approvedBy: [] });
    expect(world.fake.getPull(REPO, number).merged).toBe(false);

    await world.approve(number, "alice");
    const decided = await client.waitForDecision({ repository: REPO, branch: proposed.branch }, { timeoutMs: 45_000, pollIntervalMs: 200 });
    expect(decided).toMatchObject({ status: "applied", approvedBy: ["alice"] });
  }, 90_000);
});
