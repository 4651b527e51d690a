/**
 * keel's data stage: read tabular data from files (CSV, TSV, Parquet, JSON lines) and
 * databases (DuckDB, PostgreSQL) into Frames, write Frames back, version datasets, profile
 * columns and run data-quality checks.
 *
 * @module
 */

export * from "./checks/index.js";
export { datasetVersion } from "./dataset-version.js";
export { type RelationReadOptions, readRelationExact } from "./duckdb-columns.js";
export {
  CATEGORICAL_MAX_DISTINCT,
  CATEGORICAL_MAX_RATIO,
  inferTextKind,
  parseBoolean,
  parseNumber,
  parseTimestamp,
} from "./infer-kind.js";
export {
  countDistinct,
  type NumericSummary,
  quantilesInPlace,
  summarizeNumbers,
} from "./numeric-stats.js";
export {
  type ColumnProfile,
  type FrameProfile,
  profileFrame,
  type QuantileProfile,
  TOP_VALUES,
  type TopValue,
} from "./profile.js";
export { readFrame } from "./read-frame.js";
export type {
  DataSource,
  DuckDbQuerySource,
  FileFormat,
  PostgresQuerySource,
  ReadOptions,
  SchemaOverride,
} from "./source.js";
export { writeFrame } from "./write-frame.js";
