/**
 * Pipelines and automated retraining: DAGs of steps declared in `keel.config.ts`
 * (`definePipeline`, `step`), content-hash caching, durable runs with checkpoints and resume,
 * retries with exponential backoff and jitter, per-step timeouts, a dead-letter table,
 * schedules with time zones, backfills on a simulated clock, triggers, a promotion policy step,
 * and executors: in process (each try in a worker thread with `ThreadRunner`, which the `keel`
 * CLI, `keel server`'s scheduler and `keel worker` use by default; or inline on the caller's
 * event loop, `runPipeline`'s default, since the pipeline objects it is given hold the step
 * functions) or on PostgreSQL through pg-boss.
 *
 * @example
 * ```ts
 * import { definePipeline, step, runPipeline, PipelineStore, openDatabase } from "keel";
 * const hello = definePipeline({ name: "hello", steps: { a: step({ run: () => ({ ok: true }) }) } });
 * const { run } = await runPipeline(hello, { store: new PipelineStore(await openDatabase()) });
 * ```
 *
 * @module
 */

export { alertLogOf } from "./alert-log.js";
export { type BackfillResult, backfill } from "./backfill.js";
export { retryDelayMs, type StepRetryPolicy } from "./backoff.js";
export {
  freshnessStep,
  materializeStep,
  promotionStep,
  rollbackStep,
} from "./builtin-steps.js";
export { downstreamOf, topologicalOrder, validateDag } from "./dag.js";
export {
  definePipeline,
  type FeatureStoreSettings,
  findPipeline,
  type PipelineDefinition,
  pipelineIssues,
  type StepDefinition,
  step,
  validatePipelines,
} from "./define-pipeline.js";
export {
  abortableSleep,
  cacheKeyOf,
  executeStep,
  retryPolicyOf,
  type StepEnvironment,
  type StepOutcome,
} from "./execute-step.js";
export {
  checkFeatureFreshness,
  deliverFreshnessAlerts,
  type FeatureStepClock,
  type FreshnessStepOptions,
  type MaterializeStepOptions,
  materializeFeatures,
} from "./feature-steps.js";
export { canonicalJson, fileHash, sha256 } from "./hashing.js";
export { isOwnerDead, newLeaseOwner } from "./lease-owner.js";
export {
  type ClaimResult,
  type DeadLetter,
  type PipelineRun,
  type PipelineRunStatus,
  PipelineStore,
  type StepState,
  type StepStatus,
} from "./pipeline-store.js";
export {
  type HoldoutSource,
  type PromotionDecision,
  type PromotionPolicy,
  promoteChallenger,
  type RollbackPolicy,
  rollbackChampion,
} from "./promote.js";
export { QueueExecutor, type QueueExecutorOptions } from "./queue-executor.js";
export { replayDeadLetter } from "./replay.js";
export { REASON_PARAM, runParamsOf } from "./run-params.js";
export {
  openRun,
  type PipelineResult,
  paramsHashOf,
  type RunPipelineOptions,
  runPipeline,
  type StepEvent,
  trackingFor,
  wasInterrupted,
} from "./run-pipeline.js";
export {
  compileSchedule,
  dayStartIn,
  fireTimeOn,
  fireTimes,
  latestFireTime,
  type Schedule,
  scheduleOf,
} from "./schedule.js";
export { type Clock, runScheduler, type SchedulerOptions } from "./scheduler.js";
export { type KeelSdk, keelSdk } from "./sdk.js";
export type { StepContext } from "./step-context.js";
export { type StepRunner, stepCodeHash } from "./step-runner.js";
export { serveStepThread } from "./step-thread.js";
export { ThreadRunner, type ThreadRunnerOptions } from "./thread-runner.js";
export { triggerPipeline } from "./trigger.js";
