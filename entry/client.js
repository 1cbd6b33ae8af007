// `import ... from "upgrade-queue/client"`: the TypeScript client, loaded through tsx for this
// import only (no build step; see docs/agents.md). Types come from src/client/index.ts
// (package.json `exports` condition "types"); test/client/entry.test.ts keeps both lists equal.
import { tsImport } from "tsx/esm/api";

const client = await tsImport("../src/client/index.ts", import.meta.url);

export const {
  createUpgradeQueueClient,
  propose,
  status,
  listUpgrades,
  waitForDecision,
  isDecided,
  commitMessage,
  UpgradeQueueError,
  isUpgradeQueueError,
  ProposeInput,
  StatusInput,
  ListInput,
} = client;
