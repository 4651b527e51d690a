import type { DuckDBConnection, DuckDBDataChunk } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";
import {
  type Column,
  type ColumnKind,
  columnNotFound,
  Frame,
  KeelError,
  numericColumn,
  timestampColumn,
} from "../core/index.js";
import { type RowLocator, textToColumn } from "./infer-kind.js";
import { singleStatement } from "./sql-statement.js";

/**
 * Options of {@link readRelation}.
 *
 * @example
 * ```ts
 * await readRelation(connection, sql, { declared: new Map([["id", "string"]]) });
 * ```
 */
export interface RelationReadOptions {
  /** Declared kinds by column name; the rest are inferred. */
  readonly declared?: ReadonlyMap<string, ColumnKind>;
  /** How errors name a row (`data.csv:12`). */
  readonly locate?: RowLocator;
  /**
   * The number of rows the query should return, when something cheaper than a `count(*)`
   * query knows it (the lines of a file). A wrong guess costs a second pass, never data.
   */
  readonly countRows?: () => Promise<number>;
  /**
   * Text that means "missing" (`NA`, `null`, ...) in files. DuckDB is given only the empty
   * string as its null marker: matching a list of them costs it about half again as much
   * CPU on every field, while only text columns can hold the others.
   */
  readonly missingTokens?: ReadonlySet<string>;
  /** Names the source in messages about declared columns it lacks. */
  readonly sourceName?: string;
  /** The Frame's column names by position, when the query's own names are internal ones. */
  readonly names?: readonly string[];
  /**
   * Renames a repeated result name as pandas does (`id`, `id.1`) instead of refusing it: a
   * self-join's `SELECT *` repeats every name.
   */
  readonly renameRepeats?: boolean;
  /** Columns (by Frame name) to take as text whatever their type. */
  readonly textColumns?: ReadonlySet<string>;
  /**
   * The query's DOUBLE columns were parsed from text (a CSV): an integer beyond 2^53 in one
   * may have been rounded, so such a column is asked for again as text.
   */
  readonly numbersFromText?: boolean;
  /**
   * Text columns (by Frame name) whose values are all numbers' own text (a JSON number column
   * read as text to keep its big integers): typed as numeric when every value is a safe number.
   */
  readonly numericText?: ReadonlySet<string>;
}

/**
 * Thrown by {@link readRelation} when columns must be read again as text: their numbers
 * include integers beyond ±2^53, which a float64 cannot hold exactly (`9007199254740993`
 * would read as `…992`), or, parsed from text, a NaN that was a value (`NAN`) rather than a
 * missing one, or an infinity (DuckDB reads `1e309` as Infinity; only a spelled-out `inf`
 * is one). The caller re-plans them as text (see {@link readRelationExact}).
 *
 * @example
 * ```ts
 * try { await readRelation(c, sql); } catch (e) { if (e instanceof ColumnsNeedText) e.names; }
 * ```
 */
export class ColumnsNeedText extends Error {
  constructor(
    readonly names: readonly string[],
    readonly positions: readonly number[],
  ) {
    super(`columns ${names.join(", ")} hold values a float64 does not keep exactly`);
  }
}

/**
 * {@link readRelation}, reading again as text every column that turned out to hold integers
 * beyond ±2^53 (types that carry their values, as DuckDB tables, Parquet and JSON do, cast
 * to their exact text).
 *
 * @example
 * ```ts
 * const frame = await readRelationExact(connection, "SELECT * FROM read_parquet('ids.parquet')");
 * ```
 */
export async function readRelationExact(
  connection: DuckDBConnection,
  sql: string,
  options: RelationReadOptions = {},
): Promise<Frame> {
  const text = new Set(options.textColumns ?? []);
  for (;;) {
    try {
      return await readRelation(connection, sql, { ...options, textColumns: text });
    } catch (error) {
      if (!(error instanceof ColumnsNeedText)) throw error;
      for (const name of error.names) text.add(name);
    }
  }
}

