import { access } from "node:fs/promises";
import { resolve } from "node:path";
import { describeValue, type Frame, KeelError } from "../core/index.js";
import { ColumnsNeedText, readRelation, readRelationExact } from "./duckdb-columns.js";
import { type DuckDbSession, withDuckDb } from "./duckdb-session.js";
import { fileError, openDataFile } from "./file-access.js";
import { detectFormat } from "./file-format.js";
import {
  type CsvDialect,
  type FileRelation,
  fileRelation,
  MISSING_TOKENS,
} from "./file-relation.js";
import { holdsCarriageReturn } from "./line-endings.js";
import { readPostgres } from "./postgres-read.js";
import { conversionFailedColumn, explainReadError, explainSqlError } from "./read-errors.js";
import { type DataSource, declaredKinds, type ReadOptions } from "./source.js";
import { readWideCsv } from "./wide-csv.js";

/**
 * Reads tabular data into a {@link Frame}: a CSV, TSV, Parquet or JSON-lines file (through
 * DuckDB's parallel readers), a SQL query over such a file (which the query sees as the table
 * `data`), or a SQL query against a DuckDB database or PostgreSQL.
 *
 * No value is changed on the way: kinds are decided from every value of a column, never from
 * a sample. Numbers are `numeric`, booleans `boolean`, dates and timestamps `timestamp`
 * (epoch ms, UTC; an ISO text's offset honoured; a date that does not exist, such as
 * 2024-02-30, is a `KEEL_ERR_TYPE_MISMATCH` naming file:line and column); text is `boolean`
 * when every value is true/false, `categorical` when it has at most 1,000 distinct values
 * that are at most half of its non-missing values, else `string`. Integers beyond ±2^53,
 * which a float64 cannot hold exactly, are never numbers: such a column is text. Declared
 * kinds (`options.schema`) are converted from the file's own text (a zip code `02134`
 * declared `string` stays `02134`); a value that does not fit raises `KEEL_ERR_TYPE_MISMATCH`.
 * Missing values are empty fields and pandas' default spellings (`NA`, `N/A`, `n/a`, `#N/A`,
 * `<NA>`, `NaN`, `nan`, `null`, `NULL`, ...: `MISSING_TOKENS`) (`naValues` adds spellings,
 * `keepDefaultNa: false` drops these, and then `nan` is text, as in pandas). As pandas reads
 * them: a number beyond the float64 range (`1e309`) makes its column text, never Infinity;
 * a leap second (`23:59:60`, which no timestamp holds) makes its column text, and declared
 * `timestamp` it is a `KEEL_ERR_TYPE_MISMATCH` saying so; a file may mix `\r\n`, `\r` and
 * `\n` line endings (read from a unified copy). A small file of 2,000+ columns is split by
 * keel (`readWideCsv`), as DuckDB's planning time grows with the square of the width.
 *
 * SQL (`options.sql` and database sources) must be one statement; DuckDB runs it with file
 * access switched off except for the data file itself.
 *
 * @example
 * ```ts
 * const telco = await readFrame("data/telco_churn.csv");
 * const recent = await readFrame("events.parquet", { sql: "SELECT * FROM data WHERE day > '2026-01-01'" });
 * const typed = await readFrame("people.csv", { schema: { id: "string", age: "numeric" } });
 * const semi = await readFrame("countries.csv", { sep: ";", keepDefaultNa: false });
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
    const where = `DuckDB query on '${source.duckdb}'`;
    return withDuckDb(
      async (session) => {
        try {
          return await readRelationExact(session.connection, source.sql, {
            declared,
            sourceName: where,
          });
        } catch (error) {
          throw explainSqlError(error, where, { database: source.duckdb, sql: source.sql });
        }
      },
      source.duckdb,
      { readOnly: true, confine: true },
    );
  }
  throw new KeelError(
    "KEEL_ERR_INVALID_ARGUMENT",
    "readFrame's source must be a file path, { duckdb, sql } or { postgres, sql }.",
  );
}

/** Raised inside a read whose file mixes line endings: the read starts over on a unified copy. */
class MixedLineEndings extends Error {}

async function readFile(path: string, options: ReadOptions): Promise<Frame> {
  try {
    return await readFileOnce(path, options, false);
  } catch (error) {
    // A fresh session: a query's session is confined to the files known when it started.
    if (error instanceof MixedLineEndings) return readFileOnce(path, options, true);
    throw error;
  }
}

