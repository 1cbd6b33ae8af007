/**
 * The status page's Approve and Reject buttons, implemented with the same path a review or a
 * command takes: the permission is looked up again on every call, and the decision goes through
 * decide() with `via: dashboard`.
 */
import { canFreeze, freezeReason } from "../domain/freeze.js";
import { approvalsNeeded, canRollback, checkApprover } from "../domain/permissions.js";
import { splitRepository } from "../github/port.js";
import type { DashboardActions } from "../http/dashboard-actions.js";
import type { Actor } from "../domain/types.js";
import type { UpgradeRecord } from "../store/upgrade-record.js";
import { applyInput } from "./apply-input.js";
import { afterFreezeChange, setFreeze } from "./freeze.js";
import type { PipelineDeps } from "./deps.js";

export function createDashboardActions(deps: PipelineDeps): DashboardActions {
  async function load(upgradeId: number) {
    const record = await deps.store.byId(upgradeId);
    if (!record) return null;
    const repo = splitRepository(record.repository);
    const port = await deps.github(record.installationId);
    const config = await deps.configs.get(record.repository, port, repo);
    return { record, repo, port, config };
  }

  async function actorOf(loaded: NonNullable<Awaited<ReturnType<typeof load>>>, login: string): Promise<Actor> {
    const excluded = loaded.record.state.nonApprovers.some((l) => l.toLowerCase() === login.toLowerCase());
    return { login, isBot: login.endsWith("[bot]"), permission: excluded ? null : await loaded.port.getPermission(loaded.repo, login) };
  }

  /** Freezing and rolling back need admin or maintain: the permission is looked up every time. */
  async function maintainerActor(port: Awaited<ReturnType<PipelineDeps["github"]>>, repo: ReturnType<typeof splitRepository>, login: string): Promise<Actor> {
    return { login, isBot: login.endsWith("[bot]"), permission: await port.getPermission(repo, login) };
  }

  async function repositoryPort(repository: string) {
    const installationId = await deps.store.installationOf(repository);
    if (installationId === null) return null;
    return { installationId, repo: splitRepository(repository), port: await deps.github(installationId) };
  }

  const pending = (record: UpgradeRecord) => ["proposed", "approved", "failed"].includes(record.state.status);

  return {
    async canDecide(upgradeId, login) {
      const loaded = await load(upgradeId);
      if (!loaded || !loaded.config.ok || !pending(loaded.record)) return false;
      return checkApprover(await actorOf(loaded, login), loaded.record.state, loaded.config.config).ok;
    },

    async decide({ upgradeId, login, decision, reason, sha }) {
      const loaded = await load(upgradeId);
      if (!loaded) return { ok: false, status: 404, message: "No such upgrade." };
      if (!loaded.config.ok) return { ok: false, status: 409, message: loaded.config.error };
      const actor = await actorOf(loaded, login);
      const check = checkApprover(actor, loaded.record.state, loaded.config.config);
      if (!check.ok) return { ok: false, status: 403, message: check.reason };
      if (!pending(loaded.record)) return { ok: false, status: 409, message: `The upgrade is ${loaded.record.state.status}.` };
      const head = loaded.record.state.headSha;
      const input =
        decision === "approve"
          ? { kind: "approve" as const, actor, sha: sha ?? head, via: "dashboard" as const }
          : { kind: "reject" as const, actor, reason: reason?.trim() ? reason.trim() : null, via: "dashboard" as const };
      await applyInput(deps, upgradeId, input, { deliveryId: null });
      // Recorded as stale (and said on the PR); the person is told why nothing was approved.
      if (input.kind === "approve" && input.sha !== head) {
        return { ok: false, status: 409, message: `New commits were pushed since the page was loaded: the head is now ${head.slice(0, 7)}, not ${input.sha.slice(0, 7)}. Review the new head and approve again.` };
      }
      return { ok: true };
    },

    async canRollback(upgradeId, login) {
      const loaded = await load(upgradeId);
      if (!loaded || loaded.record.state.status !== "applied" || loaded.record.state.revertPullNumber !== null) return false;
      return canRollback(await maintainerActor(loaded.port, loaded.repo, login)).ok;
    },

    async rollback({ upgradeId, login }) {
      const loaded = await load(upgradeId);
      if (!loaded) return { ok: false, status: 404, message: "No such upgrade." };
      if (!loaded.config.ok) return { ok: false, status: 409, message: loaded.config.error };
      const actor = await maintainerActor(loaded.port, loaded.repo, login);
      const check = canRollback(actor);
      if (!check.ok) return { ok: false, status: 403, message: check.reason };
      if (loaded.record.state.status !== "applied") return { ok: false, status: 409, message: `The upgrade is ${loaded.record.state.status}; only an applied upgrade can be rolled back.` };
      await applyInput(deps, upgradeId, { kind: "command", command: "rollback", actor, via: "dashboard" }, { deliveryId: null });
      return { ok: true };
    },

    async canFreeze(repository, login) {
      const found = await repositoryPort(repository);
      return found ? canFreeze(await maintainerActor(found.port, found.repo, login), "freeze").ok : false;
    },

    async setFreeze({ repository, login, frozen, reason }) {
      const found = await repositoryPort(repository);
      if (!found) return { ok: false, status: 404, message: "No upgrades of this repository are known." };
      const check = canFreeze(await maintainerActor(found.port, found.repo, login), frozen ? "freeze" : "unfreeze");
      if (!check.ok) return { ok: false, status: 403, message: check.reason };
      const change = { repository, installationId: found.installationId, frozen, actor: login, reason: frozen ? freezeReason(reason) : null, via: "dashboard" as const, deliveryId: null };
      if (!(await setFreeze(deps, change))) return { ok: false, status: 409, message: frozen ? "The repository is already frozen." : "The repository is not frozen." };
      await afterFreezeChange(deps, repository, "dashboard", null);
      return { ok: true };
    },

    async approvalsNeeded(upgradeId) {
      const record = await deps.store.byId(upgradeId);
      if (!record) return 1;
      const loaded = await load(upgradeId);
      return loaded?.config.ok ? approvalsNeeded(record.state, loaded.config.config) : 1;
    },
  };
}
