/** Label and comment state shared by the REST routes and the payload builders. */
import type { Comment, Label, Pull, Repo, State } from "./state.js";
import { ensureUser, nextId, now } from "./state.js";

/** GitHub creates a missing label (grey) when it is added to an issue. */
export function ensureLabel(state: State, repo: Repo, name: string, color = "ededed", description: string | null = null): Label {
  const existing = repo.labels.get(name.toLowerCase());
  if (existing) return existing;
  const label: Label = { id: nextId(state), name, color, description };
  repo.labels.set(name.toLowerCase(), label);
  return label;
}

/** Adds labels by `actor`, recording an issue event for each one that was not there. */
export function addLabels(state: State, repo: Repo, pull: Pull, names: string[], actor: string): void {
  const at = now(state);
  for (const name of names) {
    const label = ensureLabel(state, repo, name);
    if (pull.labels.some((l) => l.toLowerCase() === label.name.toLowerCase())) continue;
    pull.labels.push(label.name);
    pull.labelEvents.push({ id: nextId(state), event: "labeled", label: label.name, actor, createdAt: at });
  }
  pull.updatedAt = at;
}

export function removeLabel(state: State, pull: Pull, name: string, actor: string): boolean {
  const index = pull.labels.findIndex((l) => l.toLowerCase() === name.toLowerCase());
  if (index < 0) return false;
  const [removed] = pull.labels.splice(index, 1);
  pull.updatedAt = now(state);
  pull.labelEvents.push({ id: nextId(state), event: "unlabeled", label: removed as string, actor, createdAt: pull.updatedAt });
  return true;
}

export function addComment(state: State, pull: Pull, login: string, body: string): Comment {
  ensureUser(state, login);
  const at = now(state);
  const comment: Comment = { id: nextId(state), body, user: login, createdAt: at, updatedAt: at };
  pull.comments.push(comment);
  pull.updatedAt = at;
  return comment;
}
