import { KeelError } from "../core/index.js";
import { errorReason } from "./duckdb-session.js";
import { findInvalidUtf8 } from "./file-access.js";
import type { FileFormat } from "./source.js";

/**
 * Explains why DuckDB failed to read a data file, as a KeelError that names the file and,
 * where DuckDB or a scan of the bytes can tell, the line: a ragged row
 * (`KEEL_ERR_RAGGED_ROW`, expected vs got fields), invalid UTF-8 (`KEEL_ERR_INVALID_UTF8`,
 * line and byte), an error in the user's SQL (`KEEL_ERR_SQL`), anything else
 * `KEEL_ERR_PARSE`.
 *
 * @example
 * ```ts
 * try { await read(); } catch (e) { throw await explainReadError(e, "data.csv", "csv", false); }
 * ```
 */
export async function explainReadError(
  error: unknown,
  file: string,
  format: FileFormat,
  hasUserSql: boolean,
  copy?: { readonly path: string; readonly lineOffset: number },
): Promise<KeelError> {
  if (error instanceof KeelError) return error;
  let message = error instanceof Error ? error.message : String(error);
  if (copy) {
    // DuckDB read a header-less copy of the file: name the user's file and count its lines.
    message = message
      .replaceAll(copy.path, file)
      .replace(
        /CSV Error on Line: (\d+)/,
        (_, n: string) => `CSV Error on Line: ${Number(n) + copy.lineOffset}`,
      );
    error = new Error(message, { cause: error });
  }
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const fields = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (fields) {
    const [, expected, got] = fields;
    return new KeelError(
      "KEEL_ERR_RAGGED_ROW",
      `${file}:${line ?? "?"}: expected ${expected} fields (as in the header), got ${got}.`,
      {
        details: {
          file,
          line: line === undefined ? undefined : Number(line),
          expected: Number(expected),
          got: Number(got),
        },
        cause: error,
      },
    );
  }
  if (format !== "parquet") {
    const bad = await findInvalidUtf8(file);
    if (bad) {
      return new KeelError(
        "KEEL_ERR_INVALID_UTF8",
        `${file}:${bad.line}: invalid UTF-8 at byte offset ${bad.byte}; expected a UTF-8 text file (re-encode it, e.g. iconv -f latin1 -t utf-8).`,
        { details: { file, line: bad.line, byte: bad.byte }, cause: error },
      );
    }
  }
  // A user's query fails for its own reasons (a cast, a denied file, error()); a failure of
  // the file itself is a CSV, JSON or Parquet error naming it.
  if (hasUserSql && isQueryFailure(message)) {
    return new KeelError("KEEL_ERR_SQL", `${file}: the query failed: ${errorReason(error)}`, {
      details: { file },
      cause: error,
    });
  }
  return new KeelError(
    "KEEL_ERR_PARSE",
    `${file}${line ? `:${line}` : ""}: cannot read the file as ${format}: ${errorReason(error)}`,
    {
      details: { file, format, line: line === undefined ? undefined : Number(line) },
      cause: error,
    },
  );
}

function isQueryFailure(message: string): boolean {
  if (/Error when converting column|CSV Error on Line/.test(message)) return false;
  if (/^(Parser|Binder|Catalog|Permission|Conversion|Out of Range) Error/.test(message))
    return true;
  return /^Invalid Input Error/.test(message) && !/CSV|JSON|parquet/i.test(message);
}

/**
 * The column DuckDB could not convert while reading a CSV past its type-sniffing sample, or
 * `undefined` for other errors.
 *
 * @example
 * ```ts
 * conversionFailedColumn(new Error('Error when converting column "b". Could not ...')); // "b"
 * conversionFailedColumn(new Error("Conversion Error: ... when casting from source column #1")); // "#1"
 * ```
 */
export function conversionFailedColumn(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  // The reader's own CSV cast words it one way, a CAST in its SELECT (the guarded path for
  // files holding '_') the other.
  const match =
    /Error when converting column "(.+?)"\./.exec(message) ??
    /^Conversion Error: .* when casting from source column (#\d+)$/m.exec(message);
  return match?.[1];
}

/**
 * Turns a failure of a user's SQL into a `KEEL_ERR_SQL` that names where the query came from
 * and keeps DuckDB's reason (a KeelError passes through with `where` in front of its message
 * when it does not already name it).
 *
 * @example
 * ```ts
 * try { await run(); } catch (e) { throw explainSqlError(e, "checks.json: checks[2].query", { query }); }
 * ```
 */
export function explainSqlError(
  error: unknown,
  where: string,
  details: Record<string, unknown>,
): KeelError {
  if (error instanceof KeelError) {
    if (error.message.startsWith(where)) return error;
    return new KeelError(error.code, `${where}: ${error.message}`, {
      details: { ...details, ...error.details },
      cause: error,
    });
  }
  return new KeelError("KEEL_ERR_SQL", `${where}: the query failed: ${errorReason(error)}`, {
    details,
    cause: error,
  });
}
