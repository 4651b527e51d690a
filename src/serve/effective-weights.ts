import { CanaryController } from "./canary.js";
import type { Deployment } from "./deployment-record.js";
import type { VariantSpec } from "./deployment-spec.js";

/**
 * The weights traffic follows right now: the spec's, or — while a canary section is present —
 * the canary's share at its current step (its first step before any state was stored) with
 * the rest split among the other variants in proportion to their weights. Routing and the
 * sample-ratio test both read this.
 *
 * @example
 * ```ts
 * assignVariant(effectiveVariants(await store.getDeployment("churn")), customerId);
 * ```
 */
export function effectiveVariants(deployment: Pick<Deployment, "spec" | "state">): VariantSpec[] {
  const { spec, state } = deployment;
  if (spec.canary === undefined) return [...spec.variants];
  return new CanaryController(spec, {
    state: state.canary ?? { stepIndex: 0, stepStartedAt: 0, outcome: "running" },
  }).weights();
}
