import {
  distinctValuesUpTo,
  histogramSorted,
  MAX_DISTINCT_AS_CATEGORIES,
  sturgesEdges,
} from "../stat-tests/index.js";
import type { Side } from "./column-sides.js";
import type { ColumnQuality, DriftChart } from "./drift-types.js";

const LISTED_NEW_CATEGORIES = 20;
const CHART_CATEGORIES = 15;
const CHART_MAX_BINS = 30;

/**
 * Missing shares, new categories and out-of-range values of the current side.
 *
 * @example
 * ```ts
 * columnQuality(refSide, curSide).missingShareChange;
 * ```
 */
export function columnQuality(reference: Side, current: Side): ColumnQuality {
  const share = (n: number, of: number) => (of > 0 ? n / of : 0);
  const missingShareReference = share(reference.missing, reference.rows);
  const missingShareCurrent = share(current.missing, current.rows);
  const base = {
    missingShareReference,
    missingShareCurrent,
    missingShareChange: missingShareCurrent - missingShareReference,
  };
  if (reference.kind === "categorical" && current.kind === "categorical") {
    const fresh = [...current.counts.keys()].filter((k) => !reference.counts.has(k));
    return {
      ...base,
      newCategories: fresh.slice(0, LISTED_NEW_CATEGORIES),
      newCategoryCount: fresh.length,
    };
  }
  if (reference.kind === "numeric" && current.kind === "numeric") {
    let count = 0;
    if (reference.count > 0) {
      const s = current.sorted;
      // Sorted: the out-of-range values are a prefix and a suffix.
      for (let i = 0; i < s.length && (s[i] as number) < reference.min; i++) count++;
      for (let i = s.length - 1; i >= 0 && (s[i] as number) > reference.max; i--) count++;
    }
    return { ...base, outOfRange: { count, share: share(count, current.count) } };
  }
  return base;
}

/**
 * Shares of both sides over shared bins for the overlay chart: Sturges bins over both samples
 * (at most 30) for numbers, the 15 most common categories plus "other" for categories.
 *
 * @example
 * ```ts
 * chartOf(refSide, curSide).labels;
 * ```
 */
export function chartOf(reference: Side, current: Side): DriftChart {
  if (reference.kind === "numeric" && current.kind === "numeric") {
    if (reference.count === 0 || current.count === 0)
      return { labels: [], reference: [], current: [] };
    // Few distinct values (flags, counts): one bar per value, as the binned tests see them.
    const values = distinctValuesUpTo(
      reference.sorted,
      current.sorted,
      MAX_DISTINCT_AS_CATEGORIES + 1,
    );
    if (values.length <= MAX_DISTINCT_AS_CATEGORIES) {
      const share = (sorted: Float64Array) =>
        values.map((v) => countEqual(sorted, v) / sorted.length);
      return {
        labels: values.map(formatEdge),
        reference: share(reference.sorted),
        current: share(current.sorted),
      };
    }
    let edges = sturgesEdges(reference.sorted, current.sorted);
    if (edges.length - 1 > CHART_MAX_BINS) {
      const lo = edges[0] as number;
      const hi = edges[edges.length - 1] as number;
      edges = Float64Array.from({ length: CHART_MAX_BINS + 1 }, (_, i) =>
        i === CHART_MAX_BINS ? hi : lo + ((hi - lo) * i) / CHART_MAX_BINS,
      );
    }
    const r = histogramSorted(reference.sorted, edges);
    const c = histogramSorted(current.sorted, edges);
    return {
      labels: Array.from({ length: edges.length - 1 }, (_, i) => formatEdge(edges[i] as number)),
      reference: [...r].map((v) => v / reference.sorted.length),
      current: [...c].map((v) => v / current.sorted.length),
    };
  }
  const rc = reference.kind === "categorical" ? reference.counts : new Map<string, number>();
  const cc = current.kind === "categorical" ? current.counts : new Map<string, number>();
  const rn = Math.max(1, reference.count);
  const cn = Math.max(1, current.count);
  const keys = [...new Set([...rc.keys(), ...cc.keys()])].sort(
    (a, b) =>
      (rc.get(b) ?? 0) / rn +
      (cc.get(b) ?? 0) / cn -
      ((rc.get(a) ?? 0) / rn + (cc.get(a) ?? 0) / cn),
  );
  const shown = keys.slice(0, CHART_CATEGORIES);
  const rest = keys.slice(CHART_CATEGORIES);
  const sum = (m: Map<string, number>, ks: readonly string[]) =>
    ks.reduce((s, k) => s + (m.get(k) ?? 0), 0);
  return {
    labels: rest.length ? [...shown, `other (${rest.length})`] : shown,
    reference: [
      ...shown.map((k) => (rc.get(k) ?? 0) / rn),
      ...(rest.length ? [sum(rc, rest) / rn] : []),
    ],
    current: [
      ...shown.map((k) => (cc.get(k) ?? 0) / cn),
      ...(rest.length ? [sum(cc, rest) / cn] : []),
    ],
  };
}

/** How many times `v` occurs in an ascending array (two binary searches). */
function countEqual(sorted: Float64Array, v: number): number {
  const bound = (strict: boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = sorted[mid] as number;
      if (x < v || (!strict && x === v)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return bound(false) - bound(true);
}

function formatEdge(v: number): string {
  return Number(v.toPrecision(3)).toString();
}
