import type { Frame } from "../core/index.js";
import type { FeatureRepo, ResolvedView } from "./feature-repo.js";
import type { DescribedColumn } from "./sql-text.js";

/**
 * Entity rows for historical retrieval: a Frame, a CSV/Parquet file, or a SQL query on the
 * offline store's engine. They carry the join keys and an `event_timestamp` column.
 *
 * @example
 * ```ts
 * const rows: EntityRowsInput = { sql: "SELECT customer_id, event_timestamp FROM labels" };
 * ```
 */
export type EntityRowsInput = Frame | string | { readonly sql: string };

/**
 * A point-in-time retrieval: the entity rows (or a time range) and the `[view, feature]` pairs
 * to join, already resolved against the repo.
 *
 * @example
 * ```ts
 * const request: HistoricalQuery = { entityRows: frame, features: [["customer_stats", "tenure"]], fullFeatureNames: false };
 * ```
 */
export interface HistoricalQuery {
  readonly entityRows?: EntityRowsInput;
  /** Without entity rows: every entity with a feature row in [start, end], timestamped `end`. */
  readonly range?: { readonly start: number; readonly end: number };
  readonly features: readonly (readonly [string, string])[];
  readonly fullFeatureNames: boolean;
  /** Write the result to this CSV/Parquet file instead of returning a Frame. */
  readonly out?: string;
}

/**
 * The latest row per entity of one view inside a time window, as materialisation copies it
 * online: join keys, `__keel_ts` and `__keel_created` (epoch microseconds) and the features.
 */
export type LatestRows = Frame;

/**
 * An offline store: the engine that holds feature history and runs point-in-time joins in SQL
 * (DuckDB in process, or PostgreSQL). Contract:
 * - `historical` returns one output row per entity row, in the entity rows' order (duplicates
 *   kept), with every entity column and one column per requested feature. For each entity row
 *   and view it takes the feature row with the greatest timestamp `t` such that
 *   `t ≤ event_timestamp` and, when the view has a TTL, `t ≥ event_timestamp − ttl` (both
 *   inclusive); ties on `t` go to the greatest created timestamp (missing created timestamps
 *   lose); no such row gives missing values. Timestamps are compared as UTC instants.
 * - `latest` returns, per entity, the newest row with `start ≤ t ≤ end` (same tie rule).
 * - `describe` lists a view source's columns and types (for schema validation).
 * - `appendPushed` appends pushed rows to the view's offline log, atomically.
 *
 * @example
 * ```ts
 * const frame = await store.historical(repo, { entityRows: "labels.csv", features: [["stats", "tenure"]], fullFeatureNames: false });
 * ```
 */
export interface OfflineStore {
  readonly engine: "duckdb" | "postgres";
  historical(repo: FeatureRepo, query: HistoricalQuery): Promise<Frame | undefined>;
  latest(repo: FeatureRepo, view: ResolvedView, start: number, end: number): Promise<LatestRows>;
  describe(repo: FeatureRepo, view: ResolvedView): Promise<readonly DescribedColumn[]>;
  appendPushed(repo: FeatureRepo, view: ResolvedView, rows: Frame): Promise<void>;
}
