import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Frame, KeelError } from "../core/index.js";
import { errorReason, quoteLiteral, withDuckDb } from "./duckdb-session.js";
import { detectFormat } from "./file-format.js";
import { loadFrame } from "./frame-table.js";
import type { FileFormat } from "./source.js";

/**
 * Writes a Frame to CSV, TSV or Parquet (by extension, or `options.format`) through DuckDB.
 * The data goes to a temporary file in the same directory that is renamed over `path` only
 * when complete, so a failure never leaves a half-written file. Timestamps are written as
 * TIMESTAMPs, categoricals as their labels, missing values as empty fields (CSV) or NULL.
 *
 * @example
 * ```ts
 * await writeFrame(frame, "out/clean.parquet");
 * await writeFrame(frame, "out/clean.csv");
 * ```
 */
export async function writeFrame(
  frame: Frame,
  path: string,
  options: { format?: FileFormat } = {},
): Promise<void> {
  const format = detectFormat(path, options.format);
  if (format === "jsonl") {
    throw new KeelError(
      "KEEL_ERR_UNSUPPORTED",
      `${path}: writeFrame writes CSV, TSV and Parquet; JSON lines is read-only for now.`,
      { details: { file: path, format } },
    );
  }
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const copyOptions =
    format === "parquet"
      ? "FORMAT parquet"
      : `FORMAT csv, HEADER true, DELIMITER ${quoteLiteral(format === "tsv" ? "\t" : ",")}`;
  try {
    await withDuckDb(async (session) => {
      await loadFrame(session.connection, frame, "frame");
      await session.connection.run(`COPY frame TO ${quoteLiteral(temporary)} (${copyOptions})`);
    });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof KeelError) throw error;
    throw new KeelError(
      "KEEL_ERR_WRITE_FAILED",
      `${path}: cannot write the file: ${errorReason(error)}`,
      {
        details: { file: path, format },
        cause: error,
      },
    );
  }
}
