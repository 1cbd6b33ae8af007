/** Prints the JSON Schema of `.github/upgrade-queue.yml`, for editors and validators. */
import { repoConfigJsonSchema } from "../src/config/repo-config.js";

process.stdout.write(`${JSON.stringify(repoConfigJsonSchema(), null, 2)}\n`);
