/**
 * Exact hypervolume of a set of points (all objectives minimised) up to a reference point, by
 * the WFG algorithm (While, Bradstreet and Barone 2012), as Optuna 3.1's `WFG`: what the
 * multi-objective TPE uses to pick and weigh its good trials.
 *
 * @module
 */
import { describeValue, KeelError } from "../core/index.js";

type Point = readonly number[];

/**
 * The volume dominated by `points` and bounded by `reference` (minimisation in every
 * coordinate). Every point must be finite, have the reference's length and be ≤ the reference
 * in every coordinate.
 *
 * @example
 * ```ts
 * hypervolume([[1, 2], [2, 1]], [3, 3]); // 3
 * ```
 */
export function hypervolume(points: readonly Point[], reference: Point): number {
  const d = reference.length;
  if (d === 0 || !reference.every(Number.isFinite)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `hypervolume: the reference point must be a non-empty list of finite numbers. Got ${describeValue(reference)}.`,
    );
  }
  points.forEach((p, i) => {
    if (p.length !== d || !p.every((v, j) => Number.isFinite(v) && v <= (reference[j] as number))) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `hypervolume: points[${i}] must be ${d} finite numbers, each ≤ the reference point ${describeValue(reference)}. Got ${describeValue(p)}.`,
        { details: { index: i } },
      );
    }
  });
  if (points.length === 0) return 0;
  return wfg(points, reference);
}

/** Volume of the box between two corners. */
function box(a: Point, b: Point): number {
  let v = 1;
  for (let i = 0; i < a.length; i++) v *= (a[i] as number) - (b[i] as number);
  return Math.abs(v);
}

/** Two objectives: sweep by the first, each point adds the strip its second one opens. */
function twoD(points: readonly Point[], reference: Point): number {
  const sorted = [...points].sort(
    (a, b) => (a[0] as number) - (b[0] as number) || (b[1] as number) - (a[1] as number),
  );
  const ref = [...reference];
  let volume = 0;
  for (const p of sorted) {
    if ((ref[1] as number) < (p[1] as number)) continue;
    volume += box(ref, p);
    ref[1] = p[1] as number;
  }
  return volume;
}

function wfg(points: readonly Point[], reference: Point): number {
  if (reference.length === 2) return twoD(points, reference);
  const n = points.length;
  if (n === 1) return box(points[0] as Point, reference);
  if (n === 2) {
    const [a, b] = points as [Point, Point];
    const overlap = reference.map((r, i) => r - Math.max(a[i] as number, b[i] as number));
    return box(a, reference) + box(b, reference) - overlap.reduce((s, v) => s * v, 1);
  }
  const sorted = [...points].sort((a, b) => (a[0] as number) - (b[0] as number));
  let volume = 0;
  for (let i = 0; i < n; i++) {
    volume += exclusive(sorted[i] as Point, sorted.slice(i + 1), reference);
  }
  return volume;
}

/** The part of `point`'s box that none of `rest` (sorted by the first coordinate) covers. */
function exclusive(point: Point, rest: readonly Point[], reference: Point): number {
  let volume = box(point, reference);
  const limited = limit(point, rest);
  if (limited.length === 1) volume -= box(limited[0] as Point, reference);
  else if (limited.length > 1) volume -= wfg(limited, reference);
  return volume;
}

/**
 * `rest` pushed up to `point` in every coordinate, keeping (of the points still sorted by the
 * first coordinate) only those not dominated by the last one kept: almost the Pareto set,
 * which is enough for an exact volume.
 */
function limit(point: Point, rest: readonly Point[]): Point[] {
  const pushed = rest.map((q) => q.map((v, i) => Math.max(v, point[i] as number)));
  if (pushed.length <= 1) return pushed;
  const kept: Point[] = [pushed[0] as Point];
  let left = 0;
  for (let right = 1; right < pushed.length; right++) {
    const l = pushed[left] as Point;
    const r = pushed[right] as Point;
    if (l.some((v, i) => v > (r[i] as number))) {
      left = right;
      kept.push(r);
    }
  }
  return kept;
}
