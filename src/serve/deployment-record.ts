import type { DeploymentSpec } from "./deployment-spec.js";

/**
 * Where a canary rollout stands: the index of its current step in `canary.steps`, when that
 * step began, and whether it is still running, completed at 100% or rolled back (and why).
 *
 * @example
 * ```ts
 * const state: CanaryState = { stepIndex: 1, stepStartedAt: Date.now(), outcome: "running" };
 * ```
 */
export interface CanaryState {
  readonly stepIndex: number;
  readonly stepStartedAt: number;
  readonly outcome: "running" | "complete" | "rolled_back";
  readonly reason?: string;
}

/**
 * Mutable rollout state of a deployment, shared by every replica through the store.
 *
 * @example
 * ```ts
 * const state: DeploymentState = { canary: { stepIndex: 0, stepStartedAt: 0, outcome: "running" } };
 * ```
 */
export interface DeploymentState {
  readonly canary?: CanaryState;
}

/**
 * A stored deployment: its current spec, rollout state and revision (bumped by every change).
 *
 * @example
 * ```ts
 * const d: Deployment = await store.getDeployment("churn");
 * d.spec.variants.map((v) => v.weight);
 * ```
 */
export interface Deployment {
  readonly name: string;
  readonly spec: DeploymentSpec;
  readonly state: DeploymentState;
  readonly revision: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * What kind of change a deployment event records.
 *
 * @example
 * ```ts
 * const kind: DeploymentEventKind = "promote";
 * ```
 */
export type DeploymentEventKind =
  | "create"
  | "update"
  | "promote"
  | "rollback"
  | "canary_advance"
  | "canary_rollback"
  | "canary_complete";

/**
 * One entry of a deployment's history: the spec before (null for `create`) and after, who
 * and why.
 *
 * @example
 * ```ts
 * const [last] = await store.deploymentEvents("churn");
 * console.log(last.kind, last.reason);
 * ```
 */
export interface DeploymentEvent {
  readonly id: number;
  readonly deployment: string;
  readonly kind: DeploymentEventKind;
  /** The deployment's revision after this event. */
  readonly revision: number;
  readonly fromSpec: DeploymentSpec | null;
  readonly toSpec: DeploymentSpec;
  readonly actor: string;
  readonly reason: string;
  readonly createdAt: number;
}

/**
 * A change to a deployment: a new spec and/or state, recorded as an event of `kind` with a
 * reason. With `expectedRevision`, the change applies only if nobody changed the deployment
 * since that revision (else `KEEL_ERR_CONFLICT`), so two replicas cannot both advance a canary.
 *
 * @example
 * ```ts
 * await store.updateDeployment("churn", { kind: "promote", spec: next, reason: "AUC +2%" });
 * ```
 */
export interface DeploymentChange {
  readonly kind: DeploymentEventKind;
  readonly reason: string;
  readonly actor?: string;
  readonly spec?: DeploymentSpec;
  readonly state?: DeploymentState;
  readonly expectedRevision?: number;
}
