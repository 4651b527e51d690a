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
  type AnalyzeOptions,
  analyzeExperiment,
  type Difference,
  type Estimate,
  type ExperimentAnalysis,
  type VariantAnalysis,
  type VariantMetrics,
  type VersionShare,
} from "./ab-analysis.js";
export { type AliasWatcher, type WatchAliasesOptions, watchAliases } from "./alias-watcher.js";
export {
  type AppliedDeployment,
  type ApplyDeploymentsOptions,
  applyDeployments,
  checkDeploymentModels,
} from "./apply-deployments.js";
export {
  CanaryController,
  type CanaryControllerOptions,
  type CanaryDecision,
  type CanaryObservation,
  recordCanaryDecision,
} from "./canary.js";
export { CanaryDriver } from "./canary-driver.js";
export { parseCsvBody } from "./csv-body.js";
export type {
  CanaryState,
  Deployment,
  DeploymentChange,
  DeploymentEvent,
  DeploymentEventKind,
  DeploymentState,
} from "./deployment-record.js";
export {
  type CanaryGuardrails,
  type CanarySpec,
  type DeploymentFeatures,
  type DeploymentSpec,
  parseDeploymentSpec,
  type ShadowSpec,
  type VariantSpec,
} from "./deployment-spec.js";
export { effectiveVariants } from "./effective-weights.js";
export { EVENT_TIME_MAX_AHEAD_MS, parseEventTime } from "./event-time.js";
export {
  LogWriterThread,
  type PredictionRowSink,
  type PredictionSink,
} from "./log-writer-thread.js";
export { type ModelHandle, ModelSlots } from "./model-slots.js";
export {
  type FeatureLookup,
  type FeaturePlan,
  featurePlan,
  lookupFeatures,
  type OnlineFeatureReader,
} from "./online-features.js";
export {
  type LoadedModelRef,
  loadModelRef,
  openModelBundle,
  openModelRef,
} from "./open-model-bundle.js";
export { PostgresLogWriter } from "./postgres-log-writer.js";
export {
  batchRowRequestId,
  type FeedbackLabel,
  type LoggedPrediction,
  type PredictionLogEntry,
  requestOfRow,
} from "./prediction-entry.js";
export {
  createPredictionLog,
  type PredictionLog,
  type PredictionLogOptions,
} from "./prediction-log.js";
export { predictionLogFrame } from "./prediction-log-frame.js";
export { type PredictionOutput, predictionOutput } from "./prediction-output.js";
export {
  decodePredictionRows,
  encodePredictionRows,
  type PredictionRowBatch,
  PredictionRowBatchBuilder,
  rowBytes,
} from "./prediction-row-batch.js";
export {
  conformRows,
  parseScoringCsv,
  parseScoringJson,
  type ScoringFormat,
  type ScoringRows,
} from "./request-formats.js";
export { newRequestId } from "./request-id.js";
export {
  type PredictMeta,
  type ServeResult,
  ServingRuntime,
  type ServingRuntimeOptions,
} from "./serving-runtime.js";
export {
  type ChangeBy,
  type Feedback,
  openServingStore,
  type ReadPredictionsQuery,
  type ServingStore,
} from "./serving-store.js";
export type { ShadowScorerOptions } from "./shadow-scorer.js";
export { predictionSinkFor, SqliteLogWriter } from "./sqlite-log-writer.js";
export { assignVariant } from "./sticky-assignment.js";
