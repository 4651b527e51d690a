import { type StepDefinition, step } from "./define-pipeline.js";
import type { PromotionPolicy, RollbackPolicy } from "./promote.js";

/**
 * The promotion policy as a step: compare the challenger with `@champion` on the same holdout
 * and move the alias only if every gate passes and the improvement exceeds the threshold
 * (relative by default; see {@link PromotionPolicy}).
 *
 * @example
 * ```ts
 * promote: promotionStep({ after: ["train"], model: "churn", holdout: "data/holdout.csv", minImprovement: 0.01 }),
 * ```
 */
export function promotionStep(
  options: PromotionPolicy & Pick<StepDefinition, "after" | "retries" | "timeoutMs">,
): StepDefinition {
  const { after, retries, timeoutMs, ...policy } = options;
  return step({
    ...(after === undefined ? {} : { after }),
    ...(retries === undefined ? {} : { retries }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    inputs: [policy.holdout],
    // The policy is part of the step's code version, so a changed threshold is not cached.
    version: JSON.stringify(policy),
    run: (ctx) => ctx.keel.orchestrate.promoteChallenger(ctx, policy),
  });
}

/**
 * The rollback step: move `@champion` back to its previous version when `degraded` (default:
 * the run's `reason` param, set by a monitoring trigger) gives a reason. Never cached.
 *
 * @example
 * ```ts
 * rollback: rollbackStep({ model: "churn" }),
 * ```
 */
export function rollbackStep(
  options: RollbackPolicy & Pick<StepDefinition, "after" | "retries">,
): StepDefinition {
  const { after, retries, ...policy } = options;
  return step({
    ...(after === undefined ? {} : { after }),
    ...(retries === undefined ? {} : { retries }),
    cache: false,
    run: (ctx) => ctx.keel.orchestrate.rollbackChampion(ctx, policy),
  });
}
