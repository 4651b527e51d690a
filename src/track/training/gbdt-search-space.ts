import { gbdtParams } from "../../models/index.js";
import { defaultSearchSpace, type SearchSpace } from "../../tune/index.js";

/**
 * `keel tune`'s default GBDT search space: the parameters' declared search hints, with
 * `numLeaves` only where it binds. The space does not search `growPolicy`, so trees grow
 * depthwise (the default) and `maxDepth` already sets their size; sampling a leaf cap as well
 * would spend trials on a second, mostly inert, knob for the same thing (a cap of 128 leaves
 * never binds on a tree of depth 6). Under 'lossguide' the leaf cap is what sizes a tree, and
 * it stays.
 *
 * @example
 * ```ts
 * gbdtSearchSpace(); // { nEstimators, learningRate, maxDepth, minChildWeight, lambda, subsample, colsampleBytree }
 * gbdtSearchSpace("lossguide").numLeaves; // { kind: "int", low: 8, high: 256, log: true, … }
 * ```
 */
export function gbdtSearchSpace(
  growPolicy: "depthwise" | "lossguide" = gbdtParams.specs.growPolicy.default,
): SearchSpace {
  const space = { ...defaultSearchSpace(gbdtParams) };
  if (growPolicy === "depthwise") delete space.numLeaves;
  else space.growPolicy = { fixed: growPolicy };
  return space;
}
