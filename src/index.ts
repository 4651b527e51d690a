/**
 * keel: end-to-end machine learning for TypeScript. This is the public SDK; each module's
 * surface is re-exported here.
 *
 * @example
 * ```ts
 * import { Frame, numericColumn } from "keel";
 * const frame = Frame.fromColumns({ x: numericColumn([1, 2, 3]) });
 * ```
 *
 * @module
 */
export * from "./config/index.js";
export * from "./core/index.js";
export * from "./data/index.js";
export * from "./evaluate/index.js";
export * from "./features/index.js";
export * from "./models/index.js";
export * from "./monitor/index.js";
export * from "./orchestrate/index.js";
export * from "./serve/index.js";
export * from "./store/index.js";
export * from "./track/index.js";
export * from "./transform/index.js";
export * from "./tune/index.js";
