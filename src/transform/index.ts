/**
 * keel's feature engineering: fit/transform estimators with scikit-learn's names and
 * semantics (imputers, scalers, encoders, ColumnTransformer, Pipeline), whose fitted state is
 * plain JSON and whose single-record path (`transformRecord`) gives exactly the numbers the
 * batch path gives, so training and serving cannot drift apart.
 *
 * @module
 */
export {
  type FitTransformResult,
  hasFitTransform,
  TransformerEstimator,
} from "./base.js";
export {
  type ColumnStep,
  ColumnTransformer,
  type ColumnTransformerEntry,
  type ColumnTransformerOptions,
  FittedColumnTransformer,
  loadColumnTransformer,
} from "./column-transformer.js";
export {
  ESTIMATOR_CHECK_NAMES,
  type EstimatorCheckOptions,
  estimatorChecks,
  type MissingPolicy,
} from "./estimator-checks.js";
export { FittedPipeline, loadPipeline } from "./fitted-pipeline.js";
export { transformLoaders } from "./loaders.js";
export {
  FittedOneHotEncoder,
  loadOneHotEncoder,
  OneHotEncoder,
  type OneHotEncoderParams,
  oneHotEncoderParams,
} from "./one-hot-encoder.js";
export { Pipeline, type PipelineStep } from "./pipeline.js";
export {
  type ColumnSelector,
  type ColumnSpecifier,
  isColumnSelector,
  type SelectOptions,
  selectCategorical,
  selectColumns,
  selectNumeric,
  selectPattern,
} from "./selectors.js";
export {
  FittedSimpleImputer,
  loadSimpleImputer,
  SimpleImputer,
  type SimpleImputerParams,
  simpleImputerParams,
} from "./simple-imputer.js";
export {
  FittedStandardScaler,
  loadStandardScaler,
  StandardScaler,
  type StandardScalerParams,
  standardScalerParams,
} from "./standard-scaler.js";
export {
  isFittedModel,
  isFittedTransformer,
  loadFitted,
  stateFromValue,
  stateToValue,
} from "./state.js";
