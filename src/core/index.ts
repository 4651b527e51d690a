/**
 * keel's core: the Frame, column kinds, errors and their catalogue, parameter declarations,
 * the estimator contract, state serialisation, the seeded RNG and the logger. No I/O, no
 * dependencies: every other module builds on these.
 *
 * @module
 */
export * from "./column.js";
export * from "./error-codes.js";
export * from "./errors.js";
export * from "./estimator.js";
export * from "./frame.js";
export * from "./logger.js";
export * from "./params.js";
export * from "./rng.js";
export * from "./state-codec.js";
export * from "./summation.js";
export * from "./wait-for-helpers.js";
export * from "./well-formed-text.js";
