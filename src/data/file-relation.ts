import type { DuckDBConnection } from "@duckdb/node-api";
import { KeelError } from "../core/index.js";
import { csvHeader } from "./csv-header.js";
import { quoteLiteral } from "./duckdb-session.js";
import { countLines, type DataFileInfo } from "./file-access.js";
import type { RowLocator } from "./infer-kind.js";
import type { FileFormat } from "./source.js";

/**
 * A DuckDB SELECT over a data file, with what the reader needs to know about it.
 *
 * @example
 * ```ts
 * const { sql, locate } = await fileRelation(connection, info, "csv");
 * locate(0).where; // "data.csv:2"
 * ```
 */
export interface FileRelation {
  readonly sql: string;
  /** Names a data row in messages: `data.csv:12`. */
  readonly locate: RowLocator;
  /** The expected number of data rows (see `RelationReadOptions.countRows`). */
  readonly countRows?: () => Promise<number>;
  /** Text meaning "missing" in this format (see `RelationReadOptions.missingTokens`). */
  readonly missingTokens?: ReadonlySet<string>;
  /** Re-plans the relation with one column read as text (see {@link csvRelation}). */
  readonly asText?: (column: string) => FileRelation;
}

/**
 * DuckDB's CSV read buffer per thread: 4 MiB (its default is 16× the 2 MiB line limit). The
 * buffers in flight are most of the memory a read needs beyond the Frame itself, and smaller
 * ones did not read slower in bench/read-csv (1M × 50: peak RSS 1.73–1.89× the Frame instead of
 * 2.00–2.26×). Lines stay limited to DuckDB's 2 MiB.
 */
const CSV_BUFFER_BYTES = 4 * 2 ** 20;

/**
 * Text spelled like a missing value, as pandas' `read_csv` treats it.
 *
 * @example
 * ```ts
 * MISSING_TOKENS.includes("NA"); // true
 * ```
 */
export const MISSING_TOKENS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL"] as const;

const MISSING_TOKEN_SET: ReadonlySet<string> = new Set(MISSING_TOKENS);

/**
 * Plans the DuckDB relation for a data file of the given format.
 *
 * @example
 * ```ts
 * const relation = await fileRelation(connection, await openDataFile("a.csv"), "csv");
 * ```
 */
export async function fileRelation(
  connection: DuckDBConnection,
  info: DataFileInfo,
  format: FileFormat,
): Promise<FileRelation> {
  const path = quoteLiteral(info.path);
  switch (format) {
    case "csv":
    case "tsv":
      return csvRelation(connection, info, format === "tsv" ? "\t" : ",");
    case "jsonl":
      return {
        sql: `SELECT * FROM read_json(${path}, format='newline_delimited')`,
        countRows: () => countLines(info.path),
        locate: (row) => ({ where: `${info.path}:${row + 1}`, line: row + 1, record: row }),
      };
    case "parquet":
      return {
        sql: `SELECT * FROM read_parquet(${path})`,
        locate: (row) => ({ where: `${info.path} row ${row + 1}`, record: row }),
      };
  }
}

/**
 * Plans a CSV/TSV read in two steps. DuckDB's sniffer guesses the column types from a sample
 * (without booleans: `Yes`/`No` must stay text, see `inferTextKind`), then the file is read
 * with those types fixed, the header taken as is and strict mode on, so that a row with the
 * wrong number of fields is an error with its line instead of a guess. (Left to itself the
 * sniffer may take a ragged file's last row as the header.)
 *
 * @example
 * ```ts
 * const relation = await csvRelation(connection, info, ",");
 * ```
 */
export async function csvRelation(
  connection: DuckDBConnection,
  info: DataFileInfo,
  delimiter: string,
): Promise<FileRelation> {
  const header = csvHeader(info.head, delimiter).map((name, i) => name || `column${i}`);
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) {
      throw new KeelError(
        "KEEL_ERR_DUPLICATE_COLUMN",
        `${info.path}:1: the header names column '${name}' twice.`,
        { details: { file: info.path, line: 1, column: name } },
      );
    }
    seen.add(name);
  }
  const dialect = [
    "header=true",
    `delim=${quoteLiteral(delimiter)}`,
    `quote='"'`,
    `escape='"'`,
    "nullstr=''",
  ].join(", ");
  const sniffed = await sniffTypes(connection, info.path, dialect, header.length);
  const types = new Map(header.map((name, i) => [name, sniffed?.[i] ?? "VARCHAR"]));
  const locate: RowLocator = (row) => ({
    where: `${info.path}:${row + 2}`,
    line: row + 2,
    record: row,
  });
  const plan = (): FileRelation => {
    const columns = header
      .map((name) => `${quoteLiteral(name)}: ${quoteLiteral(types.get(name) ?? "VARCHAR")}`)
      .join(", ");
    return {
      sql: `SELECT * FROM read_csv(${quoteLiteral(info.path)}, auto_detect=false, ${dialect}, strict_mode=true, null_padding=false, buffer_size=${CSV_BUFFER_BYTES}, columns={${columns}})`,
      countRows: async () => Math.max(0, (await countLines(info.path)) - 1),
      missingTokens: MISSING_TOKEN_SET,
      locate,
      asText: (column) => {
        types.set(column, "VARCHAR");
        return plan();
      },
    };
  };
  return plan();
}

async function sniffTypes(
  connection: DuckDBConnection,
  path: string,
  dialect: string,
  expectedColumns: number,
): Promise<string[] | undefined> {
  try {
    const described = await connection.runAndReadAll(
      `DESCRIBE SELECT * FROM read_csv(${quoteLiteral(path)}, ${dialect}, auto_type_candidates=['BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'VARCHAR'])`,
    );
    const types = described.getRows().map((row) => String(row[1]));
    // A ragged or odd file can fool the sniffer; then read every column as text and let the
    // strict read report the offending line.
    return types.length === expectedColumns ? types : undefined;
  } catch {
    // The sniffer gives up on some malformed files; the strict read below reports why.
    return undefined;
  }
}
