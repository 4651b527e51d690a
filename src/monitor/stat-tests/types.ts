/**
 * What every stat test takes and returns.
 *
 * @module
 */

/**
 * One side of a comparison: numbers (a numeric column's values; NaN is dropped) or category
 * counts (category → number of rows). Numbers given to a categorical test count each value as a
 * category, as Evidently does for numeric columns with few distinct values.
 *
 * @example
 * ```ts
 * const reference: StatData = Float64Array.of(1.5, 2, 2.5);
 * const plans: StatData = new Map([["basic", 120], ["pro", 30]]);
 * ```
 */
export type StatData = ArrayLike<number> | ReadonlyMap<string, number>;

/** The column kinds a test accepts. */
export type StatKind = "numeric" | "categorical";

/**
 * A test's verdict on one column.
 *
 * @example
 * ```ts
 * const r: StatResult = statTests.ks.compute(reference, current);
 * if (r.drifted) console.log(r.statistic, r.pValue);
 * ```
 */
export interface StatResult {
  /** The test statistic (a distance for distance tests). */
  readonly statistic: number;
  /** The p-value, for hypothesis tests (ks, chiSquare, zTest). */
  readonly pValue?: number;
  /** The threshold the verdict used: a p-value level, or a distance. */
  readonly threshold: number;
  /** p < threshold for hypothesis tests; statistic ≥ threshold for distances. */
  readonly drifted: boolean;
  /**
   * A sample-size-free size of the change, for the effect-size floor: the KS statistic for ks,
   * the total variation distance of the category shares for chiSquare and zTest, the statistic
   * itself for distances.
   */
  readonly effectSize: number;
}

/** Options of one test run. */
export interface StatOptions {
  /** Overrides the test's default threshold. */
  readonly threshold?: number;
}

/**
 * A stat test of the registry: a small pure function plus what it is for.
 *
 * @example
 * ```ts
 * const test: StatTest = statTests.wasserstein;
 * test.compute(Float64Array.of(1, 2, 3), Float64Array.of(2, 3, 4)).statistic;
 * ```
 */
export interface StatTest {
  readonly name: StatTestName;
  readonly kinds: readonly StatKind[];
  readonly defaultThreshold: number;
  /** True when the threshold is on a p-value (drift when p < threshold). */
  readonly usesPValue: boolean;
  compute(reference: StatData, current: StatData, options?: StatOptions): StatResult;
}

/** The names of the registry's tests. */
export type StatTestName =
  | "ks"
  | "chiSquare"
  | "zTest"
  | "psi"
  | "wasserstein"
  | "jensenShannon"
  | "hellinger"
  | "kl";
