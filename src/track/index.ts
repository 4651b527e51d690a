/**
 * Experiment tracking and the model registry: experiments, runs (params, metrics with full
 * history, tags, artifacts, dataset inputs, code version), search with MLflow's filter grammar
 * plus OR and parentheses, registered models with immutable versions and audited aliases.
 *
 * @example
 * ```ts
 * import { openTracking } from "keel";
 * const tracking = await openTracking();
 * const run = await tracking.startRun({ experiment: "churn", runName: "baseline" });
 * await run.logParams({ maxDepth: 6 });
 * run.logMetric("auc", 0.84);
 * await run.end();
 * await tracking.close();
 * ```
 *
 * @module
 */
export { ActiveRun, type LoggableValue } from "./active-run.js";
export { RunArtifacts } from "./artifacts.js";
export { gitCommit, keelVersion } from "./code-version.js";
export { Experiments, type SearchExperimentsRequest } from "./experiments.js";
export {
  type ComparisonOp,
  FILTER_LIMITS,
  type FilterComparison,
  type FilterNode,
  type OrderByTerm,
  parseFilter,
  parseOrderBy,
} from "./filter-parser.js";
export type { LogBatch } from "./log-batch.js";
export { type ModelSource, parseModelSource } from "./model-source.js";
export { type ModelRef, parseModelUri } from "./model-uri.js";
export { purgeDeletedRuns } from "./purge.js";
export {
  ALIAS_CHANNEL,
  type AliasChange,
  type CreateModelVersionRequest,
  ModelRegistry,
  type SearchModelsRequest,
} from "./registry.js";
export { type CreateRunRequest, Runs, type SearchRunsRequest } from "./runs.js";
export { TrackingStudyStorage, type TrackingStudyStorageOptions } from "./study-storage.js";
export {
  type OpenTrackingOptions,
  openTracking,
  type StartRunOptions,
  Tracking,
} from "./tracking.js";
export { inferTask } from "./training/infer-task.js";
export { saveTrainedModel, tuneGbdt } from "./training/load-on-call.js";
export type { SaveTrainedModelOptions } from "./training/save-trained-model.js";
export { targetColumnOf } from "./training/target-column.js";
export type { GbdtSpaceJson, TunedGbdt, TuneGbdtOptions } from "./training/tune-gbdt.js";
export { countTrialStates, defaultTuneMetric } from "./training/tune-results.js";
export * from "./types.js";
export { LIMITS as TRACKING_LIMITS } from "./validation.js";
