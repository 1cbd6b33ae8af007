#!/usr/bin/env node
// `npx upgrade-queue`: the package has no build step, so this shim loads the TypeScript entry
// through tsx (a dependency). tsImport registers tsx for this import only: the agent's own
// loaders and hooks are left alone.
import { tsImport } from "tsx/esm/api";

const { main } = await tsImport("../src/cli/upgrade-queue.ts", import.meta.url);
await main();
