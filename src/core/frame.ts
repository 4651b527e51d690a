import {
  booleanColumn,
  type CategoricalColumn,
  type CellValue,
  type Column,
  type ColumnKind,
  categoricalFromValues,
  cellAt,
  columnBytes,
  columnLength,
  numericColumn,
  stringColumn,
  takeRows,
  timestampColumn,
} from "./column.js";
import { closestNames, describeValue, KeelError } from "./errors.js";

/** One column of a schema: its name, its kind and, for categoricals, an optional fixed dictionary. */
export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly categories?: readonly string[];
}

/** The names and kinds of a frame's columns, in order. */
export type Schema = readonly ColumnSpec[];

/** A plain object holding one row, as JSON requests and `Frame.row` carry it. */
export type FrameRecord = Record<string, CellValue | undefined>;

/**
 * An immutable table of named, typed columns of equal length: the one data structure every
 * keel module passes around. Numeric columns are `Float64Array` with NaN for missing,
 * categoricals are `Int32Array` codes (-1 missing) plus a dictionary, booleans `Int8Array`
 * (-1 missing), timestamps epoch milliseconds, strings arrays with `null` for missing.
 * Operations return new frames and share column buffers instead of copying them.
 *
 * @example
 * ```ts
 * const frame = Frame.fromColumns({
 *   tenure: numericColumn([1, 34, 2]),
 *   contract: categoricalFromValues(["Month-to-month", "One year", "Month-to-month"]),
 * });
 * frame.nRows;               // 3
 * frame.numeric("tenure");   // Float64Array [1, 34, 2]
 * frame.row(1);              // { tenure: 34, contract: "One year" }
 * ```
 */
export class Frame {
  readonly #columns: ReadonlyMap<string, Column>;
  readonly nRows: number;

  private constructor(columns: ReadonlyMap<string, Column>, nRows: number) {
    this.#columns = columns;
    this.nRows = nRows;
  }

  /**
   * Builds a frame from named columns (an object or ordered entries), checking that every
   * column has the same length and no name repeats.
   *
   * @example
   * ```ts
   * Frame.fromColumns([["a", numericColumn([1])], ["b", stringColumn(["x"])]]);
   * ```
   */
  static fromColumns(columns: Record<string, Column> | Iterable<readonly [string, Column]>): Frame {
    const entries = Symbol.iterator in columns ? [...columns] : Object.entries(columns);
    const map = new Map<string, Column>();
    let nRows: number | undefined;
    for (const [name, column] of entries) {
      if (map.has(name)) {
        throw new KeelError(
          "KEEL_ERR_DUPLICATE_COLUMN",
          `Column '${name}' appears twice in the frame.`,
          {
            details: { column: name },
          },
        );
      }
      const length = columnLength(column);
      if (nRows !== undefined && length !== nRows) {
        throw new KeelError(
          "KEEL_ERR_COLUMN_LENGTH",
          `Column '${name}' has ${length} rows but the frame's other columns have ${nRows}.`,
          { details: { column: name, expected: nRows, got: length } },
        );
      }
      nRows = length;
      map.set(name, column);
    }
    return new Frame(map, nRows ?? 0);
  }

  /**
   * Builds a frame from plain row objects. With a schema, values are coerced to its kinds and a
   * value that does not fit names its row and column; without one, kinds are inferred per
   * column (numbers → numeric, booleans → boolean, strings → categorical).
   *
   * @example
   * ```ts
   * Frame.fromRecords([{ tenure: 3, contract: "One year" }]);
   * ```
   */
  static fromRecords(records: readonly FrameRecord[], schema?: Schema): Frame {
    const specs: Schema = schema ?? inferRecordSchema(records);
    return Frame.fromColumns(
      specs.map((spec) => [spec.name, columnFromCells(spec, records)] as const),
    );
  }

