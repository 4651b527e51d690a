import type { StateLoaders } from "../core/index.js";
import { loadFittedGbdt } from "./gbdt/gbdt-model.js";
import { loadLinearRegression } from "./linear/linear-regression.js";
import { loadLogisticRegression } from "./linear/logistic-regression.js";

/**
 * State loaders for every fitted model type this module defines, by `type`. Combine with the
 * transform module's loaders to load a pipeline that ends in a model.
 *
 * @example
 * ```ts
 * const fitted = loadFitted(state, { ...transformLoaders, ...modelLoaders });
 * ```
 */
export const modelLoaders: StateLoaders = {
  GbdtClassifier: loadFittedGbdt,
  GbdtRegressor: loadFittedGbdt,
  LinearRegression: loadLinearRegression,
  LogisticRegression: loadLogisticRegression,
};
