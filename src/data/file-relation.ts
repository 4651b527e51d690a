import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { type ColumnKind, KeelError } from "../core/index.js";
import { readCsvHeader } from "./csv-header.js";
import { quoteIdentifier, quoteLiteral } from "./duckdb-session.js";
import { countLines, type DataFileInfo, fileError, scanFile } from "./file-access.js";
import type { RowLocator } from "./infer-kind.js";
import { copyWithUnifiedLineEndings } from "./line-endings.js";
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
  /** The SELECT; for CSV its columns have internal names (see `names`). */
  readonly sql: string;
  /** The file's column names by position, when `sql` names them otherwise. */
  readonly names?: readonly string[];
  /** `sql` with the file's own names, as a user's query sees the table `data`. */
  readonly namedSql: string;
  /** Names a data row in messages: `data.csv:12`. */
  readonly locate: RowLocator;
  /** The expected number of data rows (see `RelationReadOptions.countRows`). */
  readonly countRows?: () => Promise<number>;
  /** Text meaning "missing" in this format (see `RelationReadOptions.missingTokens`). */
  readonly missingTokens?: ReadonlySet<string>;
  /** Numbers were parsed from text (so a float64 may have rounded an integer). */
  readonly numbersFromText: boolean;
  /**
   * Re-plans the relation with the file's column at `index` read as its text (CSV); the
   * other formats carry types, which a cast to text renders exactly.
   */
  readonly asText?: (index: number) => FileRelation | Promise<FileRelation>;
  /** The position of the file's column `name` (-1: none), when `names` is not known upfront. */
  readonly columnIndex?: (name: string) => Promise<number>;
  /** Text columns that hold only numbers' text (see `RelationReadOptions.numericText`). */
  readonly numericText?: ReadonlySet<string>;
  /**
   * Re-plans the relation with room for lines as long as the file (CSV): DuckDB's 2 MiB line
   * limit reports a longer, properly quoted field as an unterminated quote.
   */
  readonly withLongLines?: () => FileRelation;
  /** The file column an internal name in a DuckDB message stands for (CSV). */
  readonly columnOfInternalName?: (name: string) => number | undefined;
  /** Files the reader's DuckDB session may open: the data file (or its copy). */
  readonly files: readonly string[];
  /** The header-less copy DuckDB reads instead of the file, and the lines it left out. */
  readonly copy?: { readonly path: string; readonly lineOffset: number };
  /** Removes what planning created (a header-less copy of the file). */
  readonly dispose?: () => Promise<void>;
}

/**
 * How a delimited text file is written and which text means "missing", as pandas'
 * `sep`, `quotechar`, `na_values` and `keep_default_na` say it.
 *
 * @example
 * ```ts
 * const dialect: CsvDialect = { delimiter: ";", quote: '"', missing: new Set([""]) };
 * ```
 */
export interface CsvDialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly missing: ReadonlySet<string>;
  /**
   * Read a copy with every line break outside quotes as `\n`: the file mixes `\r\n`, `\r`
   * and `\n`, which DuckDB refuses (see `copyWithUnifiedLineEndings`).
   */
  readonly unifyLineEndings?: boolean;
}

/**
 * DuckDB's CSV read buffer per thread: 4 MiB (its default is 16× the 2 MiB line limit). The
 * buffers in flight are most of the memory a read needs beyond the Frame itself, and smaller
 * ones did not read slower in bench/read-csv (1M × 50: peak RSS 1.73–1.89× the Frame instead of
 * 2.00–2.26×). A longer line is retried with a buffer that holds it (see `withLongLines`).
 */
const CSV_BUFFER_BYTES = 4 * 2 ** 20;

const NO_MISSING = "\uE000keel: nothing is missing\uE000";

/** The longest line keel asks DuckDB to hold, when a file has lines over its 2 MiB default. */
const LONGEST_LINE = 2 ** 30;

/**
 * Text spelled like a missing value: pandas 1.5's `read_csv` default `na_values`, all of them
 * (a numeric column with one Excel `#N/A` would otherwise become text).
 *
 * @example
 * ```ts
 * MISSING_TOKENS.includes("NA"); // true
 * ```
 */
export const MISSING_TOKENS = [
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "n/a",
  "nan",
  "null",
] as const;

/**
 * Plans the DuckDB relation for a data file of the given format.
 *
 * @example
 * ```ts
 * const relation = await fileRelation(connection, await openDataFile("a.csv"), "csv", dialect, new Map());
 * ```
 */
export async function fileRelation(
  connection: DuckDBConnection,
  info: DataFileInfo,
  format: FileFormat,
  dialect: CsvDialect,
  declared: ReadonlyMap<string, ColumnKind>,
): Promise<FileRelation> {
  const path = quoteLiteral(info.path);
  switch (format) {
    case "csv":
    case "tsv":
      return csvRelation(connection, info, dialect, declared);
    case "jsonl":
      return jsonRelation(connection, info, undefined, new Set());
    case "parquet": {
      const sql = `SELECT * FROM read_parquet(${path})`;
      return {
        sql,
        namedSql: sql,
        numbersFromText: false,
        locate: (row) => ({ where: `${info.path} row ${row + 1}`, record: row }),
        files: [info.path],
      };
    }
  }
}

