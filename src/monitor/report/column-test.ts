import {
  defaultStatTest,
  jensenShannonOfCounts,
  ksSorted,
  normalisedWasserstein,
  type StatResult,
  type StatTestName,
  sharedBinsSorted,
  statTests,
} from "../stat-tests/index.js";
import type { Side } from "./column-sides.js";

/** Distinct values of two sorted samples, counted up to `cap`. */
function distinctUpTo(a: Float64Array, b: Float64Array, cap: number): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while ((i < a.length || j < b.length) && n < cap) {
    const v = Math.min(
      i < a.length ? (a[i] as number) : Number.POSITIVE_INFINITY,
      j < b.length ? (b[j] as number) : Number.POSITIVE_INFINITY,
    );
    n++;
    while (i < a.length && (a[i] as number) === v) i++;
    while (j < b.length && (b[j] as number) === v) j++;
  }
  return n;
}

/**
 * The test for a column: the one asked for, else Evidently's default for its kind, reference
 * size and number of distinct values.
 *
 * @example
 * ```ts
 * chooseTest(refSide, curSide, 7043); // "wasserstein"
 * ```
 */
export function chooseTest(
  reference: Side,
  current: Side,
  referenceRows: number,
  asked?: StatTestName,
): StatTestName {
  if (asked) return asked;
  const distinct =
    reference.kind === "numeric" && current.kind === "numeric"
      ? distinctUpTo(reference.sorted, current.sorted, 6)
      : new Set([
          ...(reference.kind === "categorical" ? reference.counts.keys() : []),
          ...(current.kind === "categorical" ? current.counts.keys() : []),
        ]).size;
  return defaultStatTest({ kind: reference.kind, referenceRows, distinct });
}

/**
 * Runs a registry test on two sides, reusing the sides' sorted values (no re-sorting for KS,
 * Wasserstein and Jensen–Shannon) and the reference's exact standard deviation.
 *
 * @example
 * ```ts
 * runTest("ks", refSide, curSide, 0.05);
 * ```
 */
export function runTest(
  name: StatTestName,
  reference: Side,
  current: Side,
  threshold: number,
): StatResult {
  if (reference.kind === "numeric" && current.kind === "numeric") {
    const a = reference.sorted;
    const b = current.sorted;
    if (name === "ks") return ksSorted(a, b, threshold);
    if (name === "wasserstein") {
      const statistic = normalisedWasserstein(a, b, reference.std);
      return { statistic, threshold, drifted: statistic >= threshold, effectSize: statistic };
    }
    if (name === "jensenShannon") {
      const bins = sharedBinsSorted(a, b);
      const statistic = jensenShannonOfCounts(bins.reference, bins.current);
      return { statistic, threshold, drifted: statistic >= threshold, effectSize: statistic };
    }
    return statTests[name].compute(a, b, { threshold });
  }
  const r = reference.kind === "categorical" ? reference.counts : reference.sorted;
  const c = current.kind === "categorical" ? current.counts : current.sorted;
  return statTests[name].compute(r, c, { threshold });
}
