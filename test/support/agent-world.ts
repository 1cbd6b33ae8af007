/**
 * The world of the agent's-side end-to-end tests: the real app (`npm start`'s command, contract
 * env) against the fake GitHub with automatic webhooks, a repository where the agent and alice
 * both have write access, and the agent's environment (CONTRACT §7) for the client, CLI and MCP.
 */
import { fileURLToPath } from "node:url";
import { type AppProcess, contractEnv, eventually, freePort, startAppProcess } from "./app-process.js";
import { type EmptyDatabase, createEmptyTestDatabase } from "./database.js";
import { type FakeGitHub, type WebhookSender, createWebhookSender, startFakeGitHub } from "./fake-github/index.js";

export const REPO = "acme/agent";
export const STATUS_TOKEN = "agent-world-status-token";
const SECRET = "agent-world-secret";

/** The package's `bin` file, run as the agent runs `npx upgrade-queue`. */
export const BIN = fileURLToPath(new URL("../../entry/cli.js", import.meta.url));
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface AgentWorld {
  fake: FakeGitHub;
  app: AppProcess;
  hooks: WebhookSender;
  /** GITHUB_TOKEN (the agent's own), GHE_HOST/GHE_PROTOCOL, UPGRADE_QUEUE_URL, STATUS_PAGE_TOKEN. */
  agentEnv: Record<string, string>;
  /** The number of the app's PR for `branch`, once it is open and labelled `upgrade:proposed`. */
  proposedPull(branch: string): Promise<number>;
  /** CI reports a green `test` check on `sha`. */
  passChecks(sha: string): Promise<void>;
  /** alice (write access) approves with a review of the head. */
  approve(number: number, login?: string): Promise<void>;
  comment(number: number, login: string, body: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startAgentWorld(): Promise<AgentWorld> {
  const fake = await startFakeGitHub();
  fake.addRepo({ owner: "acme", name: "agent", private: true, files: { "README.md": "# agent\n", "src/planner.ts": "export const plan = [];\n" } });
  fake.setCollaborator(REPO, "alice", "write");
  fake.setCollaborator(REPO, "agent", "write");
  const database: EmptyDatabase = await createEmptyTestDatabase();
  const port = await freePort();
  const app = await startAppProcess(
    contractEnv(fake, { secret: SECRET, databaseUrl: database.url }, {
      STATUS_PAGE_TOKEN: STATUS_TOKEN,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      GITHUB_CLIENT_ID: fake.clientId,
      GITHUB_CLIENT_SECRET: fake.clientSecret,
      SESSION_SECRET: "agent-world-session-secret",
    }),
    // Generous: the machine may be busy (the e2e files give beforeAll 90 s).
    { port, timeoutMs: 80_000 },
  );
  fake.autoDeliver({ url: `${app.url}/api/github/webhooks`, secret: SECRET });
  const hooks = createWebhookSender({ url: `${app.url}/api/github/webhooks`, secret: SECRET });
  const agentEnv = { GITHUB_TOKEN: fake.tokenFor({ login: "agent" }), GHE_HOST: fake.host, GHE_PROTOCOL: "http", UPGRADE_QUEUE_URL: app.url, STATUS_PAGE_TOKEN: STATUS_TOKEN };
  const pullOf = (branch: string) => [...(fake.state.repos.get(REPO)?.pulls.values() ?? [])].find((p) => p.headRef === branch && p.state === "open");
  return {
    fake,
    app,
    hooks,
    agentEnv,
    proposedPull: (branch) =>
      eventually(() => {
        const pull = pullOf(branch);
        return pull && fake.labelsOf(REPO, pull.number).includes("upgrade:proposed") ? pull.number : undefined;
      }, `the app to open the PR of ${branch}`, 30_000),
    passChecks: async (sha) => {
      const run = fake.completeCheckRun({ repo: REPO, sha, name: "test", conclusion: "success" });
      await hooks.send("check_run", fake.payloads.checkRun("completed", REPO, run.id));
    },
    approve: async (number, login = "alice") => {
      await hooks.send("pull_request_review", fake.payloads.review(REPO, number, login, "approved"));
    },
    comment: async (number, login, body) => {
      await hooks.send("issue_comment", fake.payloads.issueComment("created", REPO, number, login, body));
    },
    stop: async () => {
      await app.stop();
      await fake.close();
      await database.drop();
    },
  };
}
