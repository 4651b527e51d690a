import { describeValue, KeelError } from "../../core/index.js";

/**
 * Throws unless `a` and `b` have the same length. `metric` names the caller in the message.
 *
 * @example
 * ```ts
 * checkSameLength("rocAuc", yTrue, yScore, "yScore");
 * ```
 */
export function checkSameLength(
  metric: string,
  yTrue: ArrayLike<number>,
  other: ArrayLike<number>,
  otherName: string,
): void {
  if (yTrue.length !== other.length) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `${metric}: yTrue has ${yTrue.length} values but ${otherName} has ${other.length}; they must have the same length.`,
      { details: { metric, yTrue: yTrue.length, [otherName]: other.length } },
    );
  }
}

/**
 * Throws on empty input: no metric is defined on zero rows.
 *
 * @example
 * ```ts
 * checkNotEmpty("accuracy", yTrue);
 * ```
 */
export function checkNotEmpty(metric: string, values: ArrayLike<number>): void {
  if (values.length === 0) {
    throw new KeelError("KEEL_ERR_METRIC_UNDEFINED", `${metric}: got 0 rows; needs at least one.`, {
      details: { metric },
    });
  }
}

/**
 * Throws at the first value that is NaN or infinite, naming its position.
 *
 * @example
 * ```ts
 * checkFinite("logLoss", yProb, "yProb");
 * ```
 */
export function checkFinite(metric: string, values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `${metric}: ${name}[${i}] (of ${values.length}) is ${describeValue(v)}; every value must be a finite number (NaN scores usually mean the model saw a value it cannot handle).`,
        { details: { metric, argument: name, position: i, rows: values.length, value: String(v) } },
      );
    }
  }
}

/**
 * Checks binary labels (0 = negative, 1 = positive) and returns how many are positive.
 *
 * @example
 * ```ts
 * const nPos = checkBinaryLabels("rocAuc", yTrue);
 * ```
 */
export function checkBinaryLabels(metric: string, yTrue: ArrayLike<number>): number {
  let nPos = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const v = yTrue[i] as number;
    if (v === 1) nPos++;
    else if (v !== 0) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `${metric}: yTrue[${i}] is ${describeValue(v)}; binary labels must be 0 (negative) or 1 (positive).`,
        { details: { metric, position: i, value: String(v) } },
      );
    }
  }
  return nPos;
}

/**
 * Throws `KEEL_ERR_METRIC_UNDEFINED` when yTrue holds only one class but the metric needs both.
 *
 * @example
 * ```ts
 * checkBothClasses("rocAuc", nPos, yTrue.length);
 * ```
 */
export function checkBothClasses(metric: string, nPos: number, n: number): void {
  if (nPos === 0 || nPos === n) {
    const only = nPos === 0 ? "negative (0)" : "positive (1)";
    throw new KeelError(
      "KEEL_ERR_METRIC_UNDEFINED",
      `${metric}: is undefined when yTrue holds one class only; all ${n} rows are ${only}. It needs both positive and negative rows.`,
      { details: { metric, rows: n, positives: nPos } },
    );
  }
}

/**
 * Checks a probability in [0, 1] (or a fraction) passed as an option.
 *
 * @example
 * ```ts
 * checkUnitInterval("precisionAtRecall", "recall", 0.8);
 * ```
 */
export function checkUnitInterval(
  metric: string,
  name: string,
  value: number,
  { openLow = false }: { openLow?: boolean } = {},
): void {
  const ok = Number.isFinite(value) && (openLow ? value > 0 : value >= 0) && value <= 1;
  if (!ok) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `${metric}: ${name} must be a number in ${openLow ? "(0, 1]" : "[0, 1]"}. Got ${describeValue(value)} instead.`,
      { details: { metric, parameter: name, value } },
    );
  }
}

/**
 * Throws unless `n` is an integer ≥ `min`.
 *
 * @example
 * ```ts
 * checkInteger("calibrationCurve", "nBins", 10, 1);
 * ```
 */
export function checkInteger(metric: string, name: string, n: number, min: number): void {
  if (!(Number.isInteger(n) && n >= min)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `${metric}: ${name} must be an integer ≥ ${min}. Got ${describeValue(n)} instead.`,
      { details: { metric, parameter: name, value: n } },
    );
  }
}
