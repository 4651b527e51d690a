import type { ColumnKind } from "../core/index.js";

/**
 * A CSV or Parquet file of feature rows. `path` is relative to the config file.
 *
 * @example
 * ```ts
 * const source: FileSource = fileSource({ path: "data/customer_stats.parquet" });
 * ```
 */
export interface FileSource {
  readonly type: "file";
  readonly path: string;
}

/**
 * A SQL query run on DuckDB: over files (`read_parquet('…')`) or over tables of the DuckDB
 * database the config names as `offlineStore.database`.
 *
 * @example
 * ```ts
 * const source: SqlSource = sqlSource({ query: "SELECT * FROM read_csv('data/orders.csv')" });
 * ```
 */
export interface SqlSource {
  readonly type: "sql";
  readonly query: string;
}

/**
 * A SQL query run on PostgreSQL (the offline store's `url`, else `KEEL_PG_URL`).
 *
 * @example
 * ```ts
 * const source: PostgresSource = postgresSource({ query: "SELECT * FROM customer_stats" });
 * ```
 */
export interface PostgresSource {
  readonly type: "postgres";
  readonly query: string;
}

/**
 * A source fed by `push(view, rows)` (streaming updates): pushed rows go to the online store
 * and to an offline log that historical retrieval reads together with the optional
 * `batchSource`.
 *
 * @example
 * ```ts
 * const source: PushSource = pushSource({ name: "clicks_push", batchSource: fileSource({ path: "clicks.csv" }) });
 * ```
 */
export interface PushSource {
  readonly type: "push";
  readonly name: string;
  readonly batchSource?: BatchSource;
}

/** A source that holds history offline: file, DuckDB SQL or PostgreSQL SQL. */
export type BatchSource = FileSource | SqlSource | PostgresSource;

/** Where a feature view's rows come from. */
export type FeatureSource = BatchSource | PushSource;

/**
 * Request-time inputs of an on-demand feature view (values the caller sends with the request).
 *
 * @example
 * ```ts
 * const request: RequestSource = requestSource({ name: "order", schema: { amount: "numeric" } });
 * ```
 */
export interface RequestSource {
  readonly type: "request";
  readonly name: string;
  readonly schema: Readonly<Record<string, ColumnKind>>;
}

/**
 * Declares a file source.
 *
 * @example
 * ```ts
 * fileSource({ path: "data/customer_stats.csv" });
 * ```
 */
export function fileSource(options: { path: string }): FileSource {
  return { type: "file", path: options.path };
}

/**
 * Declares a DuckDB SQL source.
 *
 * @example
 * ```ts
 * sqlSource({ query: "SELECT customer_id, ts, spend FROM read_parquet('spend/*.parquet')" });
 * ```
 */
export function sqlSource(options: { query: string }): SqlSource {
  return { type: "sql", query: options.query };
}

/**
 * Declares a PostgreSQL SQL source.
 *
 * @example
 * ```ts
 * postgresSource({ query: "SELECT * FROM analytics.customer_stats" });
 * ```
 */
export function postgresSource(options: { query: string }): PostgresSource {
  return { type: "postgres", query: options.query };
}

/**
 * Declares a push source.
 *
 * @example
 * ```ts
 * pushSource({ name: "clicks_push" });
 * ```
 */
export function pushSource(options: { name: string; batchSource?: BatchSource }): PushSource {
  return {
    type: "push",
    name: options.name,
    ...(options.batchSource === undefined ? {} : { batchSource: options.batchSource }),
  };
}

/**
 * Declares request-time inputs for on-demand feature views.
 *
 * @example
 * ```ts
 * requestSource({ name: "order", schema: { amount: "numeric" } });
 * ```
 */
export function requestSource(options: {
  name: string;
  schema: Readonly<Record<string, ColumnKind>>;
}): RequestSource {
  return { type: "request", name: options.name, schema: options.schema };
}
