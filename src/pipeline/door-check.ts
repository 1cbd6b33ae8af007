/**
 * What the webhook door asks of the pipeline: does this verified delivery concern no upgrade,
 * as far as the payload and the already cached config tell? Reads nothing, writes nothing.
 */
import { routeDelivery } from "../adapter/route-delivery.js";
import { settlesAtDoor } from "../adapter/settles-at-door.js";
import { defaultRepoConfig } from "../config/repo-config.js";
import type { ConfigCache } from "./config-cache.js";
import type { PipelineDeps } from "./deps.js";

export function createDoorCheck(deps: Pick<PipelineDeps, "botLogin" | "appId" | "configs">): (name: string, payload: unknown) => boolean {
  return (name, payload) => {
    const jobs = routeDelivery(name, payload, deps.botLogin, deps.appId);
    const repository = jobs[0]?.repository;
    return settlesAtDoor(jobs, repository === undefined ? null : knownPrefix(deps.configs, repository));
  };
}

/**
 * The prefix of a fresh cached config; null when none is cached. An invalid cached config
 * counts with the default prefix, as `isRelevant` counts it (the pipeline reports the error on
 * prefixed branches only).
 */
function knownPrefix(configs: ConfigCache, repository: string): string | null {
  const cached = configs.peek(repository);
  if (cached === undefined) return null;
  return cached.ok ? cached.config.branchPrefix : defaultRepoConfig.branchPrefix;
}
