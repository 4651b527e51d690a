import type { StateLoaders } from "../core/index.js";
import { loadColumnTransformer } from "./column-transformer.js";
import { loadPipeline } from "./fitted-pipeline.js";
import { loadOneHotEncoder } from "./one-hot-encoder.js";
import { loadSimpleImputer } from "./simple-imputer.js";
import { loadStandardScaler } from "./standard-scaler.js";

/**
 * The loaders of every fitted type this module defines, by `type`. Merge with other modules'
 * maps to load a pipeline that ends in a model.
 *
 * @example
 * ```ts
 * const fitted = loadFitted(state, { ...transformLoaders, ...modelLoaders });
 * ```
 */
export const transformLoaders: StateLoaders = {
  ColumnTransformer: loadColumnTransformer,
  OneHotEncoder: loadOneHotEncoder,
  Pipeline: loadPipeline,
  SimpleImputer: loadSimpleImputer,
  StandardScaler: loadStandardScaler,
};
