import { type CellValue, type Column, cellAt, isMissingAt } from "../../core/index.js";
import type { CheckResult } from "./check-types.js";

/**
 * How many failing rows a result lists.
 *
 * @example
 * ```ts
 * result.sample.length <= SAMPLE_SIZE; // true
 * ```
 */
export const SAMPLE_SIZE = 5;

/**
 * Runs a per-row predicate over a column and gathers the result: missing cells are skipped
 * unless `includeMissing` (only `notNull` looks at them), the first {@link SAMPLE_SIZE}
 * failures are sampled as `{ row, value }`.
 *
 * @example
 * ```ts
 * rowCheck("range", "tenure", column, (v) => typeof v === "number" && v >= 0);
 * ```
 */
export function rowCheck(
  check: CheckResult["check"],
  name: string,
  column: Column,
  passes: (value: CellValue, row: number) => boolean,
  includeMissing = false,
): CheckResult {
  const n = column.kind === "categorical" ? column.codes.length : column.values.length;
  let failing = 0;
  const sample: Record<string, CellValue>[] = [];
  for (let row = 0; row < n; row++) {
    if (!includeMissing && isMissingAt(column, row)) continue;
    const value = cellAt(column, row);
    if (passes(value, row)) continue;
    failing++;
    if (sample.length < SAMPLE_SIZE) sample.push({ row, value });
  }
  return { check, column: name, passed: failing === 0, failingRows: failing, sample };
}

/**
 * The rows whose value occurs more than once (missing values ignored), as a predicate for
 * {@link rowCheck}.
 *
 * @example
 * ```ts
 * const isUnique = uniqueRows(column); isUnique(0);
 * ```
 */
export function uniqueRows(column: Column): (row: number) => boolean {
  if (column.kind === "categorical") {
    const counts = new Int32Array(column.categories.length);
    for (const code of column.codes) if (code >= 0) counts[code] = (counts[code] as number) + 1;
    return (row) => (counts[column.codes[row] as number] as number) <= 1;
  }
  const counts = new Map<CellValue, number>();
  const n = column.values.length;
  for (let row = 0; row < n; row++) {
    if (isMissingAt(column, row)) continue;
    const value = cellAt(column, row);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return (row) => (counts.get(cellAt(column, row)) ?? 0) <= 1;
}

/**
 * Milliseconds from a duration: a number of ms, or `<n><unit>` with unit `ms`, `s`, `m`,
 * `h`, `d` or `w`; `undefined` when the text is not a duration.
 *
 * @example
 * ```ts
 * parseDuration("36h"); // 129600000
 * ```
 */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === "number") return value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(value);
  if (!match) return undefined;
  const unit = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[match[2] as "ms"];
  return Number(match[1]) * unit;
}
