import type { ColumnKind, Schema } from "../core/index.js";

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
  if (Array.isArray(schema)) {
    return new Map((schema as Schema).map((spec) => [spec.name, spec.kind]));
  }
  return new Map(Object.entries(schema as Readonly<Record<string, ColumnKind>>));
}

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
