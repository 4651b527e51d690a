import type { MetricRow } from "../store/index.js";
import type { Metric } from "./types.js";

/**
 * Encodes a metric value for storage: NaN becomes 0 with `is_nan = 1` (SQLite turns NaN into
 * NULL); ±Infinity is stored as is (both SQLite REAL and PostgreSQL double hold it).
 *
 * @example
 * ```ts
 * encodeMetricValue(Number.NaN); // { value: 0, is_nan: 1 }
 * ```
 */
export function encodeMetricValue(value: number): { value: number; is_nan: number } {
  return Number.isNaN(value) ? { value: 0, is_nan: 1 } : { value, is_nan: 0 };
}

/**
 * Decodes a stored metric row.
 *
 * @example
 * ```ts
 * decodeMetric({ run_uuid: "r", key: "loss", value: 0, is_nan: 1, step: 0, timestamp: 0 }).value; // NaN
 * ```
 */
export function decodeMetric(
  row: Pick<MetricRow, "key" | "value" | "is_nan" | "step" | "timestamp">,
): Metric {
  return {
    key: row.key,
    value: Number(row.is_nan) === 1 ? Number.NaN : Number(row.value),
    timestamp: Number(row.timestamp),
    step: Number(row.step),
  };
}

/**
 * MLflow's "latest metric" order: `a` replaces `b` iff (step, timestamp, value) of `a` is
 * lexicographically greater (stored values compared, NaN as 0).
 *
 * @example
 * ```ts
 * isNewerMetric({ step: 2, timestamp: 1, value: 0 }, { step: 1, timestamp: 9, value: 5 }); // true
 * ```
 */
export function isNewerMetric(
  a: { step: number; timestamp: number; value: number },
  b: { step: number; timestamp: number; value: number },
): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}
