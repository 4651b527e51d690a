import { describeValue, type Frame, KeelError, Rng } from "../../core/index.js";
import { codesByAppearance } from "./splitter.js";

/**
 * Options of {@link trainTestSplit}.
 *
 * @example
 * ```ts
 * trainTestSplit(frame, { testSize: 0.2, stratify: "churn", seed: 1 });
 * ```
 */
export interface TrainTestSplitOptions {
  /** Fraction of rows for test in (0, 1), rounded up as scikit-learn does. Default 0.25. */
  readonly testSize?: number;
  /** Seed of the shuffle. Default 0. */
  readonly seed?: number;
  /** Keep class shares equal in both parts: a column name (frames) or one label per row. */
  readonly stratify?: string | ArrayLike<number | string | null>;
}

/**
 * Row indices of both parts (ascending) and, for a frame input, the two frames.
 *
 * @example
 * ```ts
 * const { train, test, testIndex } = trainTestSplit(frame, { testSize: 0.2 });
 * ```
 */
export interface TrainTestSplit<T> {
  readonly trainIndex: Int32Array;
  readonly testIndex: Int32Array;
  readonly train: T;
  readonly test: T;
}

/**
 * Splits rows at random into train and test, optionally stratified so each class keeps its
 * share in both (classes get test rows by largest remainder, each class keeping ≥ 1 row on
 * each side). Seeded: the same seed gives the same split.
 *
 * @example
 * ```ts
 * const { train, test } = trainTestSplit(frame, { testSize: 0.2, stratify: "churn", seed: 42 });
 * const idx = trainTestSplit(1000, { testSize: 0.2 }); // idx.train and idx.test are Int32Arrays
 * ```
 */
export function trainTestSplit(data: Frame, options?: TrainTestSplitOptions): TrainTestSplit<Frame>;
export function trainTestSplit(
  data: number,
  options?: TrainTestSplitOptions,
): TrainTestSplit<Int32Array>;
export function trainTestSplit(
  data: Frame | number,
  { testSize = 0.25, seed = 0, stratify }: TrainTestSplitOptions = {},
): TrainTestSplit<Frame | Int32Array> {
  const nRows = typeof data === "number" ? data : data.nRows;
  if (!(testSize > 0 && testSize < 1)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `trainTestSplit: testSize must be a fraction in (0, 1). Got ${describeValue(testSize)} instead.`,
      { details: { parameter: "testSize", value: testSize } },
    );
  }
  const nTest = Math.ceil(testSize * nRows);
  if (nTest < 1 || nTest >= nRows) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `trainTestSplit: testSize ${testSize} of ${nRows} rows leaves an empty train or test part.`,
      { details: { nRows, testSize } },
    );
  }
  const rng = new Rng(seed);
  const inTest = new Uint8Array(nRows);
  if (stratify === undefined) {
    const order = rng.permutation(nRows);
    for (let j = 0; j < nTest; j++) inTest[order[j]!] = 1;
  } else {
    const labels = stratifyLabels(data, stratify, nRows);
    stratifiedPick(labels, nTest, rng, inTest);
  }
  const testIndex = indicesWhere(inTest, 1);
  const trainIndex = indicesWhere(inTest, 0);
  if (typeof data === "number")
    return { trainIndex, testIndex, train: trainIndex, test: testIndex };
  return { trainIndex, testIndex, train: data.take(trainIndex), test: data.take(testIndex) };
}

function stratifyLabels(
  data: Frame | number,
  stratify: string | ArrayLike<number | string | null>,
  nRows: number,
): ArrayLike<number | string | null> {
  if (typeof stratify !== "string") {
    if (stratify.length !== nRows) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `trainTestSplit: stratify has ${stratify.length} labels but there are ${nRows} rows.`,
        { details: { stratify: stratify.length, nRows } },
      );
    }
    return stratify;
  }
  if (typeof data === "number") {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `trainTestSplit: stratify '${stratify}' names a column, which needs a Frame; pass the labels instead.`,
      { details: { stratify } },
    );
  }
  const column = data.column(stratify);
  return Array.from({ length: nRows }, (_, i) => {
    switch (column.kind) {
      case "categorical":
        return column.codes[i]!;
      case "string":
        return column.values[i] ?? null;
      default:
        return column.values[i]!;
    }
  });
}

function stratifiedPick(
  labels: ArrayLike<number | string | null>,
  nTest: number,
  rng: Rng,
  inTest: Uint8Array,
): void {
  const { codes, counts } = codesByAppearance(labels);
  const n = codes.length;
  const tooSmall = counts.findIndex((c) => c < 2);
  if (tooSmall >= 0) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `trainTestSplit: class ${describeValue(String(labels[codes.indexOf(tooSmall)]))} has only one row; stratifying needs at least two per class.`,
      { details: { classCounts: counts } },
    );
  }
  // Largest remainder: floor the exact shares, then hand the leftover rows to the classes
  // with the biggest fractional parts (ties broken at random, seeded).
  const exact = counts.map((c) => (c * nTest) / n);
  const take = exact.map((e, k) => Math.min(counts[k]! - 1, Math.max(1, Math.floor(e))));
  let left = nTest - take.reduce((a, b) => a + b, 0);
  const byRemainder = Array.from(rng.permutation(counts.length)).sort(
    (a, b) => exact[b]! - Math.floor(exact[b]!) - (exact[a]! - Math.floor(exact[a]!)),
  );
  for (let pass = 0; left !== 0 && pass < counts.length * 2; pass++) {
    for (const k of byRemainder) {
      if (left > 0 && take[k]! < counts[k]! - 1) {
        take[k]!++;
        left--;
      } else if (left < 0 && take[k]! > 1) {
        take[k]!--;
        left++;
      }
      if (left === 0) break;
    }
  }
  const order = rng.permutation(n);
  const taken = new Array<number>(counts.length).fill(0);
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    const k = codes[i]!;
    if (taken[k]! < take[k]!) {
      taken[k]!++;
      inTest[i] = 1;
    }
  }
}

function indicesWhere(flags: Uint8Array, value: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i] === value) out.push(i);
  return Int32Array.from(out);
}
