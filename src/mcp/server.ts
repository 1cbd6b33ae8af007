/**
 * `npx upgrade-queue mcp`: the client's three calls as MCP tools over stdio, so an agent that
 * talks to tools through the Model Context Protocol can submit its changes to the gate. The
 * tools' input schemas are the client's own zod schemas; results are JSON text.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { UpgradeQueueClient } from "../client/index.js";
import { isUpgradeQueueError } from "../client/errors.js";
import { ListInput, ProposeInput, StatusInput } from "../client/schemas.js";

type ToolResult = { content: Array<{ type: "text"; text: string }>; isError?: boolean };

async function answer(call: () => Promise<unknown>): Promise<ToolResult> {
  try {
    return { content: [{ type: "text", text: JSON.stringify(await call(), null, 2) }] };
  } catch (error) {
    const body = isUpgradeQueueError(error) ? error.toJSON() : { error: "internal", message: error instanceof Error ? error.message : String(error), details: {} };
    return { content: [{ type: "text", text: JSON.stringify(body, null, 2) }], isError: true };
  }
}

export function createMcpServer(client: UpgradeQueueClient, version: string): McpServer {
  const server = new McpServer({ name: "upgrade-queue", version });
  server.registerTool(
    "propose_upgrade",
    {
      title: "Propose an upgrade",
      description:
        "Submit a change to your own code for human approval: writes one commit with the given files on a new branch <branchPrefix><slug>; the Upgrade Queue app opens the pull request. You can never approve or merge it yourself. Returns { branch, sha }: pass both to upgrade_status to follow the decision. A change over the repository's maxDiffLines is refused before anything is written.",
      inputSchema: ProposeInput,
    },
    (input) => answer(() => client.propose(input)),
  );
  server.registerTool(
    "upgrade_status",
    {
      title: "Status of an upgrade",
      description:
        "The upgrade of a branch as the app sees it (status proposed, approved, rejected, expired, applied, failed or rolled_back; errorMessage holds a rejection's reason), or null when the app has not picked it up yet. Decided when status is applied, rejected, expired, failed or rolled_back.",
      inputSchema: StatusInput,
      annotations: { readOnlyHint: true },
    },
    (input) => answer(() => client.status(input)),
  );
  server.registerTool(
    "list_upgrades",
    {
      title: "List upgrades",
      description: "The queue: pending upgrades first, then the history, optionally filtered by repository, status and branch.",
      inputSchema: ListInput,
      annotations: { readOnlyHint: true },
    },
    (input) => answer(() => client.listUpgrades(input)),
  );
  return server;
}

/** Serves on stdin/stdout until the client closes the connection. */
export async function runMcpServer(client: UpgradeQueueClient, version: string): Promise<void> {
  const server = createMcpServer(client, version);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once("end", () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
