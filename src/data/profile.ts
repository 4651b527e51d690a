import {
  type CategoricalColumn,
  type Column,
  type ColumnKind,
  compareStrings,
  type Frame,
} from "../core/index.js";
import { isUnsafeIntegerText } from "./infer-kind.js";
import { BUCKET_TABLE_SIZE, type DistinctWorkspace, type NumericSummary } from "./numeric-stats.js";
import { summarizeNumericColumns } from "./profile-threads.js";

/**
 * The 5/25/50/75/95 % quantiles of a column (epoch ms for timestamps).
 *
 * @example
 * ```ts
 * // { p05: 1, p25: 9, p50: 29, p75: 55, p95: 72 }  (Telco tenure)
 * ```
 */
export interface QuantileProfile {
  readonly p05: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p95: number;
}

/**
 * One of the most frequent values of a column and how often it occurs.
 *
 * @example
 * ```ts
 * // { value: "Month-to-month", count: 3875 }
 * ```
 */
export interface TopValue {
  readonly value: string | boolean;
  readonly count: number;
}

/**
 * The profile of one column. Statistics that do not apply to the kind are `null`: numeric
 * columns have min/max/mean/std/quantiles; timestamps min/max/quantiles (epoch ms);
 * booleans `mean` (the share of `true`) and `top`; categoricals and strings `top`.
 *
 * @example
 * ```ts
 * const tenure = profileFrame(frame).columns.find((c) => c.name === "tenure");
 * tenure?.quantiles?.p50; // 29
 * ```
 */
export interface ColumnProfile {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly missing: number;
  readonly distinct: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly std: number | null;
  readonly quantiles: QuantileProfile | null;
  /** Up to {@link TOP_VALUES} most frequent values, most frequent first (ties by value). */
  readonly top: readonly TopValue[] | null;
  /**
   * Why the column has the kind it has, when a reader would not guess it: a column of
   * integers beyond ±2^53 is text because a float64 would round them.
   */
  readonly note?: string;
}

/**
 * The profile of a frame: its row count and one {@link ColumnProfile} per column.
 *
 * @example
 * ```ts
 * const { rows, columns } = profileFrame(frame);
 * ```
 */
export interface FrameProfile {
  readonly rows: number;
  readonly columns: readonly ColumnProfile[];
}

/**
 * How many most frequent values a profile lists per column.
 *
 * @example
 * ```ts
 * (column.top?.length ?? 0) <= TOP_VALUES; // true
 * ```
 */
export const TOP_VALUES = 5;

/**
 * Profiles every column of a frame: kind, missing and distinct counts, min, max, mean,
 * sample standard deviation, the 5/25/50/75/95 % quantiles (linear interpolation, as
 * pandas' `describe`) and the most frequent values. Numeric work is linear per column
 * (selection, not sorting), reuses one scratch buffer across columns, and on large frames runs
 * two columns at a time (a helper thread takes every other one).
 *
 * @example
 * ```ts
 * const profile = profileFrame(await readFrame("data/telco_churn.csv"));
 * profile.rows;                              // 7043
 * profile.columns.find((c) => c.name === "tenure")?.quantiles?.p50; // 29
 * ```
 */
export function profileFrame(frame: Frame): FrameProfile {
  const entries = frame.entries();
  const numeric = entries.flatMap(([, column]) =>
    column.kind === "numeric" || column.kind === "timestamp" ? [column.values] : [],
  );
  const workspace: DistinctWorkspace = {
    partition: new Float64Array(numeric.length > 0 ? frame.nRows : 0),
    table: new Float64Array(BUCKET_TABLE_SIZE),
  };
  const summaries = summarizeNumericColumns(
    numeric,
    new Float64Array(numeric.length > 0 ? frame.nRows : 0),
    workspace,
  );
  let next = 0;
  const columns = entries.map(([name, column]): ColumnProfile => {
    if (column.kind === "numeric" || column.kind === "timestamp")
      return fromSummary(name, column.kind, summaries[next++] as NumericSummary);
    return profileLabels(name, column);
  });
  return { rows: frame.nRows, columns };
}

function fromSummary(name: string, kind: ColumnKind, s: NumericSummary): ColumnProfile {
  const q = s.quantiles;
  return {
    name,
    kind,
    missing: s.missing,
    distinct: s.distinct,
    min: s.min,
    max: s.max,
    mean: kind === "timestamp" ? null : s.mean,
    std: kind === "timestamp" ? null : s.std,
    quantiles:
      q === null
        ? null
        : {
            p05: q[0] as number,
            p25: q[1] as number,
            p50: q[2] as number,
            p75: q[3] as number,
            p95: q[4] as number,
          },
    top: null,
  };
}

function profileLabels(
  name: string,
  column: Exclude<Column, { kind: "numeric" | "timestamp" }>,
): ColumnProfile {
  const { counts, missing } = countLabels(column);
  let trues = 0;
  let present = 0;
  for (const [value, count] of counts) {
    present += count;
    if (value === true) trues = count;
  }
  const top = [...counts]
    .sort((a, b) => b[1] - a[1] || compareStrings(String(a[0]), String(b[0])))
    .slice(0, TOP_VALUES)
    .map(([value, count]) => ({ value, count }));
  const note = column.kind === "boolean" ? undefined : unsafeIntegerNote(counts.keys());
  return {
    ...(note ? { note } : {}),
    name,
    kind: column.kind,
    missing,
    distinct: counts.size,
    min: null,
    max: null,
    mean: column.kind === "boolean" && present > 0 ? trues / present : null,
    std: null,
    quantiles: null,
    top,
  };
}

/** The note for a text column of integers some of which a float64 cannot hold exactly. */
function unsafeIntegerNote(values: Iterable<string | boolean>): string | undefined {
  let unsafe = 0;
  for (const value of values) {
    if (typeof value !== "string" || !/^\s*[+-]?\d+\s*$/.test(value)) return undefined;
    if (isUnsafeIntegerText(value)) unsafe++;
  }
  return unsafe > 0
    ? `integers kept as text: ${unsafe} distinct value${unsafe > 1 ? "s are" : " is"} beyond ±2^53, which a float64 would round`
    : undefined;
}

function countLabels(column: Exclude<Column, { kind: "numeric" | "timestamp" }>): {
  counts: Map<string | boolean, number>;
  missing: number;
} {
  const counts = new Map<string | boolean, number>();
  let missing = 0;
  switch (column.kind) {
    case "categorical":
      return countCodes(column);
    case "boolean":
      for (const v of column.values) {
        if (v < 0) missing++;
        else counts.set(v === 1, (counts.get(v === 1) ?? 0) + 1);
      }
      return { counts, missing };
    case "string":
      for (const v of column.values) {
        if (v === null) missing++;
        else counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      return { counts, missing };
  }
}

function countCodes(column: CategoricalColumn): {
  counts: Map<string | boolean, number>;
  missing: number;
} {
  const perCode = new Float64Array(column.categories.length);
  let missing = 0;
  for (const code of column.codes) {
    if (code < 0) missing++;
    else perCode[code] = (perCode[code] as number) + 1;
  }
  const counts = new Map<string | boolean, number>();
  column.categories.forEach((label, code) => {
    const count = perCode[code] as number;
    if (count > 0) counts.set(label, count);
  });
  return { counts, missing };
}
