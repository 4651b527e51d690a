/**
 * Model bundles: one directory holding the fitted preprocessing, the model, its metrics and
 * lineage, which serving loads as is.
 *
 * @module
 */
export { type BundleReadOptions, readBundleData } from "./bundle-data.js";
export {
  BUNDLE_BUFFERS,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_JSON,
  type BundleManifest,
  type InputSignature,
  type Lineage,
} from "./bundle-format.js";
export { bundleRecipe } from "./bundle-recipe.js";
export {
  type BundlePredictOptions,
  loadModel,
  ModelBundle,
  type ModelBundleParts,
  type RecordPredictOptions,
  type RecordsPredictOptions,
  saveModel,
} from "./model-bundle.js";
export {
  conformRecord,
  conformRecords,
  type FieldPaths,
  fieldPath,
  type RecordIssue,
  type RecordSource,
  recordIssuesError,
} from "./record-check.js";
