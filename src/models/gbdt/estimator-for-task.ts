import type { Estimator, FittedModel, Task } from "../../core/index.js";
import { GbdtClassifier, GbdtRegressor } from "./gbdt-estimator.js";

/**
 * The GBDT estimator `keel train` and `keel tune` fit for a task: a regressor, or a classifier
 * told which class is positive.
 *
 * @example
 * ```ts
 * const estimator = gbdtEstimator("binary", { maxDepth: 4, seed: 0 }, "Yes");
 * ```
 */
export function gbdtEstimator(
  task: Task,
  params: Record<string, unknown>,
  positive: string | undefined,
): Estimator<FittedModel> {
  if (task === "regression") return new GbdtRegressor(params);
  return new GbdtClassifier({
    ...params,
    ...(positive === undefined ? {} : { positiveClass: positive }),
  });
}
