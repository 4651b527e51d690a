import {
  booleanColumn,
  type Column,
  type ColumnKind,
  categoricalFromValues,
  describeValue,
  KeelError,
  numericColumn,
  stringColumn,
  timestampColumn,
} from "../core/index.js";

/**
 * A text column is categorical when it has at most this many distinct values (and see
 * {@link CATEGORICAL_MAX_RATIO}); otherwise it stays a string column.
 *
 * @example
 * ```ts
 * inferTextKind(ids); // "string" when ids has more than CATEGORICAL_MAX_DISTINCT distinct values
 * ```
 */
export const CATEGORICAL_MAX_DISTINCT = 1000;

/**
 * ...and when its distinct values are at most this share of its non-missing values, so that
 * ids and free text (almost every value distinct) stay strings.
 *
 * @example
 * ```ts
 * inferTextKind(["a", "b", "a", "b"]); // "categorical": 2 distinct ≤ 0.5 × 4
 * ```
 */
export const CATEGORICAL_MAX_RATIO = 0.5;

/**
 * Names a row in error messages: `data.csv:12` for files, `query row 12` for queries.
 *
 * @example
 * ```ts
 * const locate: RowLocator = (row) => ({ where: `data.csv:${row + 2}`, line: row + 2, record: row });
 * ```
 */
export type RowLocator = (row: number) => { where: string; line?: number; record: number };

/**
 * Turns a column of text (`null` missing) into a typed column. With a declared kind every
 * value must fit it, and the first that does not raises `KEEL_ERR_TYPE_MISMATCH` with its
 * location. Without one the kind is inferred:
 *
 * - `numeric` when every value is a number, for text read from files (`options.numbers`:
 *   DuckDB types clean numeric columns itself, so this catches those with missing-value
 *   tokens such as `NA`); text from databases stays text;
 * - `boolean` when every value is `true` or `false` (any case). `Yes`/`No` stay categorical,
 *   because the text carries the labels a model's positive class names.
 * - `timestamp` when every value is an ISO 8601 date or date-time (`2026-01-02`,
 *   `2026-01-02 10:00:00`, `2026-01-02T10:00:00Z`), mixed as they may be;
 * - `categorical` when the number of distinct values is at most {@link CATEGORICAL_MAX_DISTINCT}
 *   and at most {@link CATEGORICAL_MAX_RATIO} of the non-missing values;
 * - `string` otherwise (ids, free text). An all-missing column is a string column.
 *
 * @example
 * ```ts
 * textToColumn("plan", ["basic", "pro", "pro", "basic"]).kind;             // "categorical"
 * textToColumn("age", ["31", "x"], "numeric", (r) => ({ where: `f.csv:${r + 2}`, record: r }));
 * // throws KEEL_ERR_TYPE_MISMATCH "f.csv:3: column 'age' expected a numeric value. Got 'x' instead."
 * ```
 */
export function textToColumn(
  name: string,
  values: readonly (string | null)[],
  declared?: ColumnKind,
  locate: RowLocator = (row) => ({ where: `row ${row}`, record: row }),
  options: { numbers?: boolean; nan?: boolean } = {},
): Column {
  const kind = declared ?? inferTextKind(values, options);
  const nan = options.nan === true;
  const fail = (row: number, value: string): never => {
    const location = locate(row);
    const reason = whyNotKind(kind, value);
    throw new KeelError(
      "KEEL_ERR_TYPE_MISMATCH",
      `${location.where}: column '${name}' expected a ${kind} value. Got ${describeValue(value)} instead${reason ? ` (${reason})` : ""}.`,
      {
        details: {
          location: location.where,
          line: location.line,
          record: location.record,
          column: name,
          expected: kind,
          got: value,
          ...(reason ? { reason } : {}),
        },
      },
    );
  };
  switch (kind) {
    case "numeric": {
      const out = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const text = values[i] ?? null;
        out[i] = text === null ? Number.NaN : (parseNumber(text, nan) ?? fail(i, text));
      }
      return numericColumn(out);
    }
    case "boolean": {
      const out = new Int8Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const text = values[i] ?? null;
        out[i] = text === null ? -1 : (parseBoolean(text) ?? fail(i, text));
      }
      return booleanColumn(out);
    }
    case "timestamp": {
      const out = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const text = values[i] ?? null;
        out[i] = text === null ? Number.NaN : (parseTimestamp(text) ?? fail(i, text));
      }
      return timestampColumn(out);
    }
    case "categorical":
      return categoricalFromValues(values);
    case "string":
      return stringColumn(values);
  }
}

