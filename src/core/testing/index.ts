/**
 * Test kit of the core module: transpiling src/ modules for tests that run them in a child
 * process.
 *
 * @example
 * ```ts
 * import { modulesReachableFrom, transpileModules } from "../core/testing/index.js";
 * transpileModules(jsDir, modulesReachableFrom("track"));
 * ```
 *
 * @module
 */
export { modulesReachableFrom, transpileModules } from "./transpile-modules.js";
