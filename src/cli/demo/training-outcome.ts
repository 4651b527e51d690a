import type { PipelineResult } from "../../orchestrate/index.js";

/**
 * What one run of the churn example's training pipeline (`train-weekly` or `retrain-on-drift`)
 * did, read from its steps' recorded outputs: the search, the holdout metrics, the version and
 * the promotion decision with its reason.
 *
 * @example
 * ```ts
 * const outcome = trainingOutcome(result);
 * outcome.promoted; // false
 * outcome.reason;   // "not promoted: rocAuc 0.7801 vs champion 0.7790 (relative improvement 0.14%, …)"
 * ```
 */
export interface TrainingOutcome {
  readonly pipeline: string;
  readonly runId: string;
  readonly trigger: string;
  readonly status: string;
  /** The failed step and its error when the run did not succeed. */
  readonly error?: string;
  readonly trials?: number;
  readonly completedTrials?: number;
  readonly cvAuc?: number;
  readonly holdoutAuc?: number;
  readonly precisionAtRecall80?: number;
  /** Per segment: the recall gap and the flag-rate gap between its groups. */
  readonly bias?: Readonly<
    Record<string, { readonly recallGap: number; readonly flagRateGap: number }>
  >;
  readonly version?: number;
  readonly promoted?: boolean;
  readonly reason?: string;
}

function outputsOf(result: PipelineResult, step: string): Record<string, unknown> {
  const state = result.steps.find((s) => s.step === step);
  if (state?.outputs === null || state?.outputs === undefined) return {};
  const parsed = JSON.parse(state.outputs) as unknown;
  return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
}

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/**
 * Reads a training run's outcome (see {@link TrainingOutcome}).
 *
 * @example
 * ```ts
 * backfill(trainWeekly, { …, onRun: (_, r) => { if ("run" in r) outcomes.push(trainingOutcome(r)); } });
 * ```
 */
export function trainingOutcome(result: PipelineResult): TrainingOutcome {
  const tune = outputsOf(result, "tune");
  const evaluate = outputsOf(result, "evaluate");
  const register = outputsOf(result, "register");
  const promote = outputsOf(result, "promote");
  const failed = result.steps.find((s) => s.status === "failed");
  const optional = {
    trials: num(tune.trials),
    completedTrials: num(tune.completed),
    cvAuc: num(tune.cvAuc),
    holdoutAuc: num(evaluate.auc),
    precisionAtRecall80: num(evaluate.precisionAtRecall80),
    bias: evaluate.bias as TrainingOutcome["bias"],
    version: num(register.version),
    promoted: typeof promote.promoted === "boolean" ? promote.promoted : undefined,
    reason: typeof promote.reason === "string" ? promote.reason : undefined,
    error: failed ? `${failed.step}: ${failed.error ?? "failed"}` : (result.run.error ?? undefined),
  };
  return {
    pipeline: result.run.pipeline,
    runId: result.run.runId,
    trigger: result.run.trigger,
    status: result.run.status,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}
