/**
 * Test kit of the orchestrate module: the pipeline state conformance suite.
 *
 * @example
 * ```ts
 * import { pipelineStoreSuite } from "../orchestrate/testing/index.js";
 * ```
 *
 * @module
 */
export { pipelineStoreSuite } from "./pipeline-store-suite.js";