/**
 * Plans a JSON-lines read. The whole file decides the types (sample_size=-1): a key or a type
 * first seen after DuckDB's 20,480-row sample would otherwise fail the read or be cut. DuckDB
 * types a number column holding an integer beyond the int64 range DOUBLE, which rounds it;
 * such a column (`asText`) is read again as the JSON text of its numbers.
 */
function jsonRelation(
  connection: DuckDBConnection,
  info: DataFileInfo,
  types: readonly (readonly [string, string])[] | undefined,
  raw: ReadonlySet<string>,
): FileRelation {
  const columns =
    types === undefined
      ? "sample_size=-1"
      : `columns={${types.map(([name, type]) => `${quoteLiteral(name)}: ${quoteLiteral(raw.has(name) ? "VARCHAR" : type)}`).join(", ")}}`;
  const sql = `SELECT * FROM read_json(${quoteLiteral(info.path)}, format='newline_delimited', ${columns}, maximum_object_size=${2 ** 28})`;
  const describe = async () =>
    types ??
    (await connection.runAndReadAll(`DESCRIBE ${sql}`))
      .getRows()
      .map((row) => [String(row[0]), String(row[1])] as const);
  return {
    sql,
    namedSql: sql,
    numbersFromText: true,
    numericText: raw,
    countRows: () => countLines(info.path),
    locate: (row) => ({ where: `${info.path}:${row + 1}`, line: row + 1, record: row }),
    files: [info.path],
    columnIndex: async (name) => (await describe()).findIndex(([n]) => n === name),
    asText: async (index) => {
      const described = await describe();
      const name = described[index]?.[0];
      return jsonRelation(
        connection,
        info,
        described,
        name === undefined ? raw : new Set([...raw, name]),
      );
    },
  };
}

/**
 * Plans a CSV/TSV read. keel parses the header itself (any length, RFC 4180, names that
 * differ only in case kept) and gives DuckDB positional internal names, so DuckDB never
 * guesses a header or compares names case-insensitively. DuckDB's sniffer guesses from a
 * sample which columns are numbers (`DOUBLE`) and which text; every other column (dates,
 * booleans, text) is read as the file's text and typed by keel from all its values. A numeric
 * guess is then checked on every value by DuckDB's strict number parser: a value past the
 * sample that is not a plain decimal number (`n/a`, `0x1F`) fails it, and the reader reads
 * that column again as text, so a guess never changes a value. Declared kinds other than
 * numeric are read as text and converted by keel. Strict mode is on, so a row with the wrong
 * number of fields is an error with its line instead of a guess.
 *
 * @example
 * ```ts
 * const relation = await csvRelation(connection, info, dialect, new Map([["zip", "string"]]));
 * ```
 */