/**
 * The kind inferred for a column of text (see {@link textToColumn} for the rule).
 *
 * @example
 * ```ts
 * inferTextKind(["TRUE", "false", null]); // "boolean"
 * ```
 */
export function inferTextKind(
  values: readonly (string | null)[],
  options: { numbers?: boolean; nan?: boolean } = {},
): ColumnKind {
  const nan = options.nan === true;
  const distinct = new Set<string>();
  let present = 0;
  let allBoolean = true;
  let allNumbers = options.numbers === true;
  let allTimestamps = true;
  for (const value of values) {
    if (value === null) continue;
    present++;
    if (allBoolean) {
      const lower = value.toLowerCase();
      allBoolean = lower === "true" || lower === "false";
    }
    if (allNumbers) allNumbers = parseNumber(value, nan) !== undefined;
    // Shape, not calendar: a column of dates with a 2024-02-30 in it is a date column with a
    // bad value (an error naming its line), not text. A leap second (23:59:60) is a real
    // time no timestamp can hold: such a column stays text, as pandas keeps it.
    if (allTimestamps) {
      const trimmed = value.trim();
      allTimestamps = TIMESTAMP_SHAPE.test(trimmed) && !LEAP_SECOND.test(trimmed);
    }
    if (distinct.size <= CATEGORICAL_MAX_DISTINCT) distinct.add(value);
  }
  if (present === 0) return "string";
  if (allBoolean) return "boolean";
  if (allNumbers) return "numeric";
  if (allTimestamps) return "timestamp";
  return distinct.size <= CATEGORICAL_MAX_DISTINCT &&
    distinct.size <= Math.max(1, CATEGORICAL_MAX_RATIO * present)
    ? "categorical"
    : "string";
}

/**
 * Parses a decimal or scientific number, or `inf` spelled as pandas writes it; `undefined`
 * when the text is not a number a float64 holds as written. `NaN`/`nan` are numbers only
 * when `nan` is set (PostgreSQL's float `NaN` is a value); in files pandas reads them as
 * missing by default and as text with `keep_default_na=False`, never as a number. A
 * finite-looking number beyond the float64 range (`1e309`) is not a number either: it would
 * read as Infinity, and pandas keeps it as text.
 *
 * @example
 * ```ts
 * parseNumber(" 1.5e3 "); // 1500
 * parseNumber("abc");     // undefined
 * parseNumber("1e309");   // undefined
 * parseNumber("NaN", true); // NaN
 * ```
 */
export function parseNumber(text: string, nan = false): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const lower = trimmed.toLowerCase();
  // Only the spellings PostgreSQL writes; 'NAN' or '+nan' is text to pandas.
  if (nan && (trimmed === "NaN" || trimmed === "nan")) return Number.NaN;
  if (lower === "inf" || lower === "+inf" || lower === "infinity") return Number.POSITIVE_INFINITY;
  if (lower === "-inf" || lower === "-infinity") return Number.NEGATIVE_INFINITY;
  if (!NUMBER_TEXT.test(trimmed)) return undefined;
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return undefined;
  // A float64 holds every integer only up to 2^53: a longer id would silently become its
  // neighbour (9007199254740993 → …992), so such integers are not numbers to keel.
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER && INTEGER_TEXT.test(trimmed)) return undefined;
  return value;
}

const INTEGER_TEXT = /^[+-]?\d+\.?$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * True when the text is an integer a float64 cannot hold exactly (beyond ±2^53 − 1), which
 * {@link parseNumber} refuses.
 *
 * @example
 * ```ts
 * isUnsafeIntegerText("9007199254740993"); // true
 * isUnsafeIntegerText("1e20");             // false: written as a float, read as one
 * ```
 */
