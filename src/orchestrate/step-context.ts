import type { JsonValue, Logger } from "../core/index.js";
import type { FeatureStore } from "../features/index.js";
import type { ActiveRun, ModelVersion, Tracking } from "../track/index.js";
import type { KeelSdk } from "./sdk.js";

/**
 * What a step's `run` receives.
 *
 * @example
 * ```ts
 * step({ after: ["ingest"], run: async (ctx) => {
 *   ctx.log.info("training", { rows: ctx.inputs.ingest });
 *   const run = await ctx.trackedRun({ experiment: "churn" });
 *   run.logMetric("auc", 0.84);
 *   return { runId: run.id };
 * } });
 * ```
 */
export interface StepContext<P = Record<string, unknown>> {
  readonly pipeline: string;
  /** The pipeline run's id. */
  readonly runId: string;
  readonly step: string;
  /** This try's number, from 1. */
  readonly attempt: number;
  /** The date the run is for (a schedule's fire time; backfills replay past ones). */
  readonly logicalDate: Date;
  readonly params: P;
  /** Upstream steps' outputs by step name. */
  readonly inputs: Readonly<Record<string, JsonValue>>;
  /** Lines go to the step's log in the metadata store (`keel pipelines logs`). */
  readonly log: Logger;
  /** Aborted when the step times out or its lease is lost: stop work and return. */
  readonly signal: AbortSignal;
  /** The project directory. */
  readonly root: string;
  /** Tracking on the project's metadata store: runs, artifacts, the model registry. */
  readonly tracking: Tracking;
  /** The keel SDK, one namespace per module (`ctx.keel.models.GbdtClassifier`, `ctx.keel.data.readFrame`). */
  readonly keel: KeelSdk;
  /**
   * This step's tracked run, started on first use and the same run on every retry or resume
   * of this step in this pipeline run (keyed by tag `keel.pipeline.step`), so its artifacts
   * and metrics are recorded once.
   */
  trackedRun(options?: { experiment?: string }): Promise<ActiveRun>;
  /**
   * Registers a model version keyed by this step's tracked run: a retried or resumed step gets
   * the version it registered before instead of a second one.
   */
  registerModel(
    name: string,
    options: { artifactUri: string; runId: string; description?: string },
  ): Promise<ModelVersion>;
  /**
   * The project's feature store as registered (`keel apply`), on the pipeline's store settings
   * (`defineConfig`'s for a pipeline in `keel.config.ts`): point-in-time training sets with
   * `getHistoricalFeatures`, online lookups with `getOnlineFeatures`, materialisation. Opened on
   * first use, the same store for the rest of the try, closed when the try ends; in a worker
   * thread it opens the thread's own connections. Nothing registered is `KEEL_ERR_NOT_FOUND`.
   *
   * @example
   * ```ts
   * const store = await ctx.features();
   * const training = await store.getHistoricalFeatures({ entityRows: { sql: "SELECT customer_id, event_timestamp, churned FROM labels" }, features: { service: "churn_model" } });
   * const online = await store.getOnlineFeatures({ features: { service: "churn_model" }, entityRows: { customer_id: [42] } });
   * ```
   */
  features(): Promise<FeatureStore>;
  /** Files records the step rejects (rows failing checks) as dead letters with the reason. */
  rejectRecords(records: readonly unknown[], reason: string): Promise<void>;
}
