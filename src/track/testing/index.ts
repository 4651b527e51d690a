/**
 * Test kit of the track module: transpiling sources for child-process tests.
 *
 * @example
 * ```ts
 * import { transpileTrack } from "../track/testing/index.js";
 * ```
 *
 * @module
 */
export { transpileTrack } from "./transpile-track.js";
