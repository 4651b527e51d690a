/**
 * keel's feature store: declarative entities, feature views, on-demand views and feature
 * services; point-in-time-correct training sets from DuckDB or PostgreSQL; materialisation
 * into an online store (SQLite or Redis) read with enforced freshness; pushes; a versioned
 * registry in the metadata store.
 *
 * @example
 * ```ts
 * import { defineEntity, defineFeatureView, fileSource } from "keel";
 * const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });
 * const stats = defineFeatureView({ name: "customer_stats", entities: [customer], ttl: "1d",
 *   source: fileSource({ path: "data/customer_stats.csv" }), timestampField: "event_timestamp",
 *   schema: { tenure: "numeric" } });
 * ```
 *
 * @module
 */
export * from "./definitions.js";
export { type DuckDbOfflineOptions, duckDbOfflineStore } from "./duckdb-offline-store.js";
export { durationSeconds, formatDuration } from "./duration.js";
export {
  type FeatureDefinitions,
  type FeatureField,
  FeatureRepo,
  type ResolvedView,
} from "./feature-repo.js";
export * from "./feature-store.js";
export * from "./freshness.js";
export type { EntityRowsInput, HistoricalQuery, OfflineStore } from "./offline-store.js";
export * from "./online-read.js";
export * from "./online-store.js";
export * from "./open-feature-store.js";
export { type PostgresOfflineOptions, postgresOfflineStore } from "./postgres-offline-store.js";
export { redisOnlineStore } from "./redis-online-store.js";
export * from "./registry.js";
export * from "./settings.js";
export { checkSourceColumns } from "./source-columns.js";
export * from "./sources.js";
export { sqliteOnlineStore } from "./sqlite-online-store.js";
