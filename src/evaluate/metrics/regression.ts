import { KeelError } from "../../core/index.js";
import { checkFinite, checkNotEmpty, checkSameLength } from "../internal/validate.js";

/** float64 machine epsilon, scikit-learn's floor for |y| in MAPE. */
const EPS = 2.220446049250313e-16;

/**
 * Root mean squared error, as `mean_squared_error(..., squared=False)`.
 *
 * @example
 * ```ts
 * rmse([1, 2, 3], [1, 2, 5]); // sqrt(4 / 3)
 * ```
 */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  check("rmse", yTrue, yPred);
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const d = (yTrue[i] as number) - (yPred[i] as number);
    total += d * d;
  }
  return Math.sqrt(total / yTrue.length);
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
  let total = 0;
  for (let i = 0; i < yTrue.length; i++)
    total += Math.abs((yTrue[i] as number) - (yPred[i] as number));
  return total / yTrue.length;
}

/**
 * The coefficient of determination, as `r2_score`: 1 − SS_res / SS_tot. With a constant
 * `yTrue` scikit-learn returns 1 for a perfect fit and 0 otherwise, and so does this.
 *
 * @example
 * ```ts
 * r2([1, 2, 3], [1, 2, 3]); // 1
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
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i] as number;
  mean /= n;
  let residual = 0;
  let spread = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i] as number;
    residual += (y - (yPred[i] as number)) ** 2;
    spread += (y - mean) ** 2;
  }
  if (spread === 0) return residual === 0 ? 1 : 0;
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
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const y = yTrue[i] as number;
    total += Math.abs(y - (yPred[i] as number)) / Math.max(Math.abs(y), EPS);
  }
  return total / yTrue.length;
}

function check(metric: string, yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  checkSameLength(metric, yTrue, yPred, "yPred");
  checkNotEmpty(metric, yTrue);
  checkFinite(metric, yTrue, "yTrue");
  checkFinite(metric, yPred, "yPred");
}
