import {
  type ColumnKind,
  closestNames,
  describeValue,
  KeelError,
  type Schema,
} from "../core/index.js";

/**
 * The file formats {@link readFrame} reads.
 *
 * @example
 * ```ts
 * await readFrame("events.log", { format: "jsonl" });
 * ```
 */
export type FileFormat = "csv" | "tsv" | "parquet" | "jsonl";

/**
 * A SQL query against a DuckDB database file, or an in-memory one (`":memory:"`).
 *
 * @example
 * ```ts
 * await readFrame({ duckdb: "warehouse.duckdb", sql: "SELECT * FROM customers" });
 * ```
 */
export interface DuckDbQuerySource {
  readonly duckdb: string;
  readonly sql: string;
}

/**
 * A SQL query against PostgreSQL, by connection URL (`postgres://user@host:5432/db`).
 *
 * @example
 * ```ts
 * await readFrame({ postgres: "postgres://postgres@127.0.0.1:5432/test", sql: "SELECT 1 AS one" });
 * ```
 */
export interface PostgresQuerySource {
  readonly postgres: string;
  readonly sql: string;
}

/**
 * Where {@link readFrame} reads from: a file path (CSV, TSV, Parquet, JSON lines), or a query
 * against DuckDB or PostgreSQL.
 *
 * @example
 * ```ts
 * const sources: DataSource[] = [
 *   "data/telco_churn.csv",
 *   { duckdb: ":memory:", sql: "SELECT 42 AS answer" },
 *   { postgres: "postgres://postgres@127.0.0.1:5432/test", sql: "SELECT * FROM customers" },
 * ];
 * ```
 */
export type DataSource = string | DuckDbQuerySource | PostgresQuerySource;

/**
 * Declared column kinds that override inference: a full schema (`[{ name, kind }]`) or a
 * partial record from column name to kind. Columns not named keep their inferred kind.
 *
 * @example
 * ```ts
 * const a: SchemaOverride = [{ name: "tenure", kind: "numeric" }];
 * const b: SchemaOverride = { customer_id: "string", signup: "timestamp" };
 * ```
 */
export type SchemaOverride = Schema | Readonly<Record<string, ColumnKind>>;

/**
 * Options of {@link readFrame}.
 *
 * @example
 * ```ts
 * await readFrame("telco.csv", { schema: { senior_citizen: "categorical" }, sql: "SELECT * FROM data LIMIT 10" });
 * ```
 */
export interface ReadOptions {
  /** Declared kinds; a value that does not fit is a `KEEL_ERR_TYPE_MISMATCH` naming file:line:column. */
  readonly schema?: SchemaOverride;
  /**
   * A query over a file source, which it sees as the table `data`
   * (`SELECT * FROM data WHERE tenure > 12`). Database sources carry their own `sql`.
   */
  readonly sql?: string;
  /** The file format when the extension does not tell it. */
  readonly format?: FileFormat;
  /** CSV/TSV: the field delimiter, one ASCII character (default `,`; tab for `.tsv`), as pandas' `sep`. */
  readonly sep?: string;
  /** CSV/TSV: the quote character (default `"`; doubled inside quotes to mean itself). */
  readonly quote?: string;
  /** CSV/TSV: more text that means "missing" (`["-", "?"]`), as pandas' `na_values`. */
  readonly naValues?: readonly string[];
  /**
   * CSV/TSV: whether the default missing-value spellings (pandas' own: `""`, `NA`, `N/A`,
   * `n/a`, `#N/A`, `<NA>`, `NaN`, `nan`, `-NaN`, `null`, `NULL`, `1.#IND`, ...; see
   * `MISSING_TOKENS`) mean missing (default true). False keeps them as text, so Namibia's
   * `NA` stays a country code; only `naValues` then mean missing.
   */
  readonly keepDefaultNa?: boolean;
}

/**
 * Normalises a schema override into a map from column name to declared kind.
 *
 * @example
 * ```ts
 * declaredKinds({ tenure: "numeric" }).get("tenure"); // "numeric"
 * ```
 */
export function declaredKinds(schema: SchemaOverride | undefined): Map<string, ColumnKind> {
  if (schema === undefined) return new Map();
  const entries: [string, unknown, string][] = Array.isArray(schema)
    ? (schema as Schema).map((spec, i) => [spec.name, spec.kind, `schema[${i}].kind`])
    : Object.entries(schema as Readonly<Record<string, unknown>>).map(([name, kind]) => [
        name,
        kind,
        `schema.${name}`,
      ]);
  for (const [, kind, path] of entries) {
    if (typeof kind !== "string" || !COLUMN_KINDS.includes(kind as ColumnKind)) {
      const suggestions = typeof kind === "string" ? closestNames(kind, COLUMN_KINDS) : [];
      const hint = suggestions.length > 0 ? ` Did you mean '${suggestions[0]}'?` : "";
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `${path}: expected a column kind (${COLUMN_KINDS.join(", ")}). Got ${describeValue(kind)} instead.${hint}`,
        { details: { path, got: kind, expected: COLUMN_KINDS } },
      );
    }
  }
  return new Map(entries.map(([name, kind]) => [name, kind as ColumnKind]));
}

const COLUMN_KINDS: readonly ColumnKind[] = [
  "numeric",
  "categorical",
  "boolean",
  "timestamp",
  "string",
];

/**
 * True when the source is a file path rather than a database query.
 *
 * @example
 * ```ts
 * isFileSource("data.csv"); // true
 * ```
 */
export function isFileSource(source: DataSource): source is string {
  return typeof source === "string";
}
