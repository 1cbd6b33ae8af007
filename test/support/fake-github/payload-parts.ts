/**
 * Pieces every webhook payload shares, and the real example payloads from
 * `@octokit/webhooks-examples` used as templates (their fields are overwritten from our state).
 */
import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { repoJson, userJson } from "./serialize.js";
import type { Repo, State } from "./state.js";

const require = createRequire(import.meta.url);
const definitions = require("@octokit/webhooks-examples") as WebhookDefinition[];

/** A deep copy of a real example payload of `event` (with `action` when given). */
export function template(event: string, action?: string): Record<string, unknown> {
  const examples = definitions.find((d) => d.name === event)?.examples ?? [];
  const example = (examples as Array<Record<string, unknown>>).find((e) => action === undefined || e.action === action) ?? examples[0];
  if (!example) throw new Error(`fake-github: no example payload for ${event}.${action ?? ""}`);
  return structuredClone(example) as Record<string, unknown>;
}

/** Keys of the template's repository that are not URLs pointing at the example's repository. */
function templateRepoExtras(tpl: Record<string, unknown>): Record<string, unknown> {
  const repo = (tpl.repository ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(repo).filter(([key, value]) => !key.endsWith("_url") && typeof value !== "object"));
}

export function webhookRepo(state: State, repo: Repo, tpl: Record<string, unknown>) {
  return { ...templateRepoExtras(tpl), ...repoJson(state, repo), forks_count: 0, stargazers_count: 0, watchers_count: 0 };
}

/** Push payloads use the older repository shape: unix timestamps, owner with name/email. */
export function pushRepo(state: State, repo: Repo, tpl: Record<string, unknown>) {
  const base = webhookRepo(state, repo, tpl);
  const owner = userJson(state, repo.owner);
  return {
    ...base,
    owner: { name: owner.login, email: `${owner.id}+${owner.login}@users.noreply.github.com`, ...owner },
    created_at: Math.floor(Date.parse(repo.createdAt) / 1000),
    pushed_at: Math.floor(Date.parse(repo.pushedAt) / 1000),
    master_branch: repo.defaultBranch,
    stargazers: 0,
  };
}

export function installationRef(repo: Repo) {
  return { id: repo.installationId, node_id: `MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u${repo.installationId}` };
}

/** `action`, then the event's own fields, then repository/sender/installation: GitHub's order. */
export function envelope(
  state: State,
  repo: Repo,
  tpl: Record<string, unknown>,
  sender: string,
  fields: Record<string, unknown>,
  repository: unknown = webhookRepo(state, repo, tpl),
): Record<string, unknown> {
  const kept = Object.fromEntries(Object.entries(tpl).filter(([key]) => !["repository", "sender", "installation", "organization", "enterprise"].includes(key)));
  return { ...kept, ...fields, repository, sender: userJson(state, sender), installation: installationRef(repo) };
}
