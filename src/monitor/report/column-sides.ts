import { type Column, type Frame, KeelError } from "../../core/index.js";
import type { ColumnSummary, ReferenceProfile } from "../profile/index.js";
import { profileStd } from "../profile/index.js";
import { populationStd } from "../stat-tests/index.js";

/**
 * One side of a numeric column as the report uses it: the non-missing values sorted (all of
 * them, or the profile's reservoir sample), how many rows there were and which were missing,
 * and the exact range and population standard deviation.
 */
export interface NumericSide {
  readonly kind: "numeric";
  readonly sorted: Float64Array;
  readonly rows: number;
  readonly missing: number;
  readonly count: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/** One side of a categorical (or boolean) column: exact category counts. */
export interface CategoricalSide {
  readonly kind: "categorical";
  readonly counts: Map<string, number>;
  readonly rows: number;
  readonly missing: number;
  readonly count: number;
}

/** One side of a column. */
export type Side = NumericSide | CategoricalSide;

/** The kind a column is compared as, or undefined for kinds the report skips. */
export function comparedKind(column: Column): "numeric" | "categorical" | undefined {
  if (column.kind === "numeric") return "numeric";
  if (column.kind === "categorical" || column.kind === "boolean") return "categorical";
  return undefined;
}

/**
 * A column of a frame as a report side (values copied and sorted once).
 *
 * @example
 * ```ts
 * const side = sideOfColumn(frame.column("tenure"));
 * ```
 */
export function sideOfColumn(column: Column): Side | undefined {
  if (column.kind === "numeric") {
    const v = column.values;
    const out = new Float64Array(v.length);
    let k = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as number;
      // ±Infinity counts as missing, as Evidently replaces it with NaN before testing.
      if (!Number.isFinite(x)) continue;
      out[k++] = x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const sorted = out.subarray(0, k).sort();
    let sum = 0;
    for (let i = 0; i < k; i++) sum += sorted[i] as number;
    return {
      kind: "numeric",
      sorted,
      rows: v.length,
      missing: v.length - k,
      count: k,
      mean: k ? sum / k : Number.NaN,
      std: k ? populationStd(sorted) : Number.NaN,
      min,
      max,
    };
  }
  if (column.kind === "categorical") {
    const tally = new Float64Array(column.categories.length);
    let missing = 0;
    for (const c of column.codes) {
      if (c < 0) missing++;
      else tally[c] = (tally[c] as number) + 1;
    }
    const counts = new Map<string, number>();
    column.categories.forEach((name, i) => {
      const n = tally[i] as number;
      if (n > 0) counts.set(name, (counts.get(name) ?? 0) + n);
    });
    const rows = column.codes.length;
    return { kind: "categorical", counts, rows, missing, count: rows - missing };
  }
  if (column.kind === "boolean") {
    let t = 0;
    let f = 0;
    for (const x of column.values) {
      if (x === 1) t++;
      else if (x === 0) f++;
    }
    const counts = new Map<string, number>();
    if (t) counts.set("true", t);
    if (f) counts.set("false", f);
    return {
      kind: "categorical",
      counts,
      rows: column.values.length,
      missing: column.values.length - t - f,
      count: t + f,
    };
  }
  return undefined;
}

/**
 * A profile's column summary as a report side: numeric tests run on its reservoir sample.
 *
 * @example
 * ```ts
 * const side = sideOfSummary(profile.columns.tenure!, profile.rows);
 * ```
 */
export function sideOfSummary(summary: ColumnSummary, rows: number): Side {
  if (summary.kind === "numeric") {
    return {
      kind: "numeric",
      sorted: summary.reservoir.slice().sort(),
      rows,
      missing: summary.missing,
      count: summary.count,
      mean: summary.mean,
      std: profileStd(summary),
      min: summary.min,
      max: summary.max,
    };
  }
  return {
    kind: "categorical",
    counts: new Map(Object.entries(summary.counts)),
    rows,
    missing: summary.missing,
    count: summary.count,
  };
}

/**
 * The reference's columns by name, from a frame or a profile, with the rows it stands for.
 *
 * @example
 * ```ts
 * const { names, side, rows } = referenceColumns(profile);
 * ```
 */
export function referenceColumns(reference: Frame | ReferenceProfile): {
  names: string[];
  rows: number;
  side(name: string): Side | undefined;
} {
  if ("profileVersion" in reference) {
    return {
      names: Object.keys(reference.columns),
      rows: reference.rows,
      side: (name) => {
        const s = reference.columns[name];
        return s ? sideOfSummary(s, reference.rows) : undefined;
      },
    };
  }
  return {
    names: reference.columnNames.filter((n) => comparedKind(reference.column(n)) !== undefined),
    rows: reference.nRows,
    side: (name) => sideOfColumn(reference.column(name)),
  };
}

/**
 * Checks the current frame has every compared column with the reference's kind: one error
 * naming every missing column, or the first column whose kind changed.
 *
 * @example
 * ```ts
 * checkCurrentColumns(current, [["tenure", "numeric"]]);
 * ```
 */
export function checkCurrentColumns(
  current: Frame,
  expected: readonly (readonly [string, "numeric" | "categorical"])[],
): void {
  const missing = expected.filter(([n]) => !current.has(n)).map(([n]) => n);
  if (missing.length > 0) {
    throw new KeelError(
      "KEEL_ERR_SCHEMA_MISMATCH",
      `The current data lacks ${missing.length} column(s) of the reference: ${missing.map((m) => `'${m}'`).join(", ")}.`,
      { details: { missing } },
    );
  }
  for (const [name, kind] of expected) {
    const actual = current.column(name).kind;
    const compared = comparedKind(current.column(name));
    if (compared !== kind) {
      throw new KeelError(
        "KEEL_ERR_COLUMN_KIND",
        `Column '${name}' is ${kind} in the reference but ${actual} in the current data; compare data of the same kind (check how the current file was read).`,
        { details: { column: name, expected: kind, actual } },
      );
    }
  }
}
