import { access } from "node:fs/promises";
import { type Frame, KeelError } from "../core/index.js";
import { readRelation } from "./duckdb-columns.js";
import { type DuckDbSession, firstLine, withDuckDb } from "./duckdb-session.js";
import { fileError, openDataFile } from "./file-access.js";
import { detectFormat } from "./file-format.js";
import { type FileRelation, fileRelation } from "./file-relation.js";
import { readPostgres } from "./postgres-read.js";
import { conversionFailedColumn, explainReadError } from "./read-errors.js";
import { type DataSource, declaredKinds, type ReadOptions } from "./source.js";

/**
 * Reads tabular data into a {@link Frame}: a CSV, TSV, Parquet or JSON-lines file (through
 * DuckDB's parallel readers), a SQL query over such a file (which the query sees as the table
 * `data`), or a SQL query against a DuckDB database or PostgreSQL.
 *
 * Column kinds come from the source's types: numbers are `numeric`, booleans `boolean`,
 * dates and timestamps `timestamp` (epoch ms, UTC); text is `boolean` when every value is
 * true/false, `categorical` when it has at most 1,000 distinct values that are at most half
 * of its non-missing values, else `string`. `options.schema` overrides any of them; a value
 * that does not fit raises `KEEL_ERR_TYPE_MISMATCH` naming `file:line` and the column.
 * Missing values are empty fields and `NA`, `N/A`, `NaN`, `nan`, `null`, `NULL`.
 *
 * @example
 * ```ts
 * const telco = await readFrame("data/telco_churn.csv");
 * const recent = await readFrame("events.parquet", { sql: "SELECT * FROM data WHERE day > '2026-01-01'" });
 * const typed = await readFrame("people.csv", { schema: { id: "string", age: "numeric" } });
 * const pg = await readFrame({ postgres: process.env.DATABASE_URL!, sql: "SELECT * FROM customers" });
 * ```
 */
export async function readFrame(source: DataSource, options: ReadOptions = {}): Promise<Frame> {
  const declared = declaredKinds(options.schema);
  if (typeof source === "string") return readFile(source, options);
  if ("postgres" in source) return readPostgres(source.postgres, source.sql, declared);
  if ("duckdb" in source) {
    if (source.duckdb !== ":memory:") {
      await access(source.duckdb).catch((error: unknown) => {
        throw fileError(source.duckdb, error);
      });
    }
    return withDuckDb(
      async (session) => {
        try {
          return await readRelation(session.connection, source.sql, {
            declared,
            sourceName: `DuckDB query on '${source.duckdb}'`,
          });
        } catch (error) {
          if (error instanceof KeelError) throw error;
          throw new KeelError(
            "KEEL_ERR_SQL",
            `DuckDB query on '${source.duckdb}' failed: ${firstLine(error)}`,
            { details: { database: source.duckdb, sql: source.sql }, cause: error },
          );
        }
      },
      source.duckdb,
      { readOnly: true },
    );
  }
  throw new KeelError(
    "KEEL_ERR_INVALID_ARGUMENT",
    "readFrame's source must be a file path, { duckdb, sql } or { postgres, sql }.",
  );
}

async function readFile(path: string, options: ReadOptions): Promise<Frame> {
  const format = detectFormat(path, options.format);
  const info = await openDataFile(path);
  const declared = declaredKinds(options.schema);
  return withDuckDb(async (session) => {
    let relation: FileRelation;
    try {
      relation = await fileRelation(session.connection, info, format);
    } catch (error) {
      throw await explainReadError(error, path, format, false);
    }
    // A value past DuckDB's type-sniffing sample may not fit the sniffed type (a 'n/a' deep in
    // a numeric column); read that column as text and let the inference rule type it.
    for (let attempt = 0; ; attempt++) {
      try {
        return await readRelationOnce(session, relation, options.sql, declared, path);
      } catch (error) {
        const column = conversionFailedColumn(error);
        if (column === undefined || relation.asText === undefined || attempt > 1000) {
          throw await explainReadError(error, path, format, options.sql !== undefined);
        }
        relation = relation.asText(column);
      }
    }
  });
}

async function readRelationOnce(
  session: DuckDbSession,
  relation: FileRelation,
  sql: string | undefined,
  declared: ReturnType<typeof declaredKinds>,
  path: string,
): Promise<Frame> {
  if (sql === undefined) {
    return readRelation(session.connection, relation.sql, {
      declared,
      locate: relation.locate,
      ...(relation.countRows ? { countRows: relation.countRows } : {}),
      ...(relation.missingTokens ? { missingTokens: relation.missingTokens } : {}),
      sourceName: path,
    });
  }
  await session.connection.run(`CREATE OR REPLACE TEMP VIEW data AS ${relation.sql}`);
  // Rows of a query's result no longer map to lines of the file.
  return readRelation(session.connection, sql, {
    declared,
    locate: (row) => ({ where: `${path} (query result row ${row + 1})`, record: row }),
    ...(relation.missingTokens ? { missingTokens: relation.missingTokens } : {}),
    sourceName: `${path} (query)`,
  });
}