  /** The column names, in order. */
  get columnNames(): readonly string[] {
    return [...this.#columns.keys()];
  }

  /** The number of columns. */
  get nColumns(): number {
    return this.#columns.size;
  }

  /**
   * True when the frame has a column of that name.
   *
   * @example
   * ```ts
   * frame.has("tenure"); // true
   * ```
   */
  has(name: string): boolean {
    return this.#columns.has(name);
  }

  /**
   * The column of that name, or a `KEEL_ERR_COLUMN_NOT_FOUND` error that lists close names.
   *
   * @example
   * ```ts
   * frame.column("tenure").kind; // "numeric"
   * ```
   */
  column(name: string): Column {
    const column = this.#columns.get(name);
    if (column === undefined) throw columnNotFound(name, this.columnNames);
    return column;
  }

  /**
   * The column of that name, or `undefined`.
   *
   * @example
   * ```ts
   * frame.get("maybe")?.kind;
   * ```
   */
  get(name: string): Column | undefined {
    return this.#columns.get(name);
  }

  /**
   * The values of a numeric column; an error names the column and its actual kind otherwise.
   *
   * @example
   * ```ts
   * frame.numeric("tenure")[0];
   * ```
   */
  numeric(name: string): Float64Array {
    return this.#ofKind(name, "numeric").values;
  }

  /**
   * A categorical column (codes plus dictionary); an error otherwise.
   *
   * @example
   * ```ts
   * const { codes, categories } = frame.categorical("contract");
   * ```
   */
  categorical(name: string): CategoricalColumn {
    return this.#ofKind(name, "categorical");
  }

  /**
   * The columns in order, as `[name, column]` pairs.
   *
   * @example
   * ```ts
   * for (const [name, column] of frame.entries()) console.log(name, column.kind);
   * ```
   */
  entries(): [string, Column][] {
    return [...this.#columns.entries()];
  }

  /**
   * The frame's schema: each column's name and kind (and dictionary for categoricals).
   *
   * @example
   * ```ts
   * frame.schema(); // [{ name: "tenure", kind: "numeric" }, …]
   * ```
   */
  schema(): ColumnSpec[] {
    return this.entries().map(([name, column]) =>
      column.kind === "categorical"
        ? { name, kind: column.kind, categories: column.categories }
        : { name, kind: column.kind },
    );
  }

  /**
   * A frame with only the named columns, in the given order.
   *
   * @example
   * ```ts
   * frame.select(["tenure"]).columnNames; // ["tenure"]
   * ```
   */
  select(names: readonly string[]): Frame {
    return Frame.fromColumns(names.map((name) => [name, this.column(name)] as const));
  }

  /**
   * A frame without the named columns (each must exist).
   *
   * @example
   * ```ts
   * frame.drop(["churn"]);
   * ```
   */
  drop(names: readonly string[]): Frame {
    for (const name of names) this.column(name);
    const dropped = new Set(names);
    return Frame.fromColumns(this.entries().filter(([name]) => !dropped.has(name)));
  }

  /**
   * A frame with one column added, or replaced in place if the name exists.
   *
   * @example
   * ```ts
   * frame.withColumn("ratio", numericColumn(ratios));
   * ```
   */
  withColumn(name: string, column: Column): Frame {
    const entries = this.entries();
    const at = entries.findIndex(([n]) => n === name);
    if (at >= 0) entries[at] = [name, column];
    else entries.push([name, column]);
    return Frame.fromColumns(entries);
  }

  /**
   * A frame with columns renamed by a mapping from old to new names.
   *
   * @example
   * ```ts
   * frame.rename({ Churn: "churn" });
   * ```
   */
  rename(mapping: Readonly<Record<string, string>>): Frame {
    for (const name of Object.keys(mapping)) this.column(name);
    return Frame.fromColumns(
      this.entries().map(([name, column]) => [mapping[name] ?? name, column] as const),
    );
  }

  /**
   * The rows at the given indices, in that order (repeats allowed): how splitters and
   * bootstraps subset a frame.
   *
   * @example
   * ```ts
   * frame.take(Int32Array.of(2, 0)).nRows; // 2
   * ```
   */
  take(indices: ArrayLike<number>): Frame {
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i] as number;
      if (!(Number.isInteger(index) && index >= 0 && index < this.nRows)) {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `Row index at position ${i} must be an integer in [0, ${this.nRows - 1}]. Got ${describeValue(index)} instead.`,
          { details: { position: i, index, nRows: this.nRows } },
        );
      }
    }
    return new Frame(
      new Map(this.entries().map(([name, column]) => [name, takeRows(column, indices)])),
      indices.length,
    );
  }

  /**
   * Rows `[start, end)` as a new frame sharing the column buffers where possible.
   *
   * @example
   * ```ts
   * frame.slice(0, 5); // the first five rows
   * ```
   */
  slice(start: number, end = this.nRows): Frame {
    const from = Math.max(0, Math.min(start, this.nRows));
    const to = Math.max(from, Math.min(end, this.nRows));
    const sliced = this.entries().map(([name, column]): [string, Column] => {
      switch (column.kind) {
        case "categorical":
          return [name, { ...column, codes: column.codes.subarray(from, to) }];
        case "string":
          return [name, { kind: "string", values: column.values.slice(from, to) }];
        case "boolean":
          return [name, { kind: "boolean", values: column.values.subarray(from, to) }];
        default:
          return [name, { kind: column.kind, values: column.values.subarray(from, to) }];
      }
    });
    return new Frame(new Map(sliced), to - from);
  }

  /**
   * One row as a plain object (see {@link cellAt} for how each kind is represented).
   *
   * @example
   * ```ts
   * frame.row(0); // { tenure: 1, contract: "Month-to-month" }
   * ```
   */
  row(i: number): Record<string, CellValue> {
    const out: Record<string, CellValue> = {};
    for (const [name, column] of this.#columns) out[name] = cellAt(column, i);
    return out;
  }

  /**
   * Every row as a plain object. Meant for small frames, tests and JSON responses.
   *
   * @example
   * ```ts
   * frame.head(3).toRecords();
   * ```
   */
  toRecords(): Record<string, CellValue>[] {
    return Array.from({ length: this.nRows }, (_, i) => this.row(i));
  }

  /**
   * The first `n` rows.
   *
   * @example
   * ```ts
   * frame.head(); // up to 5 rows
   * ```
   */
  head(n = 5): Frame {
    return this.slice(0, n);
  }

  /**
   * The bytes the column values occupy in memory.
   *
   * @example
   * ```ts
   * frame.byteSize();
   * ```
   */
  byteSize(): number {
    let total = 0;
    for (const column of this.#columns.values()) total += columnBytes(column);
    return total;
  }

  #ofKind<K extends ColumnKind>(name: string, kind: K): Extract<Column, { kind: K }> {
    const column = this.column(name);
    if (column.kind !== kind) {
      throw new KeelError(
        "KEEL_ERR_COLUMN_KIND",
        `Column '${name}' must be ${kind}. Got a ${column.kind} column instead.`,
        {
          details: { column: name, expected: kind, got: column.kind },
        },
      );
    }
    return column as Extract<Column, { kind: K }>;
  }
}

