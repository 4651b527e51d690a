import { type Frame, isKeelError, KeelError, Rng } from "../core/index.js";
import { orderByScore, resampleInOrder } from "./internal/resample.js";
import { quantile } from "./metrics/bootstrap.js";
import { type MetricSpec, resolveMetric } from "./metrics/registry.js";
import {
  type Predictions,
  predictionsOf,
  type Scorer,
  type ScoringOptions,
} from "./predictions.js";

/**
 * Options of {@link compareModels}.
 *
 * @example
 * ```ts
 * compareModels(a, b, frame, { target: "churn", positive: "Yes", metric: "rocAuc", nResamples: 2000 });
 * ```
 */
export interface CompareOptions extends ScoringOptions {
  /** The metric to compare on. Default "rocAuc". */
  readonly metric?: MetricSpec;
  /** Bootstrap resamples. Default 1000. */
  readonly nResamples?: number;
  /** Confidence level of the intervals. Default 0.95. */
  readonly confidence?: number;
  /** Resampling seed. Default 0. */
  readonly seed?: number;
}

/**
 * Candidate against baseline on the same rows, oriented so that positive means better.
 *
 * @example
 * ```ts
 * const { improvement, ci } = compareModels(challenger, champion, frame, { target: "churn" });
 * ```
 */
export interface ModelComparison {
  /** The metric key ("rocAuc", "precisionAtRecall@0.8"). */
  readonly metric: string;
  readonly higherIsBetter: boolean;
  readonly candidate: number;
  readonly baseline: number;
  /**
   * `absolute`: candidate − baseline for scores (baseline − candidate for losses), so > 0 is
   * always better. `relative`: absolute / |baseline| ("AUC improves by more than 1%" is
   * relative > 0.01).
   */
  readonly improvement: { readonly absolute: number; readonly relative: number };
  /** Paired percentile bootstrap intervals of both improvements. */
  readonly ci: {
    readonly absolute: readonly [number, number];
    readonly relative: readonly [number, number];
  };
  readonly confidence: number;
  /** Share of resamples in which the candidate was strictly better. */
  readonly probabilityOfImprovement: number;
  /** Share of resamples in which both models scored exactly the same (A vs A gives 1). */
  readonly probabilityOfTie: number;
  /** Resamples by outcome: candidate better, tied, worse (they sum to `nResamples`). */
  readonly outcomes: { readonly better: number; readonly tied: number; readonly worse: number };
  readonly nRows: number;
  /** Resamples in which the metric was defined for both models (the absolute interval's). */
  readonly nResamples: number;
  /** Resamples where the metric was undefined (one class drawn), left out. */
  readonly nSkipped: number;
  /**
   * Resamples left out of the relative interval because the champion scored 0 there
   * (relative improvement undefined); the relative interval rests on `nResamples` minus these.
   */
  readonly nRelativeUndefined: number;
}

/**
 * Compares a candidate model with a baseline (the champion) on the same rows, with a paired
 * bootstrap: every resample scores both models on the same rows, so the interval is of the
 * difference itself and far tighter than two separate intervals would suggest.
 *
 * @example
 * ```ts
 * const cmp = compareModels(challenger, champion, holdout, { target: "churn", positive: "Yes" });
 * if (cmp.improvement.relative > 0.01 && cmp.ci.relative[0] > 0) promote(challenger);
 * ```
 */
export function compareModels(
  candidate: Scorer,
  baseline: Scorer,
  frame: Frame,
  options: CompareOptions,
): ModelComparison {
  return comparePredictions(
    predictionsOf(candidate, frame, options),
    predictionsOf(baseline, frame, options),
    options,
  );
}

/**
 * {@link compareModels} on predictions already made (same rows, same order).
 *
 * @example
 * ```ts
 * comparePredictions(predictionsOf(a, frame, opts), predictionsOf(b, frame, opts), { metric: "logLoss" });
 * ```
 */