/** How one result column travels from DuckDB: as doubles copied in bulk, or as text. */
interface ColumnPlan {
  readonly name: string;
  readonly transport: "double" | "text";
  /** The kind the column becomes (`undefined`: infer from its text). */
  readonly kind: ColumnKind | undefined;
  readonly expression: string;
  /** Whether integers beyond 2^53 must be looked for (see {@link ColumnsNeedText}). */
  readonly checkIntegers: boolean;
}

/**
 * Runs a SELECT on DuckDB and collects the result into a Frame. Numeric, boolean and
 * timestamp columns are cast to DOUBLE inside DuckDB and copied out a whole
 * 2,048-row vector at a time with one `memcpy`-like `Uint8Array.set` (missing values, NULL in
 * DuckDB, become NaN from the vector's validity bits), never value by value;
 * text columns are decoded per value and then typed by {@link textToColumn}.
 *
 * @example
 * ```ts
 * const frame = await readRelation(session.connection, "SELECT * FROM read_parquet('x.parquet')");
 * ```
 */
export async function readRelation(
  connection: DuckDBConnection,
  sql: string,
  options: RelationReadOptions = {},
): Promise<Frame> {
  const query = singleStatement(sql, options.sourceName ?? "query");
  const described = await connection.runAndReadAll(`DESCRIBE ${query}`);
  const seen = new Set<string>();
  const columns = described.getRows().map((row, i) => {
    let name = options.names?.[i] ?? String(row[0]);
    if (options.renameRepeats) {
      for (let k = 1; seen.has(name); k++) name = `${String(row[0])}.${k}`;
      seen.add(name);
    }
    return { name, type: String(row[1]) };
  });
  const declared = options.declared ?? new Map<string, ColumnKind>();
  const names = columns.map((c) => c.name);
  for (const name of declared.keys()) {
    if (!names.includes(name)) {
      throw columnNotFound(name, names, `${options.sourceName ?? "the source"}: schema`);
    }
  }
  // Columns are addressed by position (k0, k1, ...): result names may repeat or differ only
  // in case, which DuckDB's identifiers would not tell apart.
  const source = `(${query}) AS keel_source(${columns.map((_, i) => `k${i}`).join(", ")})`;
  const plans = columns.map((c, i) =>
    planColumn(c.name, `k${i}`, c.type, declared.get(c.name), {
      text: options.textColumns?.has(c.name) === true,
      numbersFromText: options.numbersFromText === true,
    }),
  );
  // The expected row count sizes every buffer once, and it is how a failed read is noticed:
  // this version of the DuckDB Node API ends a streamed result that fails midway (a value
  // that does not convert) exactly like a complete one, so a short stream means an error.
  // (Materialising instead would report it, but holds a second copy of the data.)
  const expectedRows = options.countRows
    ? await options.countRows()
    : Number(
        (
          await connection.runAndReadAll(`SELECT count(*) FROM (${query}) AS keel_source`)
        ).getRows()[0]?.[0] ?? 0,
      );
  const select = `SELECT ${plans.map((p) => p.expression).join(", ")} FROM ${source}`;
  const result = await connection.stream(select);
  const doubles = plans.map((p) =>
    p.transport === "double"
      ? new DoubleBuffer(
          expectedRows,
          !p.checkIntegers ? "none" : options.numbersFromText === true ? "text" : "integers",
        )
      : undefined,
  );
  const texts = plans.map((p) => (p.transport === "text" ? ([] as (string | null)[]) : undefined));
  let received = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    received += chunk.rowCount;
    copyChunk(chunk, doubles, texts, options.missingTokens);
  }
  if (received !== expectedRows) {
    // Re-run the conversions without streaming, where DuckDB does report the error. When
    // none comes, the estimate was off (quoted line breaks, blank lines) and the stream was
    // complete.
    await connection.runAndReadAll(
      `SELECT ${plans.map((p) => `count(${p.expression})`).join(", ")} FROM ${source}`,
    );
  }
  const unsafe = plans.flatMap((_, i) => (doubles[i]?.suspect ? [i] : []));
  if (unsafe.length > 0) {
    throw new ColumnsNeedText(
      unsafe.map((i) => plans[i]?.name as string),
      unsafe,
    );
  }
  return Frame.fromColumns(
    plans.map((plan, i): [string, Column] => [
      plan.name,
      finishColumn(
        plan,
        doubles[i],
        texts[i],
        options.locate,
        options.missingTokens !== undefined || options.numericText?.has(plan.name) === true,
      ),
    ]),
  );
}