/**
 * The error for a column that is not in a frame, with "did you mean" suggestions.
 *
 * @example
 * ```ts
 * throw columnNotFound("tenur", frame.columnNames);
 * ```
 */
export function columnNotFound(
  name: string,
  available: readonly string[],
  where?: string,
): KeelError {
  const suggestions = closestNames(name, available);
  const hint =
    suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `'${s}'`).join(" or ")}?` : "";
  const shown =
    available
      .slice(0, 12)
      .map((s) => `'${s}'`)
      .join(", ") + (available.length > 12 ? ", ..." : "");
  return new KeelError(
    "KEEL_ERR_COLUMN_NOT_FOUND",
    `${where ? `${where}: ` : ""}column '${name}' is not in the frame (columns: ${shown}).${hint}`,
    { details: { column: name, available: available.slice(0, 100), suggestions } },
  );
}

function inferRecordSchema(records: readonly FrameRecord[]): ColumnSpec[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key);
        names.push(key);
      }
    }
  }
  return names.map((name) => {
    let kind: ColumnKind | undefined;
    for (const record of records) {
      const value = record[name];
      if (value === null || value === undefined) continue;
      const valueKind: ColumnKind =
        typeof value === "number"
          ? "numeric"
          : typeof value === "boolean"
            ? "boolean"
            : "categorical";
      kind = kind === undefined || kind === valueKind ? valueKind : "categorical";
    }
    return { name, kind: kind ?? "numeric" };
  });
}

function columnFromCells(spec: ColumnSpec, records: readonly FrameRecord[]): Column {
  const cells = records.map((r) => r[spec.name] ?? null);
  const fail = (row: number, value: unknown): never => {
    throw new KeelError(
      "KEEL_ERR_TYPE_MISMATCH",
      `Record ${row}, column '${spec.name}': expected a ${spec.kind} value. Got ${describeValue(value)} instead.`,
      { details: { row, column: spec.name, expected: spec.kind, got: value } },
    );
  };
  switch (spec.kind) {
    case "numeric": {
      const values = new Float64Array(cells.length);
      cells.forEach((v, i) => {
        values[i] =
          v === null
            ? Number.NaN
            : typeof v === "number"
              ? v
              : typeof v === "boolean"
                ? Number(v)
                : fail(i, v);
      });
      return numericColumn(values);
    }
    case "timestamp": {
      const values = new Float64Array(cells.length);
      cells.forEach((v, i) => {
        if (v === null) values[i] = Number.NaN;
        else if (typeof v === "number") values[i] = v;
        else if (typeof v === "string" && !Number.isNaN(Date.parse(v))) values[i] = Date.parse(v);
        else fail(i, v);
      });
      return timestampColumn(values);
    }
    case "boolean":
      return booleanColumn(
        cells.map((v, i) => (v === null ? null : typeof v === "boolean" ? v : fail(i, v))),
      );
    case "categorical":
      return categoricalFromValues(
        cells.map((v) => (v === null ? null : String(v))),
        spec.categories,
      );
    case "string":
      return stringColumn(cells.map((v) => (v === null ? null : String(v))));
  }
}
