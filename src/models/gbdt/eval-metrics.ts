/** Metrics for early stopping, computed from raw margins. */
export type EvalMetricName = "logloss" | "auc" | "error" | "mlogloss" | "rmse" | "mae";

/**
 * True when a larger value of the metric is better.
 *
 * @example
 * ```ts
 * higherIsBetter("auc"); // true
 * ```
 */
export function higherIsBetter(metric: EvalMetricName): boolean {
  return metric === "auc";
}

const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));

/**
 * Area under the ROC curve with tied scores counted half (the Mann-Whitney statistic), weighted.
 *
 * @example
 * ```ts
 * rocAuc(Float64Array.of(0.1, 0.9), Float64Array.of(0, 1)); // 1
 * ```
 */
export function rocAuc(score: Float64Array, y: Float64Array, w?: Float64Array): number {
  const order = Array.from(score.keys()).sort((a, b) => score[a]! - score[b]!);
  let pos = 0;
  let neg = 0;
  let area = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    let tiePos = 0;
    let tieNeg = 0;
    while (j < order.length && score[order[j]!] === score[order[i]!]) {
      const r = order[j]!;
      const wr = w ? w[r]! : 1;
      if (y[r] === 1) tiePos += wr;
      else tieNeg += wr;
      j++;
    }
    area += tiePos * (neg + tieNeg / 2);
    pos += tiePos;
    neg += tieNeg;
    i = j;
  }
  return pos > 0 && neg > 0 ? area / (pos * neg) : Number.NaN;
}

/**
 * Evaluates a metric on raw margins (`nOutputs` per row) against labels.
 *
 * @example
 * ```ts
 * evalMetric("rmse", Float64Array.of(1, 2), Float64Array.of(1, 3), 1, w); // 0.707…
 * ```
 */
export function evalMetric(
  metric: EvalMetricName,
  margins: Float64Array,
  y: Float64Array,
  nOutputs: number,
  w: Float64Array,
): number {
  const n = y.length;
  let sum = 0;
  let sw = 0;
  switch (metric) {
    case "auc":
      return rocAuc(margins, y, w);
    case "logloss":
      for (let i = 0; i < n; i++) {
        const p = Math.min(Math.max(sigmoid(margins[i]!), 1e-15), 1 - 1e-15);
        sum -= w[i]! * (y[i] === 1 ? Math.log(p) : Math.log(1 - p));
        sw += w[i]!;
      }
      return sum / sw;
    case "error":
      for (let i = 0; i < n; i++) {
        if (margins[i]! > 0 !== (y[i] === 1)) sum += w[i]!;
        sw += w[i]!;
      }
      return sum / sw;
    case "mlogloss":
      for (let i = 0; i < n; i++) {
        const base = i * nOutputs;
        let max = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < nOutputs; k++) max = Math.max(max, margins[base + k]!);
        let z = 0;
        for (let k = 0; k < nOutputs; k++) z += Math.exp(margins[base + k]! - max);
        const p = Math.exp(margins[base + y[i]!]! - max) / z;
        sum -= w[i]! * Math.log(Math.max(p, 1e-15));
        sw += w[i]!;
      }
      return sum / sw;
    case "rmse":
      for (let i = 0; i < n; i++) {
        const d = margins[i]! - y[i]!;
        sum += w[i]! * d * d;
        sw += w[i]!;
      }
      return Math.sqrt(sum / sw);
    case "mae":
      for (let i = 0; i < n; i++) {
        sum += w[i]! * Math.abs(margins[i]! - y[i]!);
        sw += w[i]!;
      }
      return sum / sw;
  }
}