/**
 * The Frame kind a DuckDB type maps to, or `undefined` for text (VARCHAR and types without a
 * numeric form), whose kind is inferred from the values.
 *
 * @example
 * ```ts
 * kindOfDuckDbType("DECIMAL(18,3)"); // "numeric"
 * kindOfDuckDbType("VARCHAR");       // undefined
 * ```
 */
export function kindOfDuckDbType(type: string): ColumnKind | undefined {
  const base = type.toUpperCase().replace(/\(.*$/, "");
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL|REAL)$/.test(
      base,
    )
  ) {
    return "numeric";
  }
  if (base === "BOOLEAN") return "boolean";
  if (base === "DATE" || base.startsWith("TIMESTAMP")) return "timestamp";
  return undefined;
}

function planColumn(
  name: string,
  column: string,
  type: string,
  declared: ColumnKind | undefined,
  options: { text: boolean; numbersFromText: boolean },
): ColumnPlan {
  const natural = kindOfDuckDbType(type);
  const useNatural =
    !options.text && natural !== undefined && (declared === undefined || declared === natural);
  if (useNatural) {
    const asDouble =
      natural === "timestamp"
        ? type.toUpperCase() === "DATE"
          ? `epoch_ms(CAST(${column} AS TIMESTAMP))`
          : `epoch_ms(${column})`
        : column;
    return {
      name,
      transport: "double",
      kind: natural,
      // Missing values stay NULL here and become NaN from the validity mask while copying:
      // a coalesce() to NaN inside DuckDB costs about a third more of its parsing CPU.
      expression: `CAST(${asDouble} AS DOUBLE)`,
      checkIntegers:
        natural === "numeric" &&
        (INTEGER_TYPES.test(type) || (options.numbersFromText && /^DOUBLE$/i.test(type))),
    };
  }
  return {
    name,
    transport: "text",
    kind: declared,
    expression: textExpression(column, type),
    checkIntegers: false,
  };
}

const INTEGER_TYPES = /^(BIGINT|HUGEINT|UBIGINT|UHUGEINT|DECIMAL)/i;

/**
 * A column as text: JSON strings without their quotes, nested values (structs, lists, maps)
 * as JSON, never DuckDB's Python-like `{'x': 1}`.
 */
function textExpression(column: string, type: string): string {
  const upper = type.toUpperCase();
  if (upper === "JSON") return `(${column} ->> '$')`;
  if (/^(STRUCT|MAP|UNION)\(/.test(upper) || upper.endsWith("]")) {
    return `CAST(to_json(${column}) AS VARCHAR)`;
  }
  return `CAST(${column} AS VARCHAR)`;
}

function copyChunk(
  chunk: DuckDBDataChunk,
  doubles: readonly (DoubleBuffer | undefined)[],
  texts: readonly ((string | null)[] | undefined)[],
  missing: ReadonlySet<string> | undefined,
): void {
  const rows = chunk.rowCount;
  for (let c = 0; c < doubles.length; c++) {
    const buffer = doubles[c];
    if (buffer !== undefined) {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, c);
      buffer.append(
        duckdb.vector_get_data(vector, rows * 8),
        duckdb.vector_get_validity(vector, Math.ceil(rows / 64) * 8),
        rows,
      );
      continue;
    }
    const text = texts[c];
    if (text === undefined) continue;
    const vector = chunk.getColumnVector(c);
    for (let r = 0; r < rows; r++) {
      const value = vector.getItem(r);
      const string = value === null ? null : String(value);
      text.push(string === null || missing?.has(string) ? null : string);
    }
  }
}

