/**
 * The histogram gradient-boosted tree engine, structured like LightGBM: bin once, objectives
 * supply gradients, trees grow on histograms with subtraction.
 *
 * @module
 */
export { predictMargins as predictEnsembleMargins, type TreeEnsemble } from "./ensemble.js";
export { gbdtEstimator } from "./estimator-for-task.js";
export type { FeatureSpec } from "./feature-input.js";
export { GbdtClassifier, type GbdtParamsInput, GbdtRegressor } from "./gbdt-estimator.js";
export {
  type BatchPredictions,
  FittedGbdt,
  type GbdtModelParts,
  loadFittedGbdt,
  type PredictOptions,
} from "./gbdt-model.js";
export type { ObjectiveName } from "./objectives.js";
export { type GbdtParams, gbdtParams } from "./params.js";
