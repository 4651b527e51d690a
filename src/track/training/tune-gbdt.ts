import { type FittedModel, type Frame, KeelError, type Task } from "../../core/index.js";
import { type MetricSpec, resolveMetric } from "../../evaluate/index.js";
import { gbdtEstimator, gbdtParams } from "../../models/index.js";
import {
  createStudy,
  FAIL_REASON_ATTR,
  type FrozenTrial,
  fixedParams,
  MedianPruner,
  type OptimizeOptions,
  type ParamValue,
  type Pruner,
  parseSearchSpace,
  type SearchSpace,
  type Study,
  type StudyDirection,
  TpeSampler,
} from "../../tune/index.js";
import type { ActiveRun } from "../active-run.js";
import { TrackingStudyStorage } from "../study-storage.js";
import type { Tracking } from "../tracking.js";
import { gbdtSearchSpace } from "./gbdt-search-space.js";
import { inferTask } from "./infer-task.js";
import { targetColumnOf } from "./target-column.js";
import { objective, type TuneContext } from "./tune-objective.js";
import { countTrialStates, defaultTuneMetric } from "./tune-results.js";

/**
 * Options of {@link tuneGbdt}. Only `target` is required: the defaults are the churn story's
 * 50-trial TPE with 5-fold cross-validation on the task's usual metric.
 *
 * @example
 * ```ts
 * const options: TuneGbdtOptions = { target: "churn", positive: "Yes", nTrials: 50, cv: 5,
 *   metric: { metric: "precisionAtRecall", recall: 0.8 }, tracking: { tracking, run } };
 * ```
 */
export interface TuneGbdtOptions {
  /** The column to predict; every other column of the frame is a feature. */
  readonly target: string;
  /** The positive class of a binary target (`"Yes"`); naming it makes the task binary. */
  readonly positive?: string;
  /** Default: inferred from the target ({@link inferTask}). */
  readonly task?: Task;
  /** Trials in all (a resumed tracked study runs only the ones still missing). Default 50. */
  readonly nTrials?: number;
  /** Cross-validation folds per trial (stratified for classification). Default 5. */
  readonly cv?: number;
  /** The metric to optimise, as `crossValidate` takes it. Default rocAuc (binary), logLoss (multiclass), rmse (regression). */
  readonly metric?: MetricSpec;
  /** Seed of the sampler, the folds and the GBDT. Default 0. */
  readonly seed?: number;
  /**
   * What to search. Default: {@link gbdtSearchSpace}, the GBDT parameters' declared search
   * hints. Either a `SearchSpace` of distributions or the JSON form `keel tune --space` reads
   * (`{ maxDepth: { low: 2, high: 6 }, learningRate: { low: 0.03, high: 0.3, log: true },
   * nEstimators: 100 }`), checked against the GBDT's parameters (a typo is
   * `KEEL_ERR_SEARCH_SPACE` with a suggestion).
   */
  readonly space?: SearchSpace | GbdtSpaceJson;
  /** Default: a median pruner after 5 trials, from the second fold on. */
  readonly pruner?: Pruner;
  /** Trials at once, each on its own worker thread (needs keel's built JavaScript). Default 1. */
  readonly nJobs?: number;
  /** Aborting it stops the search: running trials fail as interrupted, the best so far is refitted. */
  readonly signal?: AbortSignal;
  /** A progress display (`start`, `advance` per trial, `finish`), as `study.optimize` takes it. */
  readonly progress?: OptimizeOptions["progress"];
  /**
   * Record the study on `run` (a run the caller started and ends, e.g. a pipeline step's
   * `ctx.trackedRun()`): every trial becomes a nested run of it (MLflow tag
   * `mlflow.parentRunId`) with its params, per-fold `intermediate_value` and final `value`, and
   * the dashboard's tuning page shows the study. The study is named `studyName` (default
   * `gbdt-<run id>`) and loaded when it exists, so a retried step continues its trials.
   */
  readonly tracking?: {
    readonly tracking: Tracking;
    readonly run: ActiveRun;
    readonly studyName?: string;
  };
}

/**
 * A search space in the JSON form `keel tune --space` reads: per GBDT parameter a fixed value or
 * a range (`low`, `high`, `log`, `step`) or `choices`.
 *
 * @example
 * ```ts
 * const space: GbdtSpaceJson = { nEstimators: 100, maxDepth: { low: 2, high: 6 } };
 * ```
 */
export type GbdtSpaceJson = Readonly<
  Record<
    string,
    | ParamValue
    | {
        readonly low?: number;
        readonly high?: number;
        readonly log?: boolean;
        readonly step?: number;
        readonly choices?: readonly ParamValue[];
      }
  >
>;

/**
 * What {@link tuneGbdt} found: the study, the best trial and the GBDT refitted with its
 * parameters on every row.
 *
 * @example
 * ```ts
 * const { model, bestValue, bestParams, trials } = await tuneGbdt(frame, { target: "churn" });
 * ```
 */
export interface TunedGbdt {
  readonly study: Study;
  readonly task: Task;
  /** The metric's key in `crossValidate` results (`rocAuc`, `precisionAtRecall@0.8`). */
  readonly metricKey: string;
  readonly direction: StudyDirection;
  /** The best trial's mean cross-validated metric. */
  readonly bestValue: number;
  readonly bestTrial: number;
  /** The best trial's parameters plus the search space's fixed entries. */
  readonly bestParams: Readonly<Record<string, ParamValue>>;
  /** The refitted estimator's full parameters (defaults, seed, positive class included). */
  readonly params: Readonly<Record<string, unknown>>;
  /** The GBDT refitted with `bestParams` on all rows. */
  readonly model: FittedModel;
  /** Trials by final state. */
  readonly trials: Readonly<Record<"COMPLETE" | "PRUNED" | "FAIL", number>>;
  /** True when `signal` stopped the search before `nTrials`: the model is the best so far. */
  readonly interrupted: boolean;
}

