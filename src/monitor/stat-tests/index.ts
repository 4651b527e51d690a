/**
 * Stat tests for drift: pure functions over numbers or category counts.
 *
 * @module
 */
export * from "./binning.js";
export * from "./distance-tests.js";
export * from "./hypothesis-tests.js";
export { kolmogorovSf, ksAsymptoticPValue, smirnovSf } from "./kolmogorov.js";
export { KS_EXACT_MAX_N, ksPValue, ksStatisticSorted } from "./ks-two-sample.js";
export * from "./registry.js";
export { chiSquareSurvival, erfc, normalCdf } from "./special-functions.js";
export * from "./types.js";
