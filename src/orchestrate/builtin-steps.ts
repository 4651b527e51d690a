import { KeelError } from "../core/index.js";
import { type StepDefinition, step } from "./define-pipeline.js";
import type { FreshnessStepOptions, MaterializeStepOptions } from "./feature-steps.js";
import type { PromotionPolicy, RollbackPolicy } from "./promote.js";

/**
 * The promotion policy as a step: compare the challenger with `@champion` on the same holdout
 * and move the alias only if every gate passes and the improvement exceeds the threshold
 * (relative by default; see {@link PromotionPolicy}).
 *
 * @example
 * ```ts
 * promote: promotionStep({ after: ["train"], model: "churn", holdout: "data/holdout.csv", minImprovement: 0.01 }),
 * // the holdout file an upstream step wrote and named in its output `holdout`:
 * promote: promotionStep({ after: ["split", "train"], model: "churn", holdout: { fromStep: "split" } }),
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
    // A holdout file is an input (its hash is in the cache key); an upstream step's output is
    // in the key as that step's outputs.
    ...(typeof policy.holdout === "string" ? { inputs: [policy.holdout] } : {}),
    // The policy is part of the step's code version, so a changed threshold is not cached; a
    // holdout function by its source text.
    version: JSON.stringify({
      ...policy,
      holdout: typeof policy.holdout === "function" ? policy.holdout.toString() : policy.holdout,
    }),
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

/**
 * The feature materialisation step: each online view from its watermark up to now into the
 * online store (`keel features materialize-incremental` as a step). Never cached: each run
 * has new data to copy. It uses the pipeline's feature store (`defineConfig`'s settings) unless given its own.
 *
 * @example
 * ```ts
 * definePipeline({ name: "features-daily", schedule: "0 2 * * *", steps: {
 *   materialize: materializeStep({ chunk: "1d" }),
 *   freshness: freshnessStep({ after: ["materialize"], sinks: [{ type: "webhook", url }] }),
 * } });
 * ```
 */
export function materializeStep(
  options: MaterializeStepOptions & Pick<StepDefinition, "after" | "retries" | "timeoutMs"> = {},
): StepDefinition {
  const { after, retries, timeoutMs, ...materialize } = options;
  return step({
    ...(after === undefined ? {} : { after }),
    ...(retries === undefined ? {} : { retries }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    cache: false,
    run: (ctx) => ctx.keel.orchestrate.materializeFeatures(ctx, materialize),
  });
}

/**
 * The feature freshness step: alerts (through the sinks, default the step log) for every online
 * view whose newest data is older than its freshness target (`freshness`, else the TTL) or
 * that has none. Never cached. A `pipeline` sink is refused here (a step cannot start another
 * pipeline); `keel features freshness` takes one.
 *
 * @example
 * ```ts
 * freshness: freshnessStep({ after: ["materialize"], sinks: [{ type: "webhook", url: "https://hooks.example/keel" }] }),
 * ```
 */
export function freshnessStep(
  options: FreshnessStepOptions & Pick<StepDefinition, "after" | "retries"> = {},
): StepDefinition {
  const { after, retries, ...check } = options;
  const pipelineSink = (check.sinks ?? []).find((s) => s.type === "pipeline");
  if (pipelineSink !== undefined)
    throw new KeelError(
      "KEEL_ERR_PIPELINE_DEFINITION",
      `freshnessStep: a step cannot start pipeline '${pipelineSink.pipeline}' as an alert sink; use a log, file or webhook sink, or freshnessAlerts in defineConfig with keel features freshness`,
      { details: { sink: pipelineSink } },
    );
  return step({
    ...(after === undefined ? {} : { after }),
    ...(retries === undefined ? {} : { retries }),
    cache: false,
    run: (ctx) => ctx.keel.orchestrate.checkFeatureFreshness(ctx, check),
  });
}
