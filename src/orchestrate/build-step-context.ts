import { basename } from "node:path";
import type { JsonValue, Logger } from "../core/index.js";
import { type FeatureStore, openFeatureStore } from "../features/index.js";
import { ActiveRun, type ModelVersion, type Tracking } from "../track/index.js";
import type { FeatureStoreSettings } from "./define-pipeline.js";
import type { PipelineStore } from "./pipeline-store.js";
import { keelSdk } from "./sdk.js";
import type { StepContext } from "./step-context.js";

/**
 * What one try of a step is about, as plain data: which step of which run, the try's number,
 * the run's date and params, the upstream outputs. The in-process runner and a worker thread
 * build the step's `ctx` from the same description.
 *
 * @example
 * ```ts
 * const t: StepTry = { pipeline: "retrain", step: "train", runId, attempt: 1, logicalDate: 0, params: {}, inputs: {}, root: "." };
 * ```
 */
export interface StepTry {
  readonly pipeline: string;
  readonly step: string;
  readonly runId: string;
  readonly attempt: number;
  /** The run's logical date, epoch ms. */
  readonly logicalDate: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly inputs: Readonly<Record<string, JsonValue>>;
  readonly root: string;
}

const STEP_TAG = "keel.pipeline.step";

/**
 * The `ctx` a step's `run` receives, on the given tracking SDK and pipeline store (the
 * runner's own, or a worker thread's connections to the same database), with `close` to call
 * when the try has ended (it closes what the step opened through `ctx`, e.g. the feature store).
 *
 * @example
 * ```ts
 * const { ctx, close } = buildStepContext(stepTry, { tracking, store, log, signal, features: pipeline.featureStore });
 * try { await definition.run(ctx); } finally { await close(); }
 * ```
 */
export function buildStepContext(
  t: StepTry,
  around: {
    readonly tracking: Tracking;
    readonly store: PipelineStore;
    readonly log: Logger;
    readonly signal: AbortSignal;
    /** The pipeline's feature store settings (`ctx.features()`). */
    readonly features?: FeatureStoreSettings;
  },
): { ctx: StepContext<Record<string, unknown>>; close: () => Promise<void> } {
  const { tracking, store } = around;
  const key = `${t.runId}/${t.step}`;
  let active: ActiveRun | undefined;
  let features: Promise<{ store: FeatureStore; close: () => Promise<void> }> | undefined;
  const ctx: StepContext<Record<string, unknown>> = {
    pipeline: t.pipeline,
    runId: t.runId,
    step: t.step,
    attempt: t.attempt,
    logicalDate: new Date(t.logicalDate),
    params: t.params as Record<string, unknown>,
    inputs: t.inputs,
    log: around.log,
    signal: around.signal,
    root: t.root,
    tracking,
    keel: keelSdk,
    async trackedRun(options = {}) {
      if (active !== undefined) return active;
      active = await keyedRun(
        tracking,
        key,
        options.experiment ?? t.pipeline,
        `${t.pipeline}.${t.step}`,
      );
      return active;
    },
    async registerModel(modelName, options) {
      return keyedVersion(tracking, modelName, options);
    },
    async features() {
      features ??= openFeatureStore({
        project: basename(t.root),
        ...around.features,
        database: tracking.database,
        root: t.root,
      });
      return (await features).store;
    },
    rejectRecords: (records, reason) =>
      store.rejectRecords({
        pipeline: t.pipeline,
        runId: t.runId,
        step: t.step,
        error: reason,
        records,
      }),
  };
  const close = async () => {
    const opened = await features?.catch(() => undefined);
    await opened?.close();
  };
  return { ctx, close };
}

/** The tracked run tagged with this step key, reopened, or a new one. */
async function keyedRun(
  tracking: Tracking,
  key: string,
  experiment: string,
  runName: string,
): Promise<ActiveRun> {
  const experimentId = await tracking.experiments.ensure(experiment);
  const found = await tracking.runs.search({
    experimentIds: [experimentId],
    filter: `tags.\`${STEP_TAG}\` = '${key.replaceAll("'", "")}'`,
    maxResults: 1,
  });
  const existing = found.items[0];
  if (existing === undefined)
    return tracking.startRun({ experiment, runName, tags: { [STEP_TAG]: key } });
  if (existing.info.status !== "RUNNING")
    await tracking.runs.update(existing.info.runId, { status: "RUNNING" });
  return new ActiveRun(
    existing.info.runId,
    experimentId,
    tracking.runs,
    tracking.artifacts,
    () => {},
  );
}

/** The version of `name` registered from this run, or a new one. */
async function keyedVersion(
  tracking: Tracking,
  name: string,
  options: { artifactUri: string; runId: string; description?: string },
): Promise<ModelVersion> {
  const found = await tracking.models.searchVersions({
    filter: `name = '${name.replaceAll("'", "")}' AND run_id = '${options.runId.replaceAll("'", "")}'`,
    maxResults: 1,
  });
  const existing = found.items[0];
  if (existing !== undefined) return existing;
  return tracking.models.register(name, options);
}
