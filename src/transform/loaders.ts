import type { StateLoaders } from "../core/index.js";
import { loadColumnTransformer } from "./column-transformer.js";
import { loadDatetimeFeatures } from "./datetime-features.js";
import { loadDeriveColumns } from "./derive-columns.js";
import { loadPipeline } from "./fitted-pipeline.js";
import { loadKBinsDiscretizer } from "./kbins-discretizer.js";
import { loadMinMaxScaler } from "./min-max-scaler.js";
import { loadOneHotEncoder } from "./one-hot-encoder.js";
import { loadOrdinalEncoder } from "./ordinal-encoder.js";
import { loadRobustScaler } from "./robust-scaler.js";
import { loadSimpleImputer } from "./simple-imputer.js";
import { loadStandardScaler } from "./standard-scaler.js";
import { loadTargetEncoder } from "./target-encoder.js";

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
  DatetimeFeatures: loadDatetimeFeatures,
  DeriveColumns: loadDeriveColumns,
  KBinsDiscretizer: loadKBinsDiscretizer,
  MinMaxScaler: loadMinMaxScaler,
  OneHotEncoder: loadOneHotEncoder,
  OrdinalEncoder: loadOrdinalEncoder,
  Pipeline: loadPipeline,
  RobustScaler: loadRobustScaler,
  SimpleImputer: loadSimpleImputer,
  StandardScaler: loadStandardScaler,
  TargetEncoder: loadTargetEncoder,
};
