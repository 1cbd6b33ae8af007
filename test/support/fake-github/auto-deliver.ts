/**
 * Optional: send the webhooks GitHub would send for changes made *through the API* (the app's
 * own PRs, labels, comments, check runs, merges, ref updates). Payloads are built synchronously
 * when the change happens (a snapshot, as GitHub's are), then delivered one at a time in order,
 * after the API response. Changes made with the fake's helpers are not delivered: tests send
 * those themselves with the payload builders.
 */
import { checkRun, commentPayload, labelPayload, pullRequest, push, status } from "./payloads.js";
import type { State, StateChange } from "./state.js";
import { getPullState, getRepo } from "./state.js";
import type { WebhookSender } from "./webhooks.js";

export interface Delivery {
  event: string;
  action: string | null;
  deliveryId: string | null;
  status: number | null;
  error: string | null;
}

export function payloadFor(state: State, change: StateChange): { event: string; payload: Record<string, unknown> } | null {
  switch (change.kind) {
    case "push":
      return { event: "push", payload: push(state, change.repo, change.branch) };
    case "pull":
      return { event: "pull_request", payload: pullRequest(state, change.repo, change.number, change.action, change.actor) };
    case "label":
      return { event: "pull_request", payload: labelPayload(state, getRepo(state, change.repo), change.number, change.action, change.actor, change.name) };
    case "comment": {
      const repo = getRepo(state, change.repo);
      const comment = getPullState(repo, change.number).comments.find((c) => c.id === change.commentId);
      return comment ? { event: "issue_comment", payload: commentPayload(state, repo, change.number, "created", comment) } : null;
    }
    case "checkRun":
      return { event: "check_run", payload: checkRun(state, change.repo, change.action, change.id) };
    case "status":
      return { event: "status", payload: status(state, change.repo, change.sha, change.context, change.state) };
  }
}

export function startAutoDelivery(state: State, sender: WebhookSender, log: Delivery[]): { settled(): Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  state.onChange = (change) => {
    const built = payloadFor(state, change);
    if (!built) return;
    const entry: Delivery = {
      event: built.event,
      action: typeof built.payload.action === "string" ? built.payload.action : null,
      deliveryId: null,
      status: null,
      error: null,
    };
    log.push(entry);
    chain = chain.then(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        const result = await sender.send(built.event, built.payload);
        entry.deliveryId = result.deliveryId;
        entry.status = result.status;
      } catch (error) {
        entry.error = error instanceof Error ? error.message : String(error);
      }
    });
  };
  return { settled: () => chain };
}