export function isUnsafeIntegerText(text: string): boolean {
  const trimmed = text.trim();
  return INTEGER_TEXT.test(trimmed) && Math.abs(Number(trimmed)) > Number.MAX_SAFE_INTEGER;
}

/** Why a value that failed a declared kind failed it, when there is more to say than "not a …". */
function whyNotKind(kind: ColumnKind, value: string): string | undefined {
  if (kind === "numeric" && isUnsafeIntegerText(value)) {
    return "an integer beyond ±2^53 cannot be held exactly as a number; declare the column string";
  }
  if (kind === "numeric" && NUMBER_TEXT.test(value.trim())) {
    return "beyond the largest float64 (about 1.8e308), it would read as Infinity; declare the column string";
  }
  if (kind === "timestamp" && LEAP_SECOND.test(value.trim())) {
    return "a leap second, which a timestamp cannot hold; declare the column string to keep it";
  }
  if (kind === "timestamp" && TIMESTAMP_SHAPE.test(value.trim())) {
    return "no such date or time";
  }
  return undefined;
}

/**
 * Parses `true/false`, `t/f`, `yes/no`, `y/n`, `1/0` (any case) to 1 or 0; `undefined` otherwise.
 *
 * @example
 * ```ts
 * parseBoolean("Yes"); // 1
 * ```
 */
export function parseBoolean(text: string): 1 | 0 | undefined {
  switch (text.trim().toLowerCase()) {
    case "true":
    case "t":
    case "yes":
    case "y":
    case "1":
      return 1;
    case "false":
    case "f":
    case "no":
    case "n":
    case "0":
      return 0;
    default:
      return undefined;
  }
}

/**
 * ISO 8601 dates and date-times as keel reads them: `2026-01-02`, `2026-01-02 10:00`,
 * `2026-01-02T10:00:00.123`, with an optional zone (`Z`, `+05:00`, `+0530`, `+05`).
 */
const TIMESTAMP_SHAPE =
  /^(-?\d{4,6})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The clock reading of a leap second, `23:59:60` (UTC, or local at any offset: `…59:60`). */
const LEAP_SECOND = /[ T]\d{2}:59:60(?:\.\d+)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses an ISO 8601 date or date-time to epoch milliseconds. A date-time without a zone is
 * read as UTC (as DuckDB and PostgreSQL's `timestamp` mean it), never as local time; an
 * offset is honoured; years before 1 are astronomical (`-0043` is 44 BC) and `infinity` is
 * ±Infinity, as PostgreSQL writes them. A date that does not exist (`2024-02-30`, `2023-02-29`, hour 25)
 * or an offset no clock has (`+99:99`) is `undefined`, never rolled over into the next month as `Date.parse` would.
 *
 * @example
 * ```ts
 * parseTimestamp("2026-01-02 03:04:05");       // Date.UTC(2026, 0, 2, 3, 4, 5)
 * parseTimestamp("2026-01-02T03:04:05+01:00"); // Date.UTC(2026, 0, 2, 2, 4, 5)
 * parseTimestamp("2024-02-30");                // undefined
 * ```
 */
export function parseTimestamp(text: string): number | undefined {
  const trimmed = text.trim();
  // PostgreSQL's and pandas' spellings of the timestamps past either end of time.
  if (/^\+?infinity$/i.test(trimmed)) return Number.POSITIVE_INFINITY;
  if (/^-infinity$/i.test(trimmed)) return Number.NEGATIVE_INFINITY;
  const match = TIMESTAMP_SHAPE.exec(trimmed);
  if (!match) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > days) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  // Milliseconds are what a timestamp column holds; finer digits are cut, as pandas' ns are.
  date.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, "0")));
  const offset = zoneOffsetMs(zone);
  return offset === undefined ? undefined : date.getTime() - offset;
}

/** The zone's offset from UTC; `undefined` for one no clock has (`+99:99`), as pandas refuses. */
function zoneOffsetMs(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes) * 60_000;
}
