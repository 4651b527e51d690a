import { isKeelError, KeelError, Rng } from "../../core/index.js";
import { orderByScore, resampleInOrder } from "../internal/resample.js";
import { checkInteger, checkNotEmpty, checkUnitInterval } from "../internal/validate.js";

/**
 * A metric of labels and scores (or predictions), like every metric function here.
 *
 * @example
 * ```ts
 * const ap: MetricFn = averagePrecision;
 * ```
 */
export type MetricFn = (yTrue: ArrayLike<number>, yScore: ArrayLike<number>) => number;

/**
 * Options of {@link bootstrapCi}.
 *
 * @example
 * ```ts
 * bootstrapCi(rocAuc, yTrue, yScore, { nResamples: 2000, confidence: 0.9, seed: 7 });
 * ```
 */
export interface BootstrapOptions {
  /** Number of resamples. Default 1000. */
  readonly nResamples?: number;
  /** Confidence level of the interval. Default 0.95. */
  readonly confidence?: number;
  /** Seed of the resampling. Default 0. */
  readonly seed?: number;
}

/**
 * A point estimate with a percentile bootstrap interval.
 *
 * @example
 * ```ts
 * const { estimate, low, high } = bootstrapCi(rocAuc, yTrue, yScore);
 * ```
 */
export interface ConfidenceInterval {
  /** The metric on the full data. */
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
  readonly confidence: number;
  /** Resamples that gave a value. */
  readonly nResamples: number;
  /** Resamples on which the metric was undefined (e.g. one class only), left out. */
  readonly nSkipped: number;
}

/**
 * A percentile bootstrap confidence interval for any metric: rows are resampled with
 * replacement `nResamples` times (seeded), the metric is computed on each, and the interval
 * is the (1 − confidence)/2 and (1 + confidence)/2 quantiles (linear interpolation, numpy's
 * default). Multiclass score matrices (`n × K`) are resampled by row. Resamples where the
 * metric is undefined (a single class drawn) are skipped and counted; more than half
 * skipped is an error.
 *
 * @example
 * ```ts
 * const ci = bootstrapCi(rocAuc, yTrue, yScore, { nResamples: 500, seed: 7 });
 * console.log(`${ci.estimate} [${ci.low}, ${ci.high}]`);
 * ```
 */
export function bootstrapCi(
  metric: MetricFn,
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  { nResamples = 1000, confidence = 0.95, seed = 0 }: BootstrapOptions = {},
): ConfidenceInterval {
  checkInteger("bootstrapCi", "nResamples", nResamples, 1);
  checkUnitInterval("bootstrapCi", "confidence", confidence, { openLow: true });
  checkNotEmpty("bootstrapCi", yTrue);
  const n = yTrue.length;
  const width = yScore.length / n;
  if (!Number.isInteger(width) || width < 1) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `bootstrapCi: yScore has ${yScore.length} values, not a multiple of yTrue's ${n}.`,
      { details: { yTrue: n, yScore: yScore.length } },
    );
  }
  const estimate = metric(yTrue, yScore);
  const rng = new Rng(seed);
  const values: number[] = [];
  const sampleTrue = new Float64Array(n);
  const sampleScore = new Float64Array(n * width);
  let skipped = 0;
  const order = orderByScore(width === 1 ? yScore : undefined, n);
  for (let r = 0; r < nResamples; r++) {
    const rows = resampleInOrder(rng, order);
    for (let i = 0; i < n; i++) {
      const j = rows[i]!;
      sampleTrue[i] = yTrue[j] as number;
      for (let c = 0; c < width; c++) sampleScore[i * width + c] = yScore[j * width + c] as number;
    }
    try {
      values.push(metric(sampleTrue, sampleScore));
    } catch (error) {
      if (!isKeelError(error, "KEEL_ERR_METRIC_UNDEFINED")) throw error;
      skipped++;
    }
  }
  if (skipped * 2 > nResamples) {
    throw new KeelError(
      "KEEL_ERR_METRIC_UNDEFINED",
      `bootstrapCi: the metric was undefined on ${skipped} of ${nResamples} resamples (too few rows of one class); the interval would not mean anything.`,
      { details: { skipped, nResamples } },
    );
  }
  values.sort((a, b) => a - b);
  return {
    estimate,
    low: quantile(values, (1 - confidence) / 2),
    high: quantile(values, (1 + confidence) / 2),
    confidence,
    nResamples: values.length,
    nSkipped: skipped,
  };
}

/**
 * The q-quantile of ascending values with linear interpolation (numpy's default method).
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5); // 2.5
 * ```
 */
export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const t = position - below;
  const a = sorted[below]!;
  const b = sorted[above]!;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}
