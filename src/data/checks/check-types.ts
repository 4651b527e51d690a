import type { CellValue, ColumnKind } from "../../core/index.js";

/**
 * Every value may be missing (`null` cells pass); missing values fail only `notNull`.
 *
 * @example
 * ```ts
 * { check: "notNull", column: "churn" }
 * ```
 */
export interface NotNullCheck {
  readonly check: "notNull";
  readonly column: string;
}

/**
 * No non-missing value occurs twice; every row holding a repeated value fails.
 *
 * @example
 * ```ts
 * { check: "unique", column: "customer_id" }
 * ```
 */
export interface UniqueCheck {
  readonly check: "unique";
  readonly column: string;
}

/**
 * Values lie in `[min, max]` (either bound optional; ISO strings allowed for timestamps).
 *
 * @example
 * ```ts
 * { check: "range", column: "tenure", min: 0, max: 100 }
 * ```
 */
export interface RangeCheck {
  readonly check: "range";
  readonly column: string;
  readonly min?: number | string;
  readonly max?: number | string;
}

/**
 * Values are among `values`.
 *
 * @example
 * ```ts
 * { check: "allowedValues", column: "churn", values: ["Yes", "No"] }
 * ```
 */
export interface AllowedValuesCheck {
  readonly check: "allowedValues";
  readonly column: string;
  readonly values: readonly (string | number | boolean)[];
}

/**
 * Values (as text) match the regular expression `pattern` (JavaScript syntax) in full.
 *
 * @example
 * ```ts
 * { check: "regex", column: "customer_id", pattern: "\\d{4}-[A-Z]{5}" }
 * ```
 */
export interface RegexCheck {
  readonly check: "regex";
  readonly column: string;
  readonly pattern: string;
  readonly flags?: string;
}

/**
 * The number of rows lies in `[min, max]`.
 *
 * @example
 * ```ts
 * { check: "rowCount", min: 1000 }
 * ```
 */
export interface RowCountCheck {
  readonly check: "rowCount";
  readonly min?: number;
  readonly max?: number;
}

/**
 * The newest timestamp in `column` is at most `maxAge` old: milliseconds, or a duration such
 * as `"90m"`, `"36h"`, `"1d"`, `"2w"`.
 *
 * @example
 * ```ts
 * { check: "freshness", column: "updated_at", maxAge: "1d" }
 * ```
 */
export interface FreshnessCheck {
  readonly check: "freshness";
  readonly column: string;
  readonly maxAge: number | string;
}

/**
 * The frame has these columns with these kinds (a list or a record name → kind); with
 * `exact`, no others.
 *
 * @example
 * ```ts
 * { check: "schema", columns: { tenure: "numeric", churn: "categorical" }, exact: false }
 * ```
 */
export interface SchemaCheck {
  readonly check: "schema";
  readonly columns:
    | readonly { readonly name: string; readonly kind: ColumnKind }[]
    | Readonly<Record<string, ColumnKind>>;
  readonly exact?: boolean;
}

/**
 * A DuckDB query over the data (the table `data`) that returns the failing rows: the check
 * passes when it returns none.
 *
 * @example
 * ```ts
 * { check: "sql", query: "SELECT * FROM data WHERE total_charges < 0" }
 * ```
 */
export interface SqlCheck {
  readonly check: "sql";
  readonly query: string;
}

/**
 * A data-quality check, in the spirit of Great Expectations' expectations, as written in a
 * checks file: `{ "check": "range", "column": "tenure", "min": 0, "max": 100 }`.
 *
 * @example
 * ```ts
 * const checks: DataCheck[] = [
 *   { check: "notNull", column: "customer_id" },
 *   { check: "range", column: "tenure", min: 0, max: 100 },
 *   { check: "allowedValues", column: "churn", values: ["Yes", "No"] },
 *   { check: "rowCount", min: 1000 },
 *   { check: "sql", query: "SELECT * FROM data WHERE total_charges < monthly_charges" },
 * ];
 * ```
 */
export type DataCheck =
  | NotNullCheck
  | UniqueCheck
  | RangeCheck
  | AllowedValuesCheck
  | RegexCheck
  | RowCountCheck
  | FreshnessCheck
  | SchemaCheck
  | SqlCheck;

/**
 * The name of a kind of check: `"notNull"`, `"range"`, ...
 *
 * @example
 * ```ts
 * const name: CheckName = "allowedValues";
 * ```
 */
export type CheckName = DataCheck["check"];

/**
 * The outcome of one check: which check on which column (`null` for checks on the whole
 * frame), whether it passed, how many rows failed and a sample of them (`{ row, value }`
 * with 0-based row numbers; for whole-frame checks, what was found instead).
 *
 * @example
 * ```ts
 * // { check: "range", column: "tenure", passed: false, failingRows: 2,
 * //   sample: [{ row: 17, value: -1 }, { row: 90, value: 240 }] }
 * ```
 */
export interface CheckResult {
  readonly check: CheckName;
  readonly column: string | null;
  readonly passed: boolean;
  readonly failingRows: number;
  readonly sample: readonly Record<string, CellValue>[];
}

/**
 * The outcome of a list of checks: `passed` when every one passed.
 *
 * @example
 * ```ts
 * const { passed, results } = await runChecks(frame, checks);
 * ```
 */
export interface CheckReport {
  readonly passed: boolean;
  readonly results: readonly CheckResult[];
}
