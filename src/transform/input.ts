import {
  type CellValue,
  type Column,
  closestNames,
  columnNotFound,
  compareStrings,
  describeValue,
  type Frame,
  type FrameRecord,
  KeelError,
} from "../core/index.js";

/**
 * Reads a column as numbers for a numeric transformer. Numeric columns are used as they are;
 * booleans become 1/0 (NaN when missing). Anything else is a `KEEL_ERR_COLUMN_KIND` error that
 * names the estimator, the column and what it expected.
 *
 * @example
 * ```ts
 * const tenure = numericInput(frame, "tenure", "StandardScaler");
 * ```
 */
export function numericInput(frame: Frame, name: string, owner: string): Float64Array {
  const column = frame.get(name);
  if (column === undefined) throw missingColumn(frame, name, owner);
  if (column.kind === "numeric") return finiteOrNaN(column.values, name, owner);
  if (column.kind === "boolean") {
    const out = new Float64Array(column.values.length);
    for (let i = 0; i < out.length; i++) {
      const v = column.values[i] as number;
      out[i] = v < 0 ? Number.NaN : v;
    }
    return out;
  }
  throw wrongKind(owner, name, column.kind, "a numeric or boolean column");
}

/**
 * Returns `values` unchanged after checking that none is ±Infinity, as scikit-learn's
 * `check_array` refuses "Input X contains infinity": an infinite value would poison a mean, a
 * variance or a bin edge. NaN (missing) is allowed. The error names the estimator, the
 * column, the first row and the value.
 *
 * @example
 * ```ts
 * finiteOrNaN(frame.numeric("tenure"), "tenure", "StandardScaler");
 * ```
 */
export function finiteOrNaN(values: Float64Array, name: string, owner: string): Float64Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
      throw nonFiniteError(owner, name, v, i, values.length);
    }
  }
  return values;
}

/**
 * The `KEEL_ERR_NON_FINITE` error for ±Infinity in column `name`: the message and `details`
 * name the estimator, the column, the row (of `nRows`; omitted for a single record) and the
 * value. Shared by transforms and models so both refuse infinity in the same words.
 *
 * @example
 * ```ts
 * throw nonFiniteError("LinearRegression", "tenure", Number.POSITIVE_INFINITY, 3, 10);
 * ```
 */
export function nonFiniteError(
  owner: string,
  name: string,
  value: number,
  row?: number,
  nRows?: number,
): KeelError {
  const where = row === undefined ? "" : ` at row ${row} of ${nRows}`;
  return new KeelError(
    "KEEL_ERR_NON_FINITE",
    `${owner}: column '${name}' holds ${value}${where}; expected finite numbers (NaN for missing). Replace or drop infinite values before this step.`,
    {
      details: {
        estimator: owner,
        column: name,
        row: row ?? null,
        rows: nRows ?? null,
        value: String(value),
        expected: "a finite number or NaN",
      },
    },
  );
}

/**
 * Refuses to fit on a frame with no rows, as scikit-learn's `check_array` ("Found array with 0
 * sample(s)"): every statistic of an empty column would be NaN and the fitted state useless.
 *
 * @example
 * ```ts
 * fit(x: Frame) { requireRows(x, this.type); … }
 * ```
 */
export function requireRows(frame: Frame, owner: string): void {
  if (frame.nRows > 0) return;
  const shown = frame.columnNames
    .slice(0, 10)
    .map((c) => `'${c}'`)
    .join(", ");
  throw new KeelError(
    "KEEL_ERR_EMPTY_INPUT",
    `${owner}: cannot fit on 0 rows (columns ${shown || "none"}); fit needs at least 1 row.`,
    {
      details: {
        estimator: owner,
        rows: 0,
        columns: frame.columnNames.slice(0, 100),
        expected: "at least 1 row",
      },
    },
  );
}

/**
 * The error for a column of the wrong kind, naming the estimator, the column and what was expected.
 *
 * @example
 * ```ts
 * throw wrongKind("StandardScaler", "contract", "categorical", "a numeric column");
 * ```
 */
export function wrongKind(owner: string, name: string, got: string, expected: string): KeelError {
  const hint =
    got === "categorical" || got === "string"
      ? " Encode it first (OneHotEncoder, OrdinalEncoder) or route it with selectCategorical()."
      : "";
  return new KeelError(
    "KEEL_ERR_COLUMN_KIND",
    `${owner}: column '${name}' must be ${expected}. Got a ${got} column instead.${hint}`,
    { details: { estimator: owner, column: name, expected, got } },
  );
}

/**
 * The error for a column that the estimator was fitted on but the frame lacks.
 *
 * @example
 * ```ts
 * if (!frame.has("tenure")) throw missingColumn(frame, "tenure", "StandardScaler");
 * ```
 */
export function missingColumn(frame: Frame, name: string, owner: string): KeelError {
  const base = columnNotFound(name, frame.columnNames, owner);
  return new KeelError("KEEL_ERR_COLUMN_NOT_FOUND", base.message, {
    details: { ...base.details, estimator: owner, expected: `a column named '${name}'` },
  });
}