export async function csvRelation(
  connection: DuckDBConnection,
  info: DataFileInfo,
  dialect: CsvDialect,
  declared: ReadonlyMap<string, ColumnKind>,
): Promise<FileRelation> {
  const header = await readCsvHeader(info.path, dialect.delimiter, dialect.quote);
  const names = columnNames(header.names, info.path);
  // A header DuckDB cannot skip (text after a closing quote) is left out of a copy instead;
  // mixed line endings are unified in a copy.
  let file = info.path;
  let skip = 1;
  let dispose: (() => Promise<void>) | undefined;
  if (!header.regular || dialect.unifyLineEndings) {
    const directory = await mkdtemp(join(tmpdir(), "keel-csv-"));
    file = join(directory, "body.csv");
    try {
      if (dialect.unifyLineEndings) {
        await copyWithUnifiedLineEndings(info.path, file, header.bytes, dialect.quote);
      } else {
        await pipeline(
          createReadStream(info.path, { start: header.bytes }),
          createWriteStream(file),
        );
      }
    } catch (error) {
      await rm(directory, { recursive: true, force: true });
      throw fileError(info.path, error);
    }
    skip = 0;
    dispose = () => rm(directory, { recursive: true, force: true });
  }
  const internal = names.map((_, i) => `#${i}`);
  // DuckDB wants some null string; with none asked for, one no file holds (private use area).
  const nullstr = dialect.missing.has("")
    ? "''"
    : `[${[...(dialect.missing.size > 0 ? dialect.missing : [NO_MISSING])].map(quoteLiteral).join(", ")}]`;
  const options = [
    `header=false`,
    `skip=${skip}`,
    `delim=${quoteLiteral(dialect.delimiter)}`,
    `quote=${quoteLiteral(dialect.quote)}`,
    `escape=${quoteLiteral(dialect.quote)}`,
    `nullstr=${nullstr}`,
    // Told, not detected: DuckDB takes a quoted \r for a line break when it guesses.
    ...(dialect.unifyLineEndings ? ["new_line='\\n'"] : []),
  ].join(", ");
  // One pass counts the rows and looks for '_' and '+-': DuckDB's number parser reads 1_000
  // as 1000 and +-1 as -1, so only a file holding either needs the slower guarded conversion.
  // It runs while DuckDB sniffs the types on its own threads.
  const [scan, sniffed] = await Promise.all([
    scanFile(info.path, { from: header.bytes, find: ["_", "+-"] }),
    sniffTypes(connection, file, options, internal),
  ]);
  const numeric = names.map((name, i) => {
    const kind = declared.get(name);
    return sniffed?.[i] === "DOUBLE" && (kind === undefined || kind === "numeric");
  });
  const headerLines = header.lines;
  const locate: RowLocator = (row) => ({
    where: `${info.path}:${row + headerLines + 1}`,
    line: row + headerLines + 1,
    record: row,
  });
  const missingTokens = dialect.missing;
  let lineBytes = 0;
  const plan = (): FileRelation => {
    const limits =
      lineBytes > 0
        ? `max_line_size=${lineBytes}, buffer_size=${lineBytes}`
        : `buffer_size=${CSV_BUFFER_BYTES}`;
    const columns = internal
      .map(
        (name, i) => `${quoteLiteral(name)}: '${numeric[i] && !scan.found ? "DOUBLE" : "VARCHAR"}'`,
      )
      .join(", ");
    const source = `read_csv(${quoteLiteral(file)}, auto_detect=false, ${options}, strict_mode=true, null_padding=false, ${limits}, columns={${columns}})`;
    const select = (alias: (i: number) => string) =>
      internal
        .map((name, i) => {
          const column = quoteIdentifier(name);
          const value =
            numeric[i] && scan.found
              ? `CASE WHEN strpos(${column}, '_') > 0 OR strpos(${column}, '+-') > 0 THEN error(${quoteLiteral(`Error when converting column "${name}". '_' and '+-' are not part of a number.`)}) ELSE CAST(${column} AS DOUBLE) END`
              : column;
          return `${value} AS ${alias(i)}`;
        })
        .join(", ");
    // A single-column file's blank lines are not rows (pandas skips blank lines; in a wider
    // file DuckDB does).
    const where =
      internal.length === 1 ? ` WHERE ${quoteIdentifier(internal[0] as string)} IS NOT NULL` : "";
    return {
      sql: `SELECT ${select((i) => quoteIdentifier(internal[i] as string))} FROM ${source}${where}`,
      namedSql: `SELECT ${select((i) => quoteIdentifier(names[i] as string))} FROM ${source}${where}`,
      names,
      numbersFromText: true,
      countRows: async () => scan.lines,
      missingTokens,
      locate,
      ...(lineBytes === 0
        ? {
            withLongLines: () => {
              lineBytes = Math.min(
                LONGEST_LINE,
                Math.max(CSV_BUFFER_BYTES, 2 ** Math.ceil(Math.log2(info.size + 1))),
              );
              return plan();
            },
          }
        : {}),
      asText: (index) => {
        numeric[index] = false;
        return plan();
      },
      columnOfInternalName: (name) => {
        const index = internal.indexOf(name);
        return index < 0 ? undefined : index;
      },
      files: [file],
      ...(dispose ? { dispose, copy: { path: file, lineOffset: header.lines } } : {}),
    };
  };
  return plan();
}

/**
 * The Frame's column names from a CSV header: an empty name is `column<i>`, and a name given
 * twice is a `KEEL_ERR_DUPLICATE_COLUMN` (names differing only in case are distinct).
 *
 * @example
 * ```ts
 * columnNames(["id", "", "A", "a"], "x.csv"); // ["id", "column1", "A", "a"]
 * ```
 */
export function columnNames(header: readonly string[], path: string): string[] {
  const names = header.map((name, i) => name || `column${i}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new KeelError(
        "KEEL_ERR_DUPLICATE_COLUMN",
        `${path}:1: the header names column '${name}' twice.`,
        { details: { file: path, line: 1, column: name } },
      );
    }
    seen.add(name);
  }
  return names;
}

async function sniffTypes(
  connection: DuckDBConnection,
  path: string,
  options: string,
  internal: readonly string[],
): Promise<string[] | undefined> {
  try {
    const described = await connection.runAndReadAll(
      `DESCRIBE SELECT * FROM read_csv(${quoteLiteral(path)}, ${options}, names=[${internal.map(quoteLiteral).join(", ")}], auto_type_candidates=['DOUBLE', 'VARCHAR'])`,
    );
    const types = described.getRows().map((row) => String(row[1]));
    // A ragged or odd file can fool the sniffer; then read every column as text and let the
    // strict read report the offending line.
    return types.length === internal.length ? types : undefined;
  } catch {
    // The sniffer gives up on some malformed files; the strict read below reports why.
    return undefined;
  }
}