async function readFileOnce(
  path: string,
  options: ReadOptions,
  unifyLineEndings: boolean,
): Promise<Frame> {
  const format = detectFormat(path, options.format);
  const dialect = {
    ...csvDialect(options, format === "tsv" ? "\t" : ","),
    unifyLineEndings,
  };
  const info = await openDataFile(path);
  const declared = declaredKinds(options.schema);
  if ((format === "csv" || format === "tsv") && options.sql === undefined) {
    // Thousands of columns: DuckDB's planning grows with their square (see readWideCsv).
    const wide = await readWideCsv(info, dialect, declared);
    if (wide !== undefined) return wide;
  }
  let relation: FileRelation | undefined;
  const work = async (session: DuckDbSession): Promise<Frame> => {
    try {
      relation = await fileRelation(session.connection, info, format, dialect, declared);
    } catch (error) {
      throw await explainReadError(error, path, format, false);
    }
    // With a user's query, the session may open the data file and nothing else.
    if (options.sql !== undefined) await session.confine(relation.files.map((f) => resolve(f)));
    const text = new Set<string>();
    // A value past DuckDB's type-sniffing sample may not fit the sniffed type (a 'n/a' deep in
    // a numeric column), and a column of numbers may hold integers beyond 2^53: read such a
    // column as text and let the inference rule type it from all its values.
    for (let attempt = 0; ; attempt++) {
      try {
        return await readRelationOnce(session, relation, options.sql, declared, path, text);
      } catch (error) {
        if (attempt > 10_000) {
          throw await explainReadError(error, path, format, false, relation.copy);
        }
        if (error instanceof ColumnsNeedText) {
          for (const [k, name] of error.names.entries()) {
            const index =
              options.sql === undefined
                ? (error.positions[k] as number)
                : relation.names
                  ? relation.names.indexOf(name)
                  : ((await relation.columnIndex?.(name)) ?? -1);
            if (relation.asText && index >= 0) relation = await relation.asText(index);
            else text.add(name);
          }
          continue;
        }
        if (relation.withLongLines && isLineTooLong(error)) {
          relation = relation.withLongLines();
          continue;
        }
        const failed = conversionFailedColumn(error);
        const index = failed === undefined ? undefined : relation.columnOfInternalName?.(failed);
        if (index === undefined || relation.asText === undefined) {
          // DuckDB refuses a file that mixes \r\n, \r and \n; pandas reads it. Looked for
          // only now, so a clean file pays nothing.
          if (
            (format === "csv" || format === "tsv") &&
            !unifyLineEndings &&
            (await holdsCarriageReturn(path))
          ) {
            throw new MixedLineEndings();
          }
          throw await explainReadError(
            error,
            path,
            format,
            options.sql !== undefined,
            relation.copy,
          );
        }
        relation = await relation.asText(index);
      }
    }
  };
  try {
    return await withDuckDb(work);
  } finally {
    await relation?.dispose?.();
  }
}

async function readRelationOnce(
  session: DuckDbSession,
  relation: FileRelation,
  sql: string | undefined,
  declared: ReturnType<typeof declaredKinds>,
  path: string,
  textColumns: ReadonlySet<string>,
): Promise<Frame> {
  if (sql === undefined) {
    return readRelation(session.connection, relation.sql, {
      declared,
      locate: relation.locate,
      ...(relation.names ? { names: relation.names } : {}),
      ...(relation.countRows ? { countRows: relation.countRows } : {}),
      ...(relation.missingTokens ? { missingTokens: relation.missingTokens } : {}),
      numbersFromText: relation.numbersFromText,
      ...(relation.numericText ? { numericText: relation.numericText } : {}),
      textColumns,
      sourceName: path,
    });
  }
  await session.connection.run(`CREATE OR REPLACE TEMP VIEW data AS ${relation.namedSql}`);
  // Rows of a query's result no longer map to lines of the file.
  return readRelation(session.connection, sql, {
    declared,
    locate: (row) => ({ where: `${path} (query result row ${row + 1})`, record: row }),
    ...(relation.missingTokens ? { missingTokens: relation.missingTokens } : {}),
    numbersFromText: relation.numbersFromText,
    ...(relation.numericText ? { numericText: relation.numericText } : {}),
    textColumns,
    sourceName: `${path} (query)`,
  });
}

/** DuckDB's report of a line over its limit (which it may word as an unterminated quote). */
function isLineTooLong(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /unterminated quote|maximum line size/i.test(message);
}

function csvDialect(options: ReadOptions, defaultDelimiter: string): CsvDialect {
  const single = (value: string | undefined, option: string, fallback: string): string => {
    if (value === undefined) return fallback;
    // One byte: the header parser and DuckDB's dialect compare single bytes, so a '€' (three
    // bytes in UTF-8) would split nothing and every row would look ragged.
    if (
      typeof value !== "string" ||
      value.length !== 1 ||
      value.charCodeAt(0) > 0x7f ||
      /[\r\n]/.test(value)
    ) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `The '${option}' option must be one ASCII character (not a line break). Got ${describeValue(value)} instead.`,
        { details: { option, got: value } },
      );
    }
    return value;
  };
  const delimiter = single(options.sep, "sep", defaultDelimiter);
  const quote = single(options.quote, "quote", '"');
  if (delimiter === quote) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `The 'sep' and 'quote' options must differ. Got '${delimiter}' for both.`,
      { details: { sep: delimiter, quote } },
    );
  }
  const extra = options.naValues ?? [];
  if (!Array.isArray(extra) || extra.some((v) => typeof v !== "string")) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `The 'naValues' option must be a list of strings. Got ${describeValue(extra)} instead.`,
      { details: { option: "naValues", got: extra } },
    );
  }
  const missing = new Set<string>(options.keepDefaultNa === false ? [] : MISSING_TOKENS);
  for (const value of extra) missing.add(value);
  return { delimiter, quote, missing };
}
