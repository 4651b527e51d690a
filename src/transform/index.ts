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
  DATETIME_FIELDS,
  DatetimeFeatures,
  type DatetimeFeaturesParams,
  type DatetimeField,
  datetimeFeaturesParams,
  FittedDatetimeFeatures,
  loadDatetimeFeatures,
} from "./datetime-features.js";
export {
  DeriveColumns,
  type DeriveColumnsParams,
  deriveColumnsParams,
  FittedDeriveColumns,
  loadDeriveColumns,
} from "./derive-columns.js";
export {
  ESTIMATOR_CHECK_NAMES,
  type EstimatorCheckOptions,
  estimatorChecks,
  type MissingPolicy,
} from "./estimator-checks.js";
export { EXPRESSION_FUNCTIONS } from "./expression/compile.js";
export { type ExpressionNode, parseExpression } from "./expression/parser.js";
export { FittedPipeline, loadPipeline } from "./fitted-pipeline.js";
export { finiteOrNaN, nonFiniteError, requireRows } from "./input.js";
export {
  FittedKBinsDiscretizer,
  KBinsDiscretizer,
  type KBinsDiscretizerParams,
  kbinsDiscretizerParams,
  loadKBinsDiscretizer,
} from "./kbins-discretizer.js";
export { linearPreprocessing } from "./linear-preprocessing.js";
export { transformLoaders } from "./loaders.js";
export {
  FittedMinMaxScaler,
  loadMinMaxScaler,
  MinMaxScaler,
  type MinMaxScalerParams,
  minMaxScalerParams,
} from "./min-max-scaler.js";
export {
  FittedOneHotEncoder,
  loadOneHotEncoder,
  OneHotEncoder,
  type OneHotEncoderParams,
  oneHotEncoderParams,
} from "./one-hot-encoder.js";
export {
  FittedOrdinalEncoder,
  loadOrdinalEncoder,
  OrdinalEncoder,
  type OrdinalEncoderParams,
  ordinalEncoderParams,
} from "./ordinal-encoder.js";
export { Pipeline, type PipelineStep } from "./pipeline.js";
export {
  FittedRobustScaler,
  loadRobustScaler,
  RobustScaler,
  type RobustScalerParams,
  robustScalerParams,
} from "./robust-scaler.js";
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
export {
  FittedTargetEncoder,
  loadTargetEncoder,
  TargetEncoder,
  type TargetEncoderParams,
  targetEncoderParams,
} from "./target-encoder.js";
