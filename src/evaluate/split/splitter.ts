import { describeValue, KeelError } from "../../core/index.js";

/**
 * One train/validation split: row indices, ascending.
 *
 * @example
 * ```ts
 * for (const { train, test } of new KFold().split({ nRows: 100 })) frame.take(train);
 * ```
 */
export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/**
 * What a splitter may look at: the row count, and labels or groups when it needs them.
 *
 * @example
 * ```ts
 * new GroupKFold().split({ nRows: frame.nRows, groups: customerIds });
 * ```
 */
export interface SplitInput {
  readonly nRows: number;
  /** Labels to stratify on (StratifiedKFold). */
  readonly y?: ArrayLike<number | string | null>;
  /** Group of each row; a group never spans train and test (GroupKFold). */
  readonly groups?: ArrayLike<number | string | null>;
}

/**
 * A cross-validation splitter, scikit-learn's `split` as a pure function of its input:
 * `split` returns every fold at once and the same input always gives the same folds.
 *
 * @example
 * ```ts
 * const cv: Splitter = new KFold({ nSplits: 5, shuffle: true, seed: 1 });
 * for (const { train, test } of cv.split({ nRows: 100 })) console.log(train.length, test.length);
 * ```
 */
export interface Splitter {
  readonly nSplits: number;
  split(input: SplitInput): Fold[];
}

/**
 * Builds folds from a test-fold id per row (the shape every k-fold splitter computes).
 *
 * @example
 * ```ts
 * foldsFromAssignment(Int32Array.of(0, 1, 0, 1), 2); // [{ train: [1, 3], test: [0, 2] }, …]
 * ```
 */
export function foldsFromAssignment(testFold: Int32Array, nSplits: number): Fold[] {
  const sizes = new Int32Array(nSplits);
  for (const f of testFold) sizes[f]!++;
  return Array.from({ length: nSplits }, (_, k) => {
    const test = new Int32Array(sizes[k]!);
    const train = new Int32Array(testFold.length - sizes[k]!);
    let a = 0;
    let b = 0;
    for (let i = 0; i < testFold.length; i++) {
      if (testFold[i] === k) test[a++] = i;
      else train[b++] = i;
    }
    return { train, test };
  });
}

/**
 * Encodes values as integer codes in order of first appearance, as scikit-learn's
 * StratifiedKFold orders classes. Missing values (null, NaN) form their own class.
 *
 * @example
 * ```ts
 * codesByAppearance(["b", "a", "b"]); // { codes: [0, 1, 0], counts: [2, 1] }
 * ```
 */
export function codesByAppearance(values: ArrayLike<number | string | null>): {
  codes: Int32Array;
  counts: number[];
} {
  const index = new Map<string, number>();
  const codes = new Int32Array(values.length);
  const counts: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const key = String(values[i]);
    let code = index.get(key);
    if (code === undefined) {
      code = index.size;
      index.set(key, code);
      counts.push(0);
    }
    codes[i] = code;
    counts[code]!++;
  }
  return { codes, counts };
}

/**
 * Checks the common `nSplits` parameter.
 *
 * @example
 * ```ts
 * checkSplits("KFold", 5);
 * ```
 */
export function checkSplits(splitter: string, nSplits: number): void {
  if (!(Number.isInteger(nSplits) && nSplits >= 2)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAM",
      `${splitter}: nSplits must be an integer ≥ 2. Got ${describeValue(nSplits)} instead.`,
      { details: { splitter, parameter: "nSplits", value: nSplits } },
    );
  }
}

/**
 * Throws when `input` lacks the array a splitter needs or its length differs from nRows.
 *
 * @example
 * ```ts
 * const y = required("StratifiedKFold", input, "y");
 * ```
 */
export function required(
  splitter: string,
  input: SplitInput,
  key: "y" | "groups",
): ArrayLike<number | string | null> {
  const values = input[key];
  if (values === undefined) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `${splitter}: split() needs \`${key}\` (${key === "y" ? "the labels to stratify on" : "the group of each row"}).`,
      { details: { splitter, missing: key } },
    );
  }
  if (values.length !== input.nRows) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `${splitter}: \`${key}\` has ${values.length} values but nRows is ${input.nRows}.`,
      { details: { splitter, [key]: values.length, nRows: input.nRows } },
    );
  }
  return values;
}