/**
 * Reads one field of a record as a number: `null` is missing (NaN), booleans are 1/0, an absent
 * key or a non-numeric value is an error naming the field.
 *
 * @example
 * ```ts
 * recordNumber({ tenure: 3 }, "tenure", "StandardScaler"); // 3
 * ```
 */
export function recordNumber(record: FrameRecord, name: string, owner: string): number {
  const v = record[name];
  if (typeof v === "number") {
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
      throw nonFiniteError(owner, name, v);
    }
    return v;
  }
  if (v === null) return Number.NaN;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === undefined) throw missingField(record, name, owner);
  throw new KeelError(
    "KEEL_ERR_TYPE_MISMATCH",
    `${owner}: field '${name}' must be a number or null. Got ${describeValue(v)} instead.`,
    { details: { estimator: owner, column: name, expected: "a number or null", got: v } },
  );
}

/**
 * Reads one field of a record as a category key: strings as they are, numbers and booleans as
 * their string form, `null` as missing. An absent key is an error naming the field.
 *
 * @example
 * ```ts
 * recordCategory({ contract: "One year" }, "contract", "OneHotEncoder"); // "One year"
 * ```
 */
export function recordCategory(record: FrameRecord, name: string, owner: string): string | null {
  const v = record[name];
  if (typeof v === "string") return v;
  if (v === null) return null;
  if (typeof v === "number") {
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
      throw nonFiniteError(owner, name, v);
    }
    return Number.isNaN(v) ? null : String(v);
  }
  if (typeof v === "boolean") return String(v);
  throw missingField(record, name, owner);
}

function missingField(record: FrameRecord, name: string, owner: string): KeelError {
  const available = Object.keys(record);
  const suggestions = closestNames(name, available);
  const hint = suggestions.length > 0 ? ` Did you mean '${suggestions[0]}'?` : "";
  return new KeelError(
    "KEEL_ERR_SCHEMA_MISMATCH",
    `${owner}: the record has no field '${name}', which was seen at fit.${hint}`,
    {
      details: {
        estimator: owner,
        column: name,
        expected: `a field named '${name}'`,
        got: available.slice(0, 100),
      },
    },
  );
}

/** A column seen as category codes over a dictionary of string keys. */
export interface CategoryCodes {
  /** Per row: an index into `dictionary`, or -1 when missing. */
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
  /** True when the keys are string forms of numbers (so they sort numerically). */
  readonly numeric: boolean;
}

/**
 * Views any column as category codes: categoricals as they are (no copy), numbers, booleans
 * and strings through a dictionary of their string forms. Timestamps are rejected.
 *
 * @example
 * ```ts
 * const { codes, dictionary } = categoryCodes(frame.column("contract"), "contract", "OneHotEncoder");
 * ```
 */
export function categoryCodes(column: Column, name: string, owner: string): CategoryCodes {
  switch (column.kind) {
    case "categorical":
      return { codes: column.codes, dictionary: column.categories, numeric: false };
    case "boolean": {
      const codes = new Int32Array(column.values.length);
      for (let i = 0; i < codes.length; i++) codes[i] = column.values[i] as number;
      return { codes, dictionary: ["false", "true"], numeric: false };
    }
    case "numeric":
    case "string": {
      if (column.kind === "numeric") finiteOrNaN(column.values, name, owner);
      const index = new Map<CellValue, number>();
      const dictionary: string[] = [];
      const values = column.values;
      const codes = new Int32Array(values.length);
      for (let i = 0; i < codes.length; i++) {
        const v = values[i] ?? null;
        if (v === null || (typeof v === "number" && Number.isNaN(v))) {
          codes[i] = -1;
          continue;
        }
        let code = index.get(v);
        if (code === undefined) {
          code = dictionary.length;
          index.set(v, code);
          dictionary.push(String(v));
        }
        codes[i] = code;
      }
      return { codes, dictionary, numeric: column.kind === "numeric" };
    }
    default:
      throw wrongKind(owner, name, column.kind, "a categorical, string, boolean or numeric column");
  }
}

/**
 * Sorts category keys the way scikit-learn does: numbers by value, strings by code unit.
 *
 * @example
 * ```ts
 * sortCategories(["10", "9"], true); // ["9", "10"]
 * ```
 */
export function sortCategories(keys: readonly string[], numeric: boolean): string[] {
  return numeric ? [...keys].sort((a, b) => Number(a) - Number(b)) : [...keys].sort(compareStrings);
}

/**
 * Maps a frame's dictionary onto the fitted categories: `remap[code]` is the fitted index or -1.
 *
 * @example
 * ```ts
 * remapDictionary(["b", "z"], new Map([["a", 0], ["b", 1]])); // Int32Array [1, -1]
 * ```
 */
export function remapDictionary(
  dictionary: readonly string[],
  fitted: ReadonlyMap<string, number>,
): Int32Array {
  const remap = new Int32Array(dictionary.length);
  for (let i = 0; i < dictionary.length; i++) remap[i] = fitted.get(dictionary[i] as string) ?? -1;
  return remap;
}
