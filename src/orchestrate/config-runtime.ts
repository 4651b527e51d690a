/**
 * What `import … from "keel"` gives a `keel.config.ts` for pipelines while the config loader
 * runs it: the definition functions and built-in steps, which import no heavy module (steps
 * reach the SDK through `ctx.keel`), so that loading a config stays fast.
 *
 * @example
 * ```ts
 * import { definePipeline, step, promotionStep } from "keel"; // in keel.config.ts, resolved here
 * ```
 *
 * @module
 */
export {
  freshnessStep,
  materializeStep,
  promotionStep,
  rollbackStep,
} from "./builtin-steps.js";
export { definePipeline, step } from "./define-pipeline.js";