function finishColumn(
  plan: ColumnPlan,
  doubles: DoubleBuffer | undefined,
  text: (string | null)[] | undefined,
  locate: RowLocator | undefined,
  numbersFromText: boolean,
): Column {
  if (doubles !== undefined) {
    const values = doubles.finish();
    if (plan.kind === "timestamp") return timestampColumn(values);
    if (plan.kind === "boolean") {
      const out = new Int8Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        out[i] = Number.isNaN(v) ? -1 : v === 0 ? 0 : 1;
      }
      return { kind: "boolean", values: out };
    }
    return numericColumn(values);
  }
  if (text === undefined) {
    throw new KeelError("KEEL_ERR_INTERNAL", `Column '${plan.name}' was not read.`);
  }
  return textToColumn(plan.name, text, plan.kind, locate, { numbers: numbersFromText });
}

/**
 * A growable Float64Array filled from raw DuckDB vector bytes. Sized from an estimate so
 * that a large read allocates once; grows by half when the estimate was short.
 */
class DoubleBuffer {
  #values: Float64Array;
  #bytes: Uint8Array;
  #length = 0;
  #suspect = false;

  /**
   * `watch` says which valid (not missing) values make the column suspect (see `suspect`):
   * `"integers"` those beyond ±2^53, which a float64 may have rounded; `"text"` (numbers
   * DuckDB parsed from text) also NaN and ±Infinity, which DuckDB reads from spellings pandas
   * keeps as text (`NAN`, `1e309`).
   */
  constructor(
    capacity: number,
    private readonly watch: "none" | "integers" | "text" = "none",
  ) {
    this.#values = new Float64Array(Math.max(16, Math.ceil(capacity)));
    this.#bytes = new Uint8Array(this.#values.buffer);
  }

  /**
   * Appends `count` doubles; `validity` (one bit per row, `null` when every row is valid)
   * marks the missing ones, which become NaN.
   */
  append(bytes: Uint8Array, validity: Uint8Array | null, count: number): void {
    if (this.#length + count > this.#values.length) {
      const grown = new Float64Array(
        Math.max(this.#length + count, Math.ceil(this.#values.length * 1.5)),
      );
      grown.set(this.#values.subarray(0, this.#length));
      this.#values = grown;
      this.#bytes = new Uint8Array(grown.buffer);
    }
    this.#bytes.set(bytes.subarray(0, count * 8), this.#length * 8);
    // Checked while the block is still in the CPU cache, in one pass with one comparison
    // pair per value: a second pass over the whole column afterwards cost ~5% of a read.
    if (this.watch !== "none" && !this.#suspect) this.#inspect(validity, count);
    if (validity !== null) this.#markMissing(validity, count);
    this.#length += count;
  }

  /**
   * Whether a value the column cannot hold exactly was appended: the column must be read
   * again as text (see {@link ColumnsNeedText}).
   */
  get suspect(): boolean {
    return this.#suspect;
  }

  #inspect(validity: Uint8Array | null, count: number): void {
    const values = this.#values;
    const base = this.#length;
    const text = this.watch === "text";
    for (let i = 0; i < count; i++) {
      const v = values[base + i] as number;
      // False for NaN too: the one test sends every value worth a look to the slow path.
      if (v <= Number.MAX_SAFE_INTEGER && v >= -Number.MAX_SAFE_INTEGER) continue;
      // A missing value's slot holds whatever DuckDB left there.
      if (validity !== null && ((validity[i >> 3] as number) & (1 << (i & 7))) === 0) continue;
      if (text || Number.isFinite(v)) {
        this.#suspect = true;
        return;
      }
    }
  }

  /** Sets NaN where a validity bit is clear, looking at single bits only in bytes not all set. */
  #markMissing(validity: Uint8Array, count: number): void {
    const values = this.#values;
    const base = this.#length;
    const bytes = Math.ceil(count / 8);
    for (let b = 0; b < bytes; b++) {
      const mask = validity[b] as number;
      if (mask === 0xff) continue;
      const end = Math.min(8, count - b * 8);
      for (let bit = 0; bit < end; bit++) {
        if ((mask & (1 << bit)) === 0) values[base + b * 8 + bit] = Number.NaN;
      }
    }
  }

  /** The filled values; a copy only when more than a tenth of the buffer would be wasted. */
  finish(): Float64Array {
    const filled = this.#values.subarray(0, this.#length);
    return this.#values.length - this.#length > this.#values.length / 10 ? filled.slice() : filled;
  }
}
