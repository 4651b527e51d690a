import type { Column, Task } from "../../core/index.js";

/**
 * The task a target column implies: a named positive class or at most two distinct values →
 * binary; more values → regression when numeric, multiclass otherwise. Missing values do not
 * count as a value.
 *
 * @example
 * ```ts
 * inferTask(frame.column("churn"), "Yes"); // "binary"
 * inferTask(numericColumn([1.5, 2, 7.25]), undefined); // "regression"
 * ```
 */
export function inferTask(y: Column, positive: string | undefined): Task {
  if (positive !== undefined) return "binary";
  if (distinctUpTo3(y) <= 2) return "binary";
  return y.kind === "numeric" ? "regression" : "multiclass";
}

/** Distinct non-missing values, counted up to three (all `inferTask` needs to know). */
function distinctUpTo3(column: Column): number {
  const seen = new Set<unknown>();
  const n = column.kind === "categorical" ? column.codes.length : column.values.length;
  for (let i = 0; i < n && seen.size <= 2; i++) {
    const v = column.kind === "categorical" ? column.codes[i] : column.values[i];
    if (v !== null && v !== -1 && !(typeof v === "number" && Number.isNaN(v))) seen.add(v);
  }
  return seen.size;
}
