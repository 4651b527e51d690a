import { describeValue, KeelError } from "../../core/index.js";
import { checkSplits, type Fold, type SplitInput, type Splitter } from "./splitter.js";

/**
 * Options of {@link TimeSeriesSplit}.
 *
 * @example
 * ```ts
 * new TimeSeriesSplit({ nSplits: 4, gap: 7, maxTrainSize: 365 });
 * ```
 */
export interface TimeSeriesSplitOptions {
  /** Number of folds. Default 5. */
  readonly nSplits?: number;
  /** Rows per test fold. Default `floor(nRows / (nSplits + 1))`. */
  readonly testSize?: number;
  /** Rows left out between the end of train and the start of test. Default 0. */
  readonly gap?: number;
  /** Keep only the latest this many rows in train. Default: all earlier rows. */
  readonly maxTrainSize?: number;
}

/**
 * Forward-chaining folds for rows in time order, as scikit-learn's `TimeSeriesSplit`: every
 * test fold comes after all of its training rows, so the model never sees the future.
 *
 * @example
 * ```ts
 * new TimeSeriesSplit({ nSplits: 3 }).split({ nRows: 8 });
 * // train [0, 1] test [2, 3]; train [0..3] test [4, 5]; train [0..5] test [6, 7]
 * ```
 */
export class TimeSeriesSplit implements Splitter {
  readonly nSplits: number;
  readonly #testSize: number | undefined;
  readonly #gap: number;
  readonly #maxTrainSize: number | undefined;

  constructor({ nSplits = 5, testSize, gap = 0, maxTrainSize }: TimeSeriesSplitOptions = {}) {
    checkSplits("TimeSeriesSplit", nSplits);
    for (const [name, value, min] of [
      ["testSize", testSize, 1],
      ["gap", gap, 0],
      ["maxTrainSize", maxTrainSize, 1],
    ] as const) {
      if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
        throw new KeelError(
          "KEEL_ERR_INVALID_PARAM",
          `TimeSeriesSplit: ${name} must be an integer ≥ ${min}. Got ${describeValue(value)} instead.`,
          { details: { parameter: name, value } },
        );
      }
    }
    this.nSplits = nSplits;
    this.#testSize = testSize;
    this.#gap = gap;
    this.#maxTrainSize = maxTrainSize;
  }

  split({ nRows }: SplitInput): Fold[] {
    const testSize = this.#testSize ?? Math.floor(nRows / (this.nSplits + 1));
    if (this.nSplits + 1 > nRows || nRows - this.#gap - testSize * this.nSplits <= 0) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `TimeSeriesSplit: ${nRows} rows are too few for ${this.nSplits} folds of ${testSize} test rows with a gap of ${this.#gap}.`,
        { details: { nRows, nSplits: this.nSplits, testSize, gap: this.#gap } },
      );
    }
    const folds: Fold[] = [];
    for (let start = nRows - this.nSplits * testSize; start < nRows; start += testSize) {
      const trainEnd = start - this.#gap;
      const trainStart =
        this.#maxTrainSize !== undefined && this.#maxTrainSize < trainEnd
          ? trainEnd - this.#maxTrainSize
          : 0;
      folds.push({ train: range(trainStart, trainEnd), test: range(start, start + testSize) });
    }
    return folds;
  }
}

function range(from: number, to: number): Int32Array {
  return Int32Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
