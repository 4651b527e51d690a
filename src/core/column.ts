import { KeelError } from "./errors.js";

/** The five kinds of column a {@link Frame} holds. */
export type ColumnKind = "numeric" | "categorical" | "boolean" | "timestamp" | "string";

/** Numbers as `Float64Array`; `NaN` marks a missing value. */
export interface NumericColumn {
  readonly kind: "numeric";
  readonly values: Float64Array;
}

/** Dictionary-encoded strings: `codes[i]` indexes `categories`; `-1` marks a missing value. */
export interface CategoricalColumn {
  readonly kind: "categorical";
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

/** Booleans as `Int8Array`: `1` true, `0` false, `-1` missing. */
export interface BooleanColumn {
  readonly kind: "boolean";
  readonly values: Int8Array;
}

/** Instants as milliseconds since the Unix epoch (UTC) in a `Float64Array`; `NaN` is missing. */
export interface TimestampColumn {
  readonly kind: "timestamp";
  readonly values: Float64Array;
}

/** Free text that is not worth a dictionary (ids, comments); `null` is missing. */
export interface StringColumn {
  readonly kind: "string";
  readonly values: readonly (string | null)[];
}

/** Any column of a {@link Frame}. Discriminate on `kind`. */
export type Column =
  | NumericColumn
  | CategoricalColumn
  | BooleanColumn
  | TimestampColumn
  | StringColumn;

/** One cell as plain JavaScript: what records, JSON requests and CSV cells carry. */
export type CellValue = number | string | boolean | null;

/**
 * Makes a numeric column, copying array-likes into a `Float64Array` (a `Float64Array` is used as is).
 *
 * @example
 * ```ts
 * const age = numericColumn([31, 45, Number.NaN]);
 * ```
 */
export function numericColumn(values: ArrayLike<number>): NumericColumn {
  return {
    kind: "numeric",
    values: values instanceof Float64Array ? values : Float64Array.from(values),
  };
}

/**
 * Makes a timestamp column from epoch milliseconds (NaN for missing).
 *
 * @example
 * ```ts
 * const at = timestampColumn([Date.parse("2026-01-01T00:00:00Z")]);
 * ```
 */
export function timestampColumn(values: ArrayLike<number>): TimestampColumn {
  return {
    kind: "timestamp",
    values: values instanceof Float64Array ? values : Float64Array.from(values),
  };
}

/**
 * Makes a boolean column from booleans, with `null`/`undefined` as missing.
 *
 * @example
 * ```ts
 * const churned = booleanColumn([true, false, null]);
 * ```
 */
export function booleanColumn(
  values: ArrayLike<boolean | null | undefined> | Int8Array,
): BooleanColumn {
  if (values instanceof Int8Array) return { kind: "boolean", values };
  const out = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === true ? 1 : v === false ? 0 : -1;
  }
  return { kind: "boolean", values: out };
}

/**
 * Makes a string column; `null` is missing.
 *
 * @example
 * ```ts
 * const ids = stringColumn(["7590-VHVEG", null]);
 * ```
 */
export function stringColumn(values: readonly (string | null)[]): StringColumn {
  return { kind: "string", values };
}

/**
 * Makes a categorical column from codes and a dictionary, checking that every code is in range.
 *
 * @example
 * ```ts
 * const plan = categoricalColumn(Int32Array.of(0, 1, -1), ["basic", "pro"]);
 * ```
 */
export function categoricalColumn(
  codes: Int32Array | ArrayLike<number>,
  categories: readonly string[],
): CategoricalColumn {
  const typed = codes instanceof Int32Array ? codes : Int32Array.from(codes);
  for (let i = 0; i < typed.length; i++) {
    const code = typed[i] ?? -1;
    if (code < -1 || code >= categories.length) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `Categorical code at row ${i} must be in [-1, ${categories.length - 1}]. Got ${code} instead.`,
        { details: { row: i, code, categories: categories.length } },
      );
    }
  }
  return { kind: "categorical", codes: typed, categories };
}

/**
 * Dictionary-encodes strings. Categories are sorted (as scikit-learn orders them) unless an
 * explicit dictionary is given, in which case values outside it are an error.
 *
 * @example
 * ```ts
 * const c = categoricalFromValues(["pro", "basic", null, "pro"]);
 * // c.categories = ["basic", "pro"], c.codes = [1, 0, -1, 1]
 * ```
 */
export function categoricalFromValues(
  values: ArrayLike<string | null | undefined>,
  categories?: readonly string[],
): CategoricalColumn {
  const dictionary =
    categories ??
    [...new Set(Array.from(values).filter((v): v is string => v !== null && v !== undefined))].sort(
      compareStrings,
    );
  const index = new Map(dictionary.map((c, i) => [c, i]));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    const code = index.get(v);
    if (code === undefined) {
      throw new KeelError(
        "KEEL_ERR_TYPE_MISMATCH",
        `Value '${v}' at row ${i} is not one of the declared categories.`,
        {
          details: { row: i, value: v, categories: dictionary.slice(0, 20) },
        },
      );
    }
    codes[i] = code;
  }
  return { kind: "categorical", codes, categories: dictionary };
}

