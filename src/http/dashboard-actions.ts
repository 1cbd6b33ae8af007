/**
 * What the status page asks of the approval pipeline. The page never decides anything itself:
 * the lead pipeline implements this with the same `decide()` path a review or a command takes
 * (recorded with `via: dashboard` and mirrored on the PR), and tests use a recording fake.
 */
export interface DashboardActions {
  /** Whether `login` is an approver of this upgrade now, by the rules of CONTRACT §2. */
  canDecide(upgradeId: number, login: string): Promise<boolean>;
  /** Approve or reject on behalf of `login`; re-checks every rule, trusting nothing from the page. */
  decide(input: {
    upgradeId: number;
    login: string;
    decision: "approve" | "reject";
    reason?: string;
    /** The head the page showed when Approve was clicked; an approval is of that commit only. */
    sha?: string;
  }): Promise<ActionResult>;
  /** How many approvals this upgrade needs (guarded upgrades need more). */
  approvalsNeeded(upgradeId: number): Promise<number>;
  /** Whether `login` may roll this applied upgrade back now (admin or maintain). */
  canRollback(upgradeId: number, login: string): Promise<boolean>;
  /** The Rollback button: the same decision as `/rollback`, recorded with `via: dashboard`. */
  rollback(input: { upgradeId: number; login: string }): Promise<ActionResult>;
  /** Whether `login` may freeze and unfreeze this repository (admin or maintain). */
  canFreeze(repository: string, login: string): Promise<boolean>;
  /** The Freeze and Unfreeze buttons (`frozen` true freezes, with an optional reason). */
  setFreeze(input: { repository: string; login: string; frozen: boolean; reason?: string }): Promise<ActionResult>;
}

export type ActionResult = { ok: true } | { ok: false; status: 403 | 404 | 409; message: string };
