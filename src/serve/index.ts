/**
 * Serving: deployments (weighted variants, sticky assignment, shadows, canary rollouts),
 * the prediction log and feedback in the metadata store, A/B analysis, and alias watching
 * for hot swaps. HTTP routes live in `src/server/serve/`; this module is the library they call.
 *
 * @example
 * ```ts
 * import { assignVariant, parseDeploymentSpec } from "keel";
 * const spec = parseDeploymentSpec(JSON.parse(text), "deploy.json");
 * const variant = assignVariant(spec.variants, "customer-42");
 * ```
 *
 * @module
 */
export {
  type CanaryGuardrails,
  type CanarySpec,
  type DeploymentSpec,
  parseDeploymentSpec,
  type ShadowSpec,
  type VariantSpec,
} from "./deployment-spec.js";
export { assignVariant } from "./sticky-assignment.js";
export { type LoadedModelRef, loadModelRef, openModelBundle } from "./open-model-bundle.js";