/**
 * Compares strings by Unicode code points, the order Python and NumPy use for `sorted()` and
 * `np.unique` (and UTF-8 byte order, as DuckDB and PostgreSQL's C collation sort). JavaScript's
 * `<` compares UTF-16 code units instead, which differs when a character above U+FFFF (a
 * surrogate pair, such as an emoji) meets one in U+E000–U+FFFF (such as U+FF01 '！').
 * (`localeCompare` would differ from scikit-learn on case and accents.)
 *
 * @example
 * ```ts
 * ["b", "B", "a"].sort(compareStrings); // ["B", "a", "b"]
 * ["😀", "！"].sort(compareStrings); // ["！", "😀"] (U+FF01 < U+1F600)
 * ```
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * Reorders UTF-16 code units so that comparing them compares code points: surrogates (which
 * only start characters above U+FFFF) move above U+E000–U+FFFF.
 */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * The number of rows in a column.
 *
 * @example
 * ```ts
 * columnLength(numericColumn([1, 2])); // 2
 * ```
 */
export function columnLength(column: Column): number {
  return column.kind === "categorical" ? column.codes.length : column.values.length;
}

/**
 * True when row `i` of the column is missing.
 *
 * @example
 * ```ts
 * isMissingAt(numericColumn([Number.NaN]), 0); // true
 * ```
 */
export function isMissingAt(column: Column, i: number): boolean {
  switch (column.kind) {
    case "numeric":
    case "timestamp":
      return Number.isNaN(column.values[i]);
    case "categorical":
      return column.codes[i] === -1;
    case "boolean":
      return column.values[i] === -1;
    case "string":
      return column.values[i] === null;
  }
}

/**
 * Row `i` of a column as a plain value: numbers for numeric and timestamp (ms), the category
 * string, a boolean, the string, or `null` when missing.
 *
 * @example
 * ```ts
 * cellAt(categoricalFromValues(["a", "b"]), 1); // "b"
 * ```
 */
export function cellAt(column: Column, i: number): CellValue {
  switch (column.kind) {
    case "numeric":
    case "timestamp": {
      const v = column.values[i] ?? Number.NaN;
      return Number.isNaN(v) ? null : v;
    }
    case "categorical": {
      const code = column.codes[i] ?? -1;
      return code < 0 ? null : (column.categories[code] ?? null);
    }
    case "boolean": {
      const v = column.values[i] ?? -1;
      return v < 0 ? null : v === 1;
    }
    case "string":
      return column.values[i] ?? null;
  }
}

/**
 * Gathers the rows at `indices` (in that order, repeats allowed) into a new column.
 *
 * @example
 * ```ts
 * takeRows(numericColumn([10, 20, 30]), [2, 0]).values; // Float64Array [30, 10]
 * ```
 */
export function takeRows(column: Column, indices: ArrayLike<number>): Column {
  const n = indices.length;
  switch (column.kind) {
    case "numeric":
    case "timestamp": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = column.values[indices[i] as number] ?? Number.NaN;
      return { kind: column.kind, values: out };
    }
    case "categorical": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = column.codes[indices[i] as number] ?? -1;
      return { kind: "categorical", codes: out, categories: column.categories };
    }
    case "boolean": {
      const out = new Int8Array(n);
      for (let i = 0; i < n; i++) out[i] = column.values[indices[i] as number] ?? -1;
      return { kind: "boolean", values: out };
    }
    case "string": {
      const out: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = column.values[indices[i] as number] ?? null;
      return { kind: "string", values: out };
    }
  }
}

/**
 * The number of missing values in a column.
 *
 * @example
 * ```ts
 * countMissing(numericColumn([1, Number.NaN])); // 1
 * ```
 */
export function countMissing(column: Column): number {
  const n = columnLength(column);
  let missing = 0;
  for (let i = 0; i < n; i++) if (isMissingAt(column, i)) missing++;
  return missing;
}

/**
 * The bytes a column's values occupy in memory (typed arrays exactly; strings estimated at two
 * bytes per character plus a pointer), used for memory budgets and benchmarks.
 *
 * @example
 * ```ts
 * columnBytes(numericColumn(new Float64Array(10))); // 80
 * ```
 */
export function columnBytes(column: Column): number {
  switch (column.kind) {
    case "numeric":
    case "timestamp":
    case "boolean":
      return column.values.byteLength;
    case "categorical":
      return column.codes.byteLength + column.categories.reduce((s, c) => s + 8 + 2 * c.length, 0);
    case "string":
      return column.values.reduce((s, v) => s + 8 + 2 * (v?.length ?? 0), 0);
  }
}
