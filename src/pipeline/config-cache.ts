/**
 * Repository configs, read from the default branch and kept for a few minutes: nearly every
 * delivery needs the branch prefix, and re-reading the file for each would spend the
 * installation's rate limit on deliveries that turn out to be irrelevant. A push to the default
 * branch drops the entry, so a changed config applies at once on the replica that saw the push
 * and within the TTL on the others.
 */
import { type ConfigResult, parseRepoConfig } from "../config/repo-config.js";
import type { GitHubPort, RepoRef } from "../github/port.js";

export interface ConfigCache {
  /** `port` may be a factory: building an installation client is skipped on a cache hit. */
  get(repository: string, port: GitHubPort | (() => Promise<GitHubPort>), repo: RepoRef): Promise<ConfigResult>;
  /**
   * The cached result when it is still fresh, without reading anything: what the webhook door
   * settles deliveries with. `undefined` when the repository's config is not cached.
   */
  peek(repository: string): ConfigResult | undefined;
  invalidate(repository: string): void;
}

export function createConfigCache(options: { ttlMs: number; now: () => number; maxEntries?: number }): ConfigCache {
  const entries = new Map<string, { result: ConfigResult; at: number }>();
  const inflight = new Map<string, Promise<ConfigResult>>();
  const max = options.maxEntries ?? 10_000;
  return {
    async get(repository, port, repo) {
      const hit = entries.get(repository);
      if (hit && options.now() - hit.at < options.ttlMs) return hit.result;
      const pending = inflight.get(repository);
      if (pending) return pending;
      const load = (typeof port === "function" ? port() : Promise.resolve(port))
        .then((client) => client.readConfig(repo))
        .then((text) => {
          const result = parseRepoConfig(text);
          if (entries.size >= max) entries.delete(entries.keys().next().value as string);
          entries.set(repository, { result, at: options.now() });
          return result;
        })
        .finally(() => inflight.delete(repository));
      inflight.set(repository, load);
      return load;
    },
    peek(repository) {
      const hit = entries.get(repository);
      return hit && options.now() - hit.at < options.ttlMs ? hit.result : undefined;
    },
    invalidate(repository) {
      entries.delete(repository);
    },
  };
}
