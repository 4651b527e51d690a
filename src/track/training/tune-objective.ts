import { type Column, Frame, type Task } from "../../core/index.js";
import { crossValidate, type MetricSpec } from "../../evaluate/index.js";
import { gbdtEstimator } from "../../models/index.js";
import {
  type ParamValue,
  type SearchSpace,
  suggestParams,
  type Trial,
  TrialPruned,
} from "../../tune/index.js";

/**
 * What a {@link tuneGbdt} trial needs besides its trial: plain data, so it can be sent once to
 * each worker thread when trials run in parallel (`nJobs`). `columns` are the training frame's
 * columns (typed arrays, copied to a worker once); in process the frame is passed directly.
 *
 * @example
 * ```ts
 * const context: TuneContext = { columns: frame.entries(), target: "churn", positive: "Yes",
 *   task: "binary", folds: 5, metric: "rocAuc", metricKey: "rocAuc", seed: 0, space };
 * ```
 */
export interface TuneContext {
  /** The training rows (features and target) as `[name, column]` pairs; only worker threads read them. */
  readonly columns?: readonly (readonly [string, Column])[];
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

/** A worker thread's frame, rebuilt once from the context it was sent. */
const rebuilt = new WeakMap<TuneContext, Frame>();

/**
 * One tuning trial: suggest the space's parameters, cross-validate the GBDT with them
 * (reporting each fold, so the pruner can stop a poor trial early) and return the mean metric.
 * In a worker thread the frame is rebuilt from `context.columns` once; in process, pass `frame`.
 *
 * @example
 * ```ts
 * await study.optimize({ module: new URL("./tune-objective.js", import.meta.url), context }, { nJobs: 2 });
 * await study.optimize((trial) => objective(trial, context, frame), { nTrials: 50 });
 * ```
 */
export async function objective(
  trial: TuneTrial,
  context: TuneContext,
  frame?: Frame,
): Promise<number> {
  const data = frame ?? frameOf(context);
  const params: Record<string, ParamValue> = suggestParams(trial, context.space);
  const result = await crossValidate(
    gbdtEstimator(context.task, { ...params, seed: context.seed }, context.positive),
    data,
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

function frameOf(context: TuneContext): Frame {
  let frame = rebuilt.get(context);
  if (frame === undefined) {
    frame = Frame.fromColumns(context.columns ?? []);
    rebuilt.set(context, frame);
  }
  return frame;
}
