import { readFile } from "node:fs/promises";
import { type Column, type ColumnKind, Frame } from "../core/index.js";
import { readCsvHeader } from "./csv-header.js";
import { type DataFileInfo, fileError } from "./file-access.js";
import type { CsvDialect } from "./file-relation.js";
import { columnNames } from "./file-relation.js";
import { textToColumn } from "./infer-kind.js";

/**
 * From this many columns a small file is parsed by keel instead of DuckDB: DuckDB's planning
 * grows with the square of the column count (20,000 columns × 1 row took 6.2 s, pandas 1.05 s;
 * 2,000 columns take ~0.1 s).
 *
 * @example
 * ```ts
 * header.names.length >= WIDE_MIN_COLUMNS; // read with readWideCsv
 * ```
 */
export const WIDE_MIN_COLUMNS = 2000;

/**
 * ...up to this size: a file held whole as one string and one string per cell is cheap only
 * while it is small, and DuckDB's parallel parse wins on big files whatever their width.
 *
 * @example
 * ```ts
 * info.size <= WIDE_MAX_BYTES;
 * ```
 */
export const WIDE_MAX_BYTES = 32 * 2 ** 20;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Reads a small CSV/TSV with at least {@link WIDE_MIN_COLUMNS} columns without DuckDB: each
 * record split as RFC 4180 says (a quote opens a quoted field at a field's start, `""` inside
 * is one quote; `\r\n`, `\r` and `\n` all end a record; blank lines are skipped, as pandas
 * does), every column typed from all its text by the same rule as the DuckDB path
 * ({@link textToColumn}). Returns `undefined` for any file it does not take (narrower, bigger,
 * not UTF-8, a record with the wrong number of fields, an unterminated quote, text after a
 * closing quote): the DuckDB path reads those and names what is wrong.
 *
 * @example
 * ```ts
 * const frame = await readWideCsv(await openDataFile("wide.csv"), dialect, new Map());
 * ```
 */
export async function readWideCsv(
  info: DataFileInfo,
  dialect: CsvDialect,
  declared: ReadonlyMap<string, ColumnKind>,
): Promise<Frame | undefined> {
  if (info.size > WIDE_MAX_BYTES) return undefined;
  const header = await readCsvHeader(info.path, dialect.delimiter, dialect.quote);
  if (header.names.length < WIDE_MIN_COLUMNS || !header.regular) return undefined;
  const names = columnNames(header.names, info.path);
  let bytes: Buffer;
  try {
    bytes = await readFile(info.path);
  } catch (error) {
    throw fileError(info.path, error);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(header.bytes));
  } catch {
    return undefined;
  }
  const parsed = splitRecords(text, names.length, dialect, header.lines);
  if (parsed === undefined) return undefined;
  for (const name of declared.keys()) {
    // An unknown declared name: the DuckDB path names it with the file's columns.
    if (!names.includes(name)) return undefined;
  }
  const locate = (row: number) => {
    const line = parsed.lines[row] as number;
    return { where: `${info.path}:${line}`, line, record: row };
  };
  return Frame.fromColumns(
    names.map((name, c): [string, Column] => [
      name,
      textToColumn(name, parsed.columns[c] as (string | null)[], declared.get(name), locate, {
        numbers: true,
      }),
    ]),
  );
}

/**
 * Splits the text after the header into columns (`null` for a missing value) and the line
 * each record starts on; `undefined` when the text is not a regular table.
 */
function splitRecords(
  text: string,
  width: number,
  dialect: CsvDialect,
  headerLines: number,
): { columns: (string | null)[][]; lines: number[] } | undefined {
  const delimiter = dialect.delimiter.charCodeAt(0);
  const quote = dialect.quote.charCodeAt(0);
  const missing = dialect.missing;
  const columns: (string | null)[][] = Array.from({ length: width }, () => []);
  const lines: number[] = [];
  let line = headerLines + 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    // A blank line is no record.
    const first = text.charCodeAt(i);
    if (first === LF || first === CR) {
      i += first === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    let field = 0;
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === quote) {
        let out = "";
        let from = i + 1;
        for (;;) {
          const close = text.indexOf(dialect.quote, from);
          if (close < 0) return undefined;
          out += text.slice(from, close);
          if (text.charCodeAt(close + 1) === quote) {
            out += dialect.quote;
            from = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        for (let k = 0; k < out.length; k++) {
          const c = out.charCodeAt(k);
          if (c === LF || (c === CR && out.charCodeAt(k + 1) !== LF)) line++;
        }
        value = out;
      } else {
        let end = i;
        while (end < n) {
          const c = text.charCodeAt(end);
          if (c === delimiter || c === LF || c === CR) break;
          if (c === quote) return undefined;
          end++;
        }
        value = text.slice(i, end);
        i = end;
      }
      if (field >= width) return undefined;
      (columns[field] as (string | null)[]).push(missing.has(value) ? null : value);
      field++;
      const next = i < n ? text.charCodeAt(i) : LF;
      if (next === delimiter) {
        i++;
        continue;
      }
      if (next !== LF && next !== CR) return undefined;
      i += next === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    if (field !== width) return undefined;
    lines.push(start);
  }
  return { columns, lines };
}
