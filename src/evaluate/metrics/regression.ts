import { KeelError, pairwiseSum } from "../../core/index.js";
import { checkFinite, checkNotEmpty, checkSameLength } from "../internal/validate.js";

/** float64 machine epsilon, scikit-learn's floor for |y| in MAPE. */
const EPS = 2.220446049250313e-16;

/**
 * Root mean squared error, as `mean_squared_error(..., squared=False)`. Means are NumPy's
 * pairwise sums over n (see `pairwiseSum`), as `np.average` computes them.
 *
 * @example
 * ```ts
 * rmse([1, 2, 3], [1, 2, 5]); // sqrt(4 / 3)
 * ```
 */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  check("rmse", yTrue, yPred);
  return Math.sqrt(
    average(yTrue.length, (i) => square((yTrue[i] as number) - (yPred[i] as number))),
  );
}

/**
 * Mean absolute error, as `mean_absolute_error`.
 *
 * @example
 * ```ts
 * mae([1, 2, 3], [1, 2, 5]); // 2 / 3
 * ```
 */
export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  check("mae", yTrue, yPred);
  return average(yTrue.length, (i) => Math.abs((yPred[i] as number) - (yTrue[i] as number)));
}

/**
 * The coefficient of determination, as `r2_score`: 1 − SS_res / SS_tot, with NumPy's pairwise
 * sums. With a constant `yTrue` it is 1 for a perfect fit and 0 otherwise, as scikit-learn's
 * `force_finite`. A `yTrue` whose values are all identical counts as constant even when the
 * rounded mean is off by an ulp (scikit-learn then divides by a residue such as 6e-34 and
 * returns about −1e31, e.g. for [0.1, 0.1, 0.1]); keel returns 0 there, deliberately.
 *
 * @example
 * ```ts
 * r2([1, 2, 3], [1, 2, 3]); // 1
 * r2([0.1, 0.1, 0.1], [0.1, 0.2, 0.1]); // 0
 * ```
 */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  check("r2", yTrue, yPred);
  const n = yTrue.length;
  if (n < 2) {
    throw new KeelError(
      "KEEL_ERR_METRIC_UNDEFINED",
      `r2: is undefined with fewer than two rows; got ${n}.`,
      { details: { metric: "r2", rows: n } },
    );
  }
  const mean = average(n, (i) => yTrue[i] as number);
  const residual = pairwiseSum(
    Float64Array.from({ length: n }, (_, i) => square((yTrue[i] as number) - (yPred[i] as number))),
  );
  const spread = allEqual(yTrue)
    ? 0
    : pairwiseSum(Float64Array.from({ length: n }, (_, i) => square((yTrue[i] as number) - mean)));
  if (residual === 0) return 1;
  if (spread === 0) return 0;
  return 1 - residual / spread;
}

/**
 * Mean absolute percentage error as a fraction (0.1 = 10%), as
 * `mean_absolute_percentage_error`: |y − ŷ| / max(|y|, ε), so a zero target gives a huge term
 * rather than a division by zero.
 *
 * @example
 * ```ts
 * mape([100, 200], [110, 180]); // 0.1
 * ```
 */
export function mape(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  check("mape", yTrue, yPred);
  return average(yTrue.length, (i) => {
    const y = yTrue[i] as number;
    return Math.abs((yPred[i] as number) - y) / Math.max(Math.abs(y), EPS);
  });
}

/** `np.average` of n terms: their pairwise sum over n. */
function average(n: number, term: (i: number) => number): number {
  return pairwiseSum(Float64Array.from({ length: n }, (_, i) => term(i))) / n;
}

/** d·d, exactly NumPy's square (`**` goes through a general pow). */
function square(d: number): number {
  return d * d;
}

function allEqual(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return false;
  return true;
}

function check(metric: string, yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  checkSameLength(metric, yTrue, yPred, "yPred");
  checkNotEmpty(metric, yTrue);
  checkFinite(metric, yTrue, "yTrue");
  checkFinite(metric, yPred, "yPred");
}
