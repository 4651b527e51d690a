import { compareStrings, KeelError, Rng } from "../../core/index.js";
import { numpyArgsort } from "../internal/numpy-argsort.js";
import {
  checkSplits,
  codesByAppearance,
  type Fold,
  foldsFromAssignment,
  required,
  type SplitInput,
  type Splitter,
} from "./splitter.js";

/**
 * Options of {@link KFold} and {@link StratifiedKFold}.
 *
 * @example
 * ```ts
 * new StratifiedKFold({ nSplits: 10, shuffle: true, seed: 3 });
 * ```
 */
export interface KFoldOptions {
  /** Number of folds. Default 5. */
  readonly nSplits?: number;
  /** Shuffle rows before splitting. Default false (contiguous folds, as scikit-learn). */
  readonly shuffle?: boolean;
  /** Seed of the shuffle. Default 0. */
  readonly seed?: number;
}

/**
 * K consecutive folds (shuffled first if asked); the first `n % k` folds get one extra row,
 * as scikit-learn's `KFold`.
 *
 * @example
 * ```ts
 * new KFold({ nSplits: 3 }).split({ nRows: 10 }).map((f) => [...f.test]);
 * // [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
 * ```
 */
export class KFold implements Splitter {
  readonly nSplits: number;
  readonly #shuffle: boolean;
  readonly #seed: number;

  constructor({ nSplits = 5, shuffle = false, seed = 0 }: KFoldOptions = {}) {
    checkSplits("KFold", nSplits);
    this.nSplits = nSplits;
    this.#shuffle = shuffle;
    this.#seed = seed;
  }

  split({ nRows }: SplitInput): Fold[] {
    checkEnoughRows("KFold", this.nSplits, nRows);
    const order = this.#shuffle ? new Rng(this.#seed).permutation(nRows) : identity(nRows);
    const testFold = new Int32Array(nRows);
    let at = 0;
    for (let k = 0; k < this.nSplits; k++) {
      const size = Math.floor(nRows / this.nSplits) + (k < nRows % this.nSplits ? 1 : 0);
      for (let j = 0; j < size; j++) testFold[order[at++]!] = k;
    }
    return foldsFromAssignment(testFold, this.nSplits);
  }
}

/**
 * K folds that keep each class's share in every fold, with scikit-learn 1.2's allocation
 * (classes by order of appearance, sorted labels dealt round-robin to folds), so without
 * shuffling the folds are identical to `StratifiedKFold`'s.
 *
 * @example
 * ```ts
 * const folds = new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 3 }).split({ nRows: y.length, y });
 * ```
 */
export class StratifiedKFold implements Splitter {
  readonly nSplits: number;
  readonly #shuffle: boolean;
  readonly #seed: number;

  constructor({ nSplits = 5, shuffle = false, seed = 0 }: KFoldOptions = {}) {
    checkSplits("StratifiedKFold", nSplits);
    this.nSplits = nSplits;
    this.#shuffle = shuffle;
    this.#seed = seed;
  }

