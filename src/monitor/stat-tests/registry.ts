import { KeelError } from "../../core/index.js";
import { hellinger, jensenShannon, kl, psi, wasserstein } from "./distance-tests.js";
import { chiSquare, ks, zTest } from "./hypothesis-tests.js";
import { isCounts } from "./stat-data.js";
import type { StatData, StatKind, StatTest, StatTestName } from "./types.js";

/** How many values `data` holds that a test uses (finite numbers, or positive counts). */
function usableValues(data: StatData): number {
  let n = 0;
  if (isCounts(data)) {
    for (const c of data.values()) if (c > 0) n += c;
    return n;
  }
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i] as number)) n++;
  return n;
}

// An empty side has no distribution to compare: a clear error, never a silent "no drift"
// (statistic 0, p-value 1). driftReport never gets here: it reports such a column, and one
// below its minRows, as `insufficient data` before testing.
function nonEmpty(test: StatTest): StatTest {
  return {
    ...test,
    compute(reference, current, options) {
      for (const [side, data] of [
        ["reference", reference],
        ["current", current],
      ] as const) {
        if (usableValues(data) === 0)
          throw new KeelError(
            "KEEL_ERR_INVALID_ARGUMENT",
            `statTests.${test.name}: the ${side} sample has no non-missing value; a test needs at least one on each side (driftReport reports such a column as 'insufficient data').`,
            { details: { test: test.name, side } },
          );
      }
      return test.compute(reference, current, options);
    },
  };
}

/**
 * Every stat test keel knows, keyed by name: `statTests.ks.compute(reference, current)` →
 * `{ statistic, pValue, threshold, drifted, effectSize }`. Missing values (NaN, ±Infinity)
 * are dropped, as Evidently does; a side with none left is `KEEL_ERR_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * import { statTests } from "keel";
 * const { pValue, drifted } = statTests.ks.compute(reference, current);
 * ```
 */
export const statTests: Readonly<Record<StatTestName, StatTest>> = {
  ks: nonEmpty(ks),
  chiSquare: nonEmpty(chiSquare),
  zTest: nonEmpty(zTest),
  psi: nonEmpty(psi),
  wasserstein: nonEmpty(wasserstein),
  jensenShannon: nonEmpty(jensenShannon),
  hellinger: nonEmpty(hellinger),
  kl: nonEmpty(kl),
};

/** The reference size up to which Evidently's rule picks hypothesis tests. */
export const SMALL_REFERENCE_ROWS = 1000;

/**
 * The test Evidently's rule picks for a column. With at most 1,000 reference rows: `ks` for
 * numbers with more than 5 distinct values, `chiSquare` for categories (and numbers with 3–5
 * values), `zTest` for two values. With more: `wasserstein` for numbers with more than 5
 * distinct values, `jensenShannon` otherwise. `distinct` counts both samples' non-missing values.
 *
 * @example
 * ```ts
 * defaultStatTest({ kind: "numeric", referenceRows: 5000, distinct: 812 }); // "wasserstein"
 * ```
 */
export function defaultStatTest(column: {
  kind: StatKind;
  referenceRows: number;
  distinct: number;
}): StatTestName {
  const { kind, referenceRows, distinct } = column;
  if (referenceRows <= SMALL_REFERENCE_ROWS) {
    if (kind === "numeric" && distinct > 5) return "ks";
    return distinct > 2 ? "chiSquare" : "zTest";
  }
  if (kind === "numeric" && distinct > 5) return "wasserstein";
  return "jensenShannon";
}

/**
 * Benjamini–Hochberg adjusted p-values (the false discovery rate step-up): sorted ascending,
 * p₍ᵢ₎·m / i made monotone from the largest down and capped at 1; returned in input order.
 *
 * @example
 * ```ts
 * benjaminiHochberg([0.01, 0.04, 0.03]); // [0.03, 0.04, 0.04]
 * ```
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues
    .map((_, i) => i)
    .sort((a, b) => (pValues[a] as number) - (pValues[b] as number));
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const i = order[k] as number;
    running = Math.min(running, ((pValues[i] as number) * m) / (k + 1));
    adjusted[i] = running;
  }
  return adjusted;
}