export function comparePredictions(
  candidate: Predictions,
  baseline: Predictions,
  options: Omit<CompareOptions, "target"> = {},
): ModelComparison {
  const { nResamples = 1000, confidence = 0.95, seed = 0 } = options;
  const metric = resolveMetric(options.metric ?? "rocAuc", "compareModels metric");
  const n = candidate.yTrue.length;
  if (baseline.yTrue.length !== n || candidate.yTrue.some((v, i) => v !== baseline.yTrue[i])) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      "compareModels: candidate and baseline must be scored on the same rows with the same labels (check both models have the same classes and positive class).",
      { details: { candidateRows: n, baselineRows: baseline.yTrue.length } },
    );
  }
  const sign = metric.higherIsBetter ? 1 : -1;
  const improvementOf = (c: number, b: number) => {
    const absolute = sign * (c - b);
    return { absolute, relative: b === 0 ? Number.NaN : absolute / Math.abs(b) };
  };
  const c0 = metric.compute(candidate);
  const b0 = metric.compute(baseline);
  const rng = new Rng(seed);
  const absolute: number[] = [];
  const relative: number[] = [];
  let better = 0;
  let tied = 0;
  let skipped = 0;
  let relativeUndefined = 0;
  // Each model's resample lists the same drawn rows in that model's score order (see
  // resampleInOrder): identical multisets, so the pairing holds, and no per-resample sort.
  const candidateOrder = orderByScore(candidate.score, n);
  const baselineOrder = orderByScore(baseline.score, n);
  for (let r = 0; r < nResamples; r++) {
    const state = rng.state();
    const candidateRows = resampleInOrder(rng, candidateOrder);
    const baselineRows = resampleInOrder(new Rng(state), baselineOrder);
    try {
      const d = improvementOf(
        metric.compute(takePredictions(candidate, candidateRows)),
        metric.compute(takePredictions(baseline, baselineRows)),
      );
      absolute.push(d.absolute);
      // A resample where the champion scores 0 has no relative improvement: counted, not
      // averaged in as NaN (which would sort to one end and drag the interval).
      if (Number.isNaN(d.relative)) relativeUndefined++;
      else relative.push(d.relative);
      if (d.absolute > 0) better++;
      else if (d.absolute === 0) tied++;
    } catch (error) {
      if (!isKeelError(error, "KEEL_ERR_METRIC_UNDEFINED")) throw error;
      skipped++;
    }
  }
  if (absolute.length === 0) {
    throw new KeelError(
      "KEEL_ERR_METRIC_UNDEFINED",
      `compareModels: ${metric.key} was undefined on every bootstrap resample of ${n} rows.`,
      { details: { metric: metric.key, rows: n } },
    );
  }
  absolute.sort((a, b) => a - b);
  relative.sort((a, b) => a - b);
  const lowQ = (1 - confidence) / 2;
  const highQ = (1 + confidence) / 2;
  return {
    metric: metric.key,
    higherIsBetter: metric.higherIsBetter,
    candidate: c0,
    baseline: b0,
    improvement: improvementOf(c0, b0),
    ci: {
      absolute: [quantile(absolute, lowQ), quantile(absolute, highQ)],
      relative:
        relative.length === 0
          ? [Number.NaN, Number.NaN]
          : [quantile(relative, lowQ), quantile(relative, highQ)],
    },
    confidence,
    probabilityOfImprovement: better / absolute.length,
    probabilityOfTie: tied / absolute.length,
    outcomes: { better, tied, worse: absolute.length - better - tied },
    nRows: n,
    nResamples: absolute.length,
    nSkipped: skipped,
    nRelativeUndefined: relativeUndefined,
  };
}

/**
 * The predictions of the given rows (repeats allowed), for resampling.
 *
 * @example
 * ```ts
 * const sample = takePredictions(predictions, Int32Array.of(0, 0, 3));
 * ```
 */
export function takePredictions(p: Predictions, rows: Int32Array): Predictions {
  const width = p.classes.length;
  const pick = (values: Float64Array, w = 1) => {
    const out = new Float64Array(rows.length * w);
    rows.forEach((row, i) => {
      for (let c = 0; c < w; c++) out[i * w + c] = values[row * w + c]!;
    });
    return out;
  };
  return {
    ...p,
    yTrue: pick(p.yTrue),
    predicted: pick(p.predicted),
    ...(p.proba ? { proba: pick(p.proba, width) } : {}),
    ...(p.score ? { score: pick(p.score) } : {}),
  };
}