  split(input: SplitInput): Fold[] {
    const y = required("StratifiedKFold", input, "y");
    const { codes, counts } = codesByAppearance(y);
    const k = this.nSplits;
    if (counts.every((c) => c < k)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `StratifiedKFold: nSplits=${k} is greater than the number of rows in every class (largest class: ${Math.max(...counts)}).`,
        { details: { nSplits: k, classCounts: counts } },
      );
    }
    // Sorted class codes dealt to folds round-robin: fold f gets the rows at f, f + k, f + 2k…
    // of the sorted order, which decides how many rows of each class each fold receives.
    const allocation = Array.from({ length: k }, () => new Array<number>(counts.length).fill(0));
    let position = 0;
    counts.forEach((count, cls) => {
      for (let j = 0; j < count; j++) allocation[(position + j) % k]![cls]!++;
      position += count;
    });
    const rng = new Rng(this.#seed);
    const testFold = new Int32Array(codes.length);
    counts.forEach((_, cls) => {
      const folds: number[] = [];
      for (let f = 0; f < k; f++) for (let j = 0; j < allocation[f]![cls]!; j++) folds.push(f);
      if (this.#shuffle) rng.shuffle(folds);
      let next = 0;
      for (let i = 0; i < codes.length; i++) if (codes[i] === cls) testFold[i] = folds[next++]!;
    });
    return foldsFromAssignment(testFold, k);
  }
}

/**
 * K folds where each group lands in exactly one test fold, balancing rows per fold greedily
 * (largest group first into the lightest fold), as scikit-learn 1.2's `GroupKFold`, fold for
 * fold: groups are sorted (numbers by value, strings by code point, as `np.unique`), ordered
 * by size with NumPy's unstable `argsort` reversed (so among groups of equal size the later
 * one in sorted order usually goes first), and each goes to the first of the lightest folds.
 * Use it when rows of one customer must not be in both train and validation. Missing groups
 * are refused.
 *
 * @example
 * ```ts
 * new GroupKFold({ nSplits: 3 }).split({ nRows: 6, groups: ["a", "a", "b", "c", "c", "c"] });
 * ```
 */
export class GroupKFold implements Splitter {
  readonly nSplits: number;

  constructor({ nSplits = 5 }: { nSplits?: number } = {}) {
    checkSplits("GroupKFold", nSplits);
    this.nSplits = nSplits;
  }

  split(input: SplitInput): Fold[] {
    const groups = required("GroupKFold", input, "groups");
    const { codes, counts } = sortedGroupCodes(groups);
    if (counts.length < this.nSplits) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `GroupKFold: nSplits=${this.nSplits} is greater than the number of groups (${counts.length}).`,
        { details: { nSplits: this.nSplits, groups: counts.length } },
      );
    }
    const bySize = numpyArgsort(counts).reverse();
    const load = new Float64Array(this.nSplits);
    const foldOfGroup = new Int32Array(counts.length);
    for (const g of bySize) {
      let lightest = 0;
      for (let f = 1; f < this.nSplits; f++) if (load[f]! < load[lightest]!) lightest = f;
      load[lightest]! += counts[g]!;
      foldOfGroup[g] = lightest;
    }
    return foldsFromAssignment(
      Int32Array.from(codes, (g) => foldOfGroup[g]!),
      this.nSplits,
    );
  }
}

/**
 * Codes of groups in sorted order (`np.unique(groups, return_inverse=True)`) and their sizes:
 * numbers sort by value, anything else by its string's code points. A missing group (null,
 * NaN) is an error naming the row.
 */
function sortedGroupCodes(groups: ArrayLike<number | string | null>): {
  codes: Int32Array;
  counts: Float64Array;
} {
  const numeric = Array.from({ length: groups.length }, (_, i) => groups[i]).every(
    (g) => typeof g === "number",
  );
  const keys: (number | string)[] = new Array(groups.length);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (g === null || g === undefined || (typeof g === "number" && Number.isNaN(g))) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `GroupKFold: the group of row ${i} is missing; every row needs a group.`,
        { details: { splitter: "GroupKFold", row: i, expected: "a group for every row" } },
      );
    }
    keys[i] = numeric ? g : String(g);
  }
  const unique = [...new Set(keys)].sort(
    numeric
      ? (a, b) => (a as number) - (b as number)
      : (a, b) => compareStrings(String(a), String(b)),
  );
  const index = new Map(unique.map((g, k) => [g, k]));
  const codes = Int32Array.from(keys, (g) => index.get(g)!);
  const counts = new Float64Array(unique.length);
  for (const c of codes) counts[c]!++;
  return { codes, counts };
}

function checkEnoughRows(splitter: string, nSplits: number, nRows: number): void {
  if (nRows < nSplits) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `${splitter}: cannot make ${nSplits} folds from ${nRows} rows.`,
      { details: { splitter, nSplits, nRows } },
    );
  }
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
