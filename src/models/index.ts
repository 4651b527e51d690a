/**
 * Models: the histogram GBDT engine, linear baselines, model bundles and interop.
 *
 * @module
 */

export * from "./bundle/index.js";
export * from "./gbdt/index.js";
export * from "./interop/index.js";
export * from "./linear/index.js";
export { modelLoaders } from "./loaders.js";
export { predictBatch } from "./predict-batch.js";
export {
  checkSampleWeight,
  classWeights,
  encodeClassTarget,
  encodeKnownClasses,
  regressionTarget,
} from "./target.js";