/**
 * The implementation of the track module's `tuneGbdt` (load-on-call.ts loads this file on its
 * first call, so tracking alone does not load models, evaluate and DuckDB).
 *
 * @example
 * ```ts
 * const tuned = await (await import("./tune-gbdt.js")).tuneGbdt(frame, { target: "churn" });
 * ```
 */
export async function tuneGbdt(frame: Frame, options: TuneGbdtOptions): Promise<TunedGbdt> {
  const { target, positive } = options;
  const y = targetColumnOf(frame, target, "tuneGbdt's target");
  const task = options.task ?? inferTask(y, positive);
  const nTrials = positiveInteger(options.nTrials ?? 50, "nTrials", 1);
  const folds = positiveInteger(options.cv ?? 5, "cv", 2);
  const nJobs = positiveInteger(options.nJobs ?? 1, "nJobs", 1);
  const seed = positiveInteger(options.seed ?? 0, "seed", 0);
  const metricSpec = options.metric ?? defaultTuneMetric(task);
  const metric = resolveMetric(metricSpec, "metric");
  const direction: StudyDirection = metric.higherIsBetter ? "maximize" : "minimize";
  const space = searchSpaceOf(options.space);
  const context: TuneContext = {
    target,
    ...(positive === undefined ? {} : { positive }),
    task,
    folds,
    metric: metricSpec,
    metricKey: metric.key,
    seed,
    space,
  };
  const tracked = options.tracking;
  const study = await createStudy({
    direction,
    sampler: new TpeSampler({ seed }),
    pruner: options.pruner ?? new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 1 }),
    ...(tracked === undefined
      ? {}
      : {
          name: tracked.studyName ?? `gbdt-${tracked.run.id}`,
          storage: new TrackingStudyStorage(tracked.tracking, { studyRunId: tracked.run.id }),
          loadIfExists: true,
        }),
  });
  const finishedBefore = study.trials.filter((t) => t.state !== "RUNNING").length;
  const remaining = Math.max(0, nTrials - finishedBefore);
  if (remaining > 0) {
    // One job: trials run here, on the frame given. More: each trial runs on one of nJobs
    // worker threads (fits are CPU-bound; the event loop alone would run them in turn), which
    // get the frame's columns once.
    await study.optimize(
      nJobs === 1
        ? (trial) => objective(trial, context, frame)
        : {
            module: new URL("./tune-objective.js", import.meta.url),
            context: { ...context, columns: frame.entries() },
          },
      {
        nTrials: remaining,
        nJobs,
        ...(options.progress === undefined ? {} : { progress: options.progress }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
  }
  const interrupted = options.signal?.aborted === true;
  const counts = countTrialStates(study.trials);
  if (!study.trials.some((t) => t.state === "COMPLETE")) {
    if (interrupted)
      throw new KeelError(
        "KEEL_ERR_CANCELLED",
        `Interrupted after ${study.trials.length} trials, none complete: no model to refit.`,
        { details: { trials: study.trials.length, ...counts } },
      );
    throw noTrialCompleted(study.trials);
  }
  const best = study.bestTrial;
  // Fixed entries of the space are not trial parameters; the refit needs them all the same.
  const bestParams = { ...fixedParams(space), ...best.params };
  const estimator = gbdtEstimator(task, { ...bestParams, seed }, positive);
  const model = (await estimator.fit(frame.drop([target]), y)) as FittedModel;
  return {
    study,
    task,
    metricKey: metric.key,
    direction,
    bestValue: best.value as number,
    bestTrial: best.number,
    bestParams,
    params: estimator.params,
    model,
    trials: counts,
    interrupted,
  };
}

/** Why no trial completed, with the first failure's reason (the user's first clue). */
function noTrialCompleted(trials: readonly FrozenTrial[]): KeelError {
  const counts = countTrialStates(trials);
  const failed = trials.find((t) => t.state === "FAIL");
  const reason = failed?.systemAttrs[FAIL_REASON_ATTR];
  return new KeelError(
    "KEEL_ERR_NO_COMPLETED_TRIALS",
    `No trial completed (${counts.FAIL} failed, ${counts.PRUNED} pruned).${reason === undefined ? "" : ` Trial ${failed?.number} failed with: ${String(reason)}`}`,
    { details: { ...counts, firstFailure: reason === undefined ? null : String(reason) } },
  );
}

/** The space as given when it is one of distributions, else parsed from its JSON form. */
function searchSpaceOf(space: SearchSpace | GbdtSpaceJson | undefined): SearchSpace {
  if (space === undefined) return gbdtSearchSpace();
  const isSpace = Object.values(space).every(
    (entry) => typeof entry === "object" && entry !== null && ("kind" in entry || "fixed" in entry),
  );
  return isSpace ? (space as SearchSpace) : parseSearchSpace(space, gbdtParams, "tuneGbdt space");
}

function positiveInteger(value: number, name: string, min: number): number {
  if (!(Number.isInteger(value) && value >= min))
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `tuneGbdt: ${name} must be an integer >= ${min}. Got ${String(value)} instead.`,
      { details: { option: name, received: value } },
    );
  return value;
}
