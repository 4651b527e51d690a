import type { Frame, Task } from "../core/index.js";
import { readFrame } from "../data/index.js";
import { crossValidate, type MetricSpec } from "../evaluate/index.js";
import {
  type ParamValue,
  type SearchSpace,
  suggestParams,
  type Trial,
  TrialPruned,
} from "../tune/index.js";
import { gbdtEstimator } from "./gbdt-estimator.js";

/**
 * What a `keel tune` trial needs besides its trial: plain data, so it can be sent once to each
 * worker thread when trials run in parallel (`--jobs`).
 *
 * @example
 * ```ts
 * const context: TuneContext = { dataFile: "telco.csv", target: "churn", positive: "Yes",
 *   task: "binary", folds: 5, metric: "rocAuc", metricKey: "rocAuc", seed: 0, space };
 * ```
 */
export interface TuneContext {
  /** Path of the data file (absolute, or relative to the process's working directory, which
   * worker threads share); a worker reads it once. */
  readonly dataFile: string;
  readonly target: string;
  readonly positive?: string;
  readonly task: Task;
  readonly folds: number;
  /** The metric with its parameter: `"rocAuc"`, `{ metric: "precisionAtRecall", recall: 0.8 }`. */
  readonly metric: MetricSpec;
  /** Its key in `crossValidate`'s results (`rocAuc`, `precisionAtRecall@0.8`). */
  readonly metricKey: string;
  readonly seed: number;
  readonly space: SearchSpace;
}

/**
 * The part of a trial a tune objective uses: a local `Trial` or a worker's `RemoteTrial`.
 *
 * @example
 * ```ts
 * const trial: TuneTrial = remoteTrial; // suggest*, report, shouldPrune
 * ```
 */
export type TuneTrial = Pick<
  Trial,
  "suggestFloat" | "suggestInt" | "suggestCategorical" | "report" | "shouldPrune"
> & { readonly signal?: AbortSignal };

/** This thread's copy of the data, read on the first trial (one file per `keel tune`). */
let loaded: { file: string; frame: Promise<Frame> } | undefined;

/**
 * One `keel tune` trial: suggest the space's parameters, cross-validate the model with them
 * (reporting each fold, so the pruner can stop a poor trial early) and return the mean metric.
 * In a worker thread the data is read from `context.dataFile` once; in process, pass `frame`.
 *
 * @example
 * ```ts
 * await study.optimize({ module: new URL("./tune-objective.js", import.meta.url), context }, { nJobs: 2 });
 * ```
 */
export async function objective(
  trial: TuneTrial,
  context: TuneContext,
  frame?: Frame,
): Promise<number> {
  if (frame === undefined) {
    if (loaded?.file !== context.dataFile)
      loaded = { file: context.dataFile, frame: readFrame(context.dataFile) };
    frame = await loaded.frame;
  }
  const params: Record<string, ParamValue> = suggestParams(trial, context.space);
  const result = await crossValidate(
    gbdtEstimator(context.task, { ...params, seed: context.seed }, context.positive),
    frame,
    {
      target: context.target,
      cv: context.folds,
      metrics: [context.metric],
      seed: context.seed,
      ...(context.positive === undefined ? {} : { positive: context.positive }),
      onFold: (fold) => {
        // Interrupted or past its time: stop at this fold instead of fitting the rest for nothing.
        if (trial.signal?.aborted) throw trial.signal.reason;
        trial.report(fold.metrics[context.metricKey] as number, fold.fold);
        if (trial.shouldPrune()) throw new TrialPruned(`pruned after fold ${fold.fold}`);
      },
    },
  );
  return result.mean[context.metricKey] as number;
}
