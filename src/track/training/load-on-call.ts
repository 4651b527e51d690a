// tuneGbdt and saveTrainedModel need models, evaluate, monitor and data (DuckDB); tracking
// alone (openTracking, the MLflow routes, `keel runs`, a logging child process) must not load
// them. The track module exports these two functions from here: each loads its implementation
// on its first call.
import type { Frame } from "../../core/index.js";
import type { SaveTrainedModelOptions } from "./save-trained-model.js";
import type { TunedGbdt, TuneGbdtOptions } from "./tune-gbdt.js";

/**
 * Tunes a gradient-boosted tree model: a TPE search over the GBDT search space (the GBDT
 * parameters' declared search hints, or `space`), every trial scored by k-fold
 * cross-validation (each fold reported, so poor trials are pruned early), then the best
 * parameters refitted on all rows. What `keel tune` runs; in a pipeline step, pass the step's
 * tracked run so the trials are its nested runs. Write the result with {@link saveTrainedModel}.
 * See {@link TuneGbdtOptions} for the options and their defaults.
 *
 * No trial completing is `KEEL_ERR_NO_COMPLETED_TRIALS` with the first failure's reason; an
 * interruption before any trial completed is `KEEL_ERR_CANCELLED`; a missing target
 * `KEEL_ERR_TARGET_INVALID`.
 *
 * @example
 * ```ts
 * const run = await ctx.trackedRun({ experiment: "churn" });
 * const tuned = await tuneGbdt(frame.drop(["customer_id"]), {
 *   target: "churned", positive: "yes", nTrials: 50, cv: 5, seed: 7,
 *   tracking: { tracking: ctx.tracking, run },
 * });
 * tuned.bestValue; // 0.87 (mean CV AUC of the best trial)
 * ```
 */
export async function tuneGbdt(frame: Frame, options: TuneGbdtOptions): Promise<TunedGbdt> {
  return (await import("./tune-gbdt.js")).tuneGbdt(frame, options);
}

/**
 * Writes a trained model as a bundle at `dir` with everything serving, monitoring and audits
 * read: input signature, metrics, the monitoring reference profile (features plus the model's
 * `prediction`), lineage (data hash, row fingerprint, params, code version, run, time) — and,
 * given a tracked run, logs params, metrics, input and the bundle as artifact `model`. What
 * `keel train` and `keel tune` write; returns the lineage's data hash.
 *
 * @example
 * ```ts
 * const tuned = await tuneGbdt(frame, { target: "churn", positive: "Yes" });
 * await saveTrainedModel("models/churn", {
 *   model: tuned.model, x: frame.drop(["churn"]), target: "churn", positive: "Yes",
 *   params: tuned.params, metrics: { [`cv.${tuned.metricKey}`]: tuned.bestValue }, run,
 * });
 * ```
 */
export async function saveTrainedModel(
  dir: string,
  options: SaveTrainedModelOptions,
): Promise<{ dataHash: string }> {
  return (await import("./save-trained-model.js")).saveTrainedModel(dir, options);
}
