/**
 * Models: the histogram GBDT engine, linear baselines, model bundles and interop.
 *
 * @module
 */
export * from "./gbdt/index.js";
export { classWeights, encodeClassTarget, regressionTarget } from "./target.js";
