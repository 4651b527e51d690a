/**
 * Serving: deployments of registered models behind HTTP, with sticky A/B assignment, shadows,
 * canaries, hot swaps and a prediction log. Library code only; the routes live in src/server.
 *
 * @module
 */
export { type LoadedModelRef, loadModelRef, openModelBundle } from "./open-model-bundle.js";
