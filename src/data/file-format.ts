import { KeelError } from "../core/index.js";
import type { FileFormat } from "./source.js";

const EXTENSIONS: ReadonlyArray<readonly [string, FileFormat]> = [
  [".csv", "csv"],
  [".tsv", "tsv"],
  [".tab", "tsv"],
  [".parquet", "parquet"],
  [".pq", "parquet"],
  [".jsonl", "jsonl"],
  [".ndjson", "jsonl"],
];

/**
 * The format of a data file, from an explicit option or else from its extension; an unknown
 * extension is a `KEEL_ERR_UNKNOWN_FORMAT` that lists the known ones.
 *
 * @example
 * ```ts
 * detectFormat("data/telco_churn.csv"); // "csv"
 * detectFormat("events.log", "jsonl");  // "jsonl"
 * ```
 */
export function detectFormat(path: string, explicit?: FileFormat): FileFormat {
  if (explicit !== undefined) {
    if (!["csv", "tsv", "parquet", "jsonl"].includes(explicit)) {
      throw new KeelError(
        "KEEL_ERR_UNKNOWN_FORMAT",
        `The 'format' option must be one of 'csv', 'tsv', 'parquet', 'jsonl'. Got '${String(explicit)}' instead.`,
        { details: { format: explicit } },
      );
    }
    return explicit;
  }
  const lower = path.toLowerCase();
  const match = EXTENSIONS.find(([extension]) => lower.endsWith(extension));
  if (match) return match[1];
  throw new KeelError(
    "KEEL_ERR_UNKNOWN_FORMAT",
    `${path}: cannot tell the data format from the file name. Expected one of ${EXTENSIONS.map(([e]) => e).join(", ")}, or pass the 'format' option (--format).`,
    { details: { file: path, known: EXTENSIONS.map(([e]) => e) } },
  );
}
