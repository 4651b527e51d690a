import {
  BOOLEAN,
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBType,
  type DuckDBValue,
  VARCHAR,
} from "@duckdb/node-api";
import { type Column, cellAt, type Frame } from "../core/index.js";
import { quoteIdentifier } from "./duckdb-session.js";

const CHUNK_ROWS = 2048;

/**
 * Loads a Frame into a DuckDB table so SQL can run over it (the `sql` data check, writing
 * CSV and Parquet). Kinds map to DOUBLE, BOOLEAN, TIMESTAMP (millisecond precision) and
 * VARCHAR (categoricals as their labels); missing values become NULL. Rows are appended a
 * 2,048-row data chunk at a time.
 *
 * @example
 * ```ts
 * await loadFrame(session.connection, frame, "data");
 * await session.connection.runAndReadAll("SELECT count(*) FROM data");
 * ```
 */
export async function loadFrame(
  connection: DuckDBConnection,
  frame: Frame,
  table: string,
): Promise<void> {
  const entries = frame.entries();
  const staging = `${table}__keel_staging`;
  const definitions = entries
    .map(([name, column]) => `${quoteIdentifier(name)} ${stagingSqlType(column)}`)
    .join(", ");
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(staging)} (${definitions || "keel_empty INTEGER"})`,
  );
  if (entries.length > 0) {
    const types = entries.map(([, column]) => stagingType(column));
    const appender = await connection.createAppender(staging);
    try {
      for (let start = 0; start < frame.nRows; start += CHUNK_ROWS) {
        const end = Math.min(frame.nRows, start + CHUNK_ROWS);
        const chunk = DuckDBDataChunk.create(types, end - start);
        chunk.setColumns(entries.map(([, column]) => chunkValues(column, start, end)));
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }
  // Timestamps travel as epoch-ms doubles and become TIMESTAMPs here.
  const select = entries
    .map(([name, column]) =>
      column.kind === "timestamp"
        ? `epoch_ms(CAST(${quoteIdentifier(name)} AS BIGINT)) AS ${quoteIdentifier(name)}`
        : quoteIdentifier(name),
    )
    .join(", ");
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(table)} AS SELECT ${select || "*"} FROM ${quoteIdentifier(staging)}`,
  );
  await connection.run(`DROP TABLE ${quoteIdentifier(staging)}`);
}

function stagingType(column: Column): DuckDBType {
  switch (column.kind) {
    case "numeric":
    case "timestamp":
      return DOUBLE;
    case "boolean":
      return BOOLEAN;
    case "categorical":
    case "string":
      return VARCHAR;
  }
}

function stagingSqlType(column: Column): string {
  return column.kind === "numeric" || column.kind === "timestamp"
    ? "DOUBLE"
    : column.kind === "boolean"
      ? "BOOLEAN"
      : "VARCHAR";
}

function chunkValues(column: Column, start: number, end: number): DuckDBValue[] {
  const out: DuckDBValue[] = new Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = cellAt(column, i);
  return out;
}
