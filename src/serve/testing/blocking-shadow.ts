import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The `lineage.trainedOn` that makes {@link BLOCKING_SHADOW_WORKER} block when it scores with
 * the bundle.
 *
 * @example
 * ```ts
 * await saveModel(dir, { ...parts, lineage: { ...bundle.lineage, trainedOn: BLOCKING_SHADOW } });
 * ```
 */
export const BLOCKING_SHADOW = "a shadow whose scoring blocks (keel's isolation tests)";

/**
 * The path of the test shadow thread module (blocking-shadow-worker.ts), for
 * `ShadowScorerOptions.workerModule`.
 *
 * @example
 * ```ts
 * const shadows = new ShadowScorer({ workerModule: BLOCKING_SHADOW_WORKER });
 * ```
 */
export const BLOCKING_SHADOW_WORKER = join(
  fileURLToPath(import.meta.url),
  "..",
  "blocking-shadow-worker.ts",
);
