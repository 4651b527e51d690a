import { type Column, compareStrings, describeValue, KeelError, Rng } from "../core/index.js";

/** A target prepared for target encoding: values (0/1 for binary) and the task it implies. */
export interface EncodedTarget {
  readonly values: Float64Array;
  readonly type: "binary" | "continuous";
}

/**
 * Reads `y` for target encoding. Two classes (any kind) make a binary target whose second
 * sorted class is 1, as scikit-learn's LabelEncoder; other numeric targets are continuous.
 * Missing targets and multiclass targets are errors.
 *
 * @example
 * ```ts
 * encodeTarget(frame.column("churn"), "auto"); // { values: 0/1, type: "binary" }
 * ```
 */
export function encodeTarget(
  y: Column | undefined,
  requested: "auto" | "binary" | "continuous",
  owner: string,
): EncodedTarget {
  if (y === undefined) {
    throw new KeelError(
      "KEEL_ERR_TARGET_INVALID",
      `${owner}: fit needs a target y; pass it as the second argument.`,
      {
        details: { estimator: owner, expected: "a target column" },
      },
    );
  }
  const n = y.kind === "categorical" ? y.codes.length : y.values.length;
  const keys: string[] = new Array(n);
  const numbers = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let key: string | null;
    if (y.kind === "categorical")
      key = (y.codes[i] as number) < 0 ? null : (y.categories[y.codes[i] as number] ?? null);
    else if (y.kind === "boolean")
      key = (y.values[i] as number) < 0 ? null : String(y.values[i] === 1);
    else if (y.kind === "string") key = y.values[i] ?? null;
    else {
      const v = y.values[i] as number;
      if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
        throw new KeelError(
          "KEEL_ERR_NON_FINITE",
          `${owner}: the target holds ${v} at row ${i} of ${n}; expected finite numbers.`,
          {
            details: {
              estimator: owner,
              column: "y",
              row: i,
              rows: n,
              value: String(v),
              expected: "a finite number",
            },
          },
        );
      }
      key = Number.isNaN(v) ? null : String(v);
      numbers[i] = v;
    }
    if (key === null) {
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `${owner}: the target is missing at row ${i}; target encoding needs every target value.`,
        {
          details: { estimator: owner, row: i, expected: "no missing target values" },
        },
      );
    }
    keys[i] = key;
  }
  const numeric = y.kind === "numeric" || y.kind === "timestamp";
  const classes = [...new Set(keys)].sort(
    numeric ? (a, b) => Number(a) - Number(b) : compareStrings,
  );
  const type =
    requested !== "auto"
      ? requested
      : classes.length === 2
        ? "binary"
        : numeric
          ? "continuous"
          : "multiclass";
  if (type === "binary") {
    if (classes.length !== 2) {
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `${owner}: a binary target needs exactly 2 classes. Got ${classes.length}: ${describeValue(classes)}.`,
        {
          details: { estimator: owner, expected: "2 classes", got: classes.slice(0, 20) },
        },
      );
    }
    const positive = classes[1];
    return { values: Float64Array.from(keys, (k) => (k === positive ? 1 : 0)), type };
  }
  if (type === "continuous" && numeric) return { values: numbers, type };
  throw new KeelError(
    "KEEL_ERR_TARGET_INVALID",
    `${owner}: the target must be binary or numeric (continuous). Got a ${y.kind} target with ${classes.length} classes.`,
    {
      details: { estimator: owner, expected: "a binary or numeric target", got: y.kind },
    },
  );
}

/**
 * The test fold of every row for cross-fitting: `KFold` for continuous targets and
 * `StratifiedKFold` for binary ones. Without shuffling the folds are exactly scikit-learn's;
 * with shuffling they come from keel's seeded RNG.
 *
 * @example
 * ```ts
 * const folds = foldAssignment(target, 5, false, 0); // Int32Array of fold ids
 * ```
 */
export function foldAssignment(
  target: EncodedTarget,
  k: number,
  shuffle: boolean,
  seed: number,
): Int32Array {
  const n = target.values.length;
  if (n < k) {
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAM",
      `TargetEncoder: cv = ${k} folds need at least ${k} rows. Got ${n}.`,
      {
        details: { estimator: "TargetEncoder", param: "cv", expected: `at most ${n}`, got: k },
      },
    );
  }
  const rng = new Rng(seed);
  const folds = new Int32Array(n);
  if (target.type === "continuous") {
    const order = shuffle ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    let start = 0;
    for (let f = 0; f < k; f++) {
      const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
      for (let i = start; i < start + size; i++) folds[order[i] as number] = f;
      start += size;
    }
    return folds;
  }
  // StratifiedKFold: classes numbered by first appearance, sorted labels dealt round-robin to
  // folds to get per-fold class counts, then each class's rows take its fold ids in order.
  const first = new Map<number, number>();
  const encoded = Int32Array.from(target.values, (v) => {
    if (!first.has(v)) first.set(v, first.size);
    return first.get(v) as number;
  });
  const nClasses = first.size;
  const counts = new Array<number>(nClasses).fill(0);
  for (const c of encoded) counts[c] = (counts[c] as number) + 1;
  const allocation = Array.from({ length: k }, () => new Array<number>(nClasses).fill(0));
  let position = 0;
  for (let c = 0; c < nClasses; c++) {
    for (let r = 0; r < (counts[c] as number); r++, position++) {
      const row = allocation[position % k] as number[];
      row[c] = (row[c] as number) + 1;
    }
  }
  for (let c = 0; c < nClasses; c++) {
    const ids: number[] = [];
    for (let f = 0; f < k; f++)
      for (let r = 0; r < ((allocation[f] as number[])[c] as number); r++) ids.push(f);
    if (shuffle) rng.shuffle(ids);
    let next = 0;
    for (let i = 0; i < n; i++) if (encoded[i] === c) folds[i] = ids[next++] as number;
  }
  return folds;
}
