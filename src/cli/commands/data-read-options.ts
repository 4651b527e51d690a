import type { FileFormat, ReadOptions } from "../../data/index.js";
import { type OptionSpec, type OptionValues, read } from "../command.js";

/**
 * The options with which `keel data profile` and `keel data validate` read a file, as
 * pandas' `read_csv` names them: `--format`, `--sep`, `--quote`, `--na-value` (repeatable)
 * and `--no-default-na` (pandas' `keep_default_na=False`).
 *
 * @example
 * ```ts
 * defineCommand({ ..., options: { ...DATA_READ_OPTIONS, checks: { ... } } });
 * ```
 */
export const DATA_READ_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  format: {
    type: "string",
    valueName: "FORMAT",
    description: "csv, tsv, parquet or jsonl when the extension does not tell",
  },
  sep: {
    type: "string",
    valueName: "CHAR",
    description: "CSV/TSV field delimiter, one ASCII character (default ',' or tab for .tsv)",
  },
  quote: {
    type: "string",
    valueName: "CHAR",
    description: "CSV/TSV quote character (default '\"')",
  },
  "na-value": {
    type: "string",
    multiple: true,
    valueName: "TEXT",
    description: "Text that also means a missing value, e.g. --na-value - --na-value ?",
  },
  "no-default-na": {
    type: "boolean",
    description:
      "Do not treat '', NA, N/A, NaN, nan, null, NULL as missing (keeps Namibia's NA); only --na-value does",
  },
};

/**
 * The {@link ReadOptions} the {@link DATA_READ_OPTIONS} given on the command line ask for.
 *
 * @example
 * ```ts
 * const frame = await readFrame(file, dataReadOptions(ctx.options));
 * ```
 */
export function dataReadOptions(options: OptionValues): ReadOptions {
  const format = read.string(options, "format") as FileFormat | undefined;
  const sep = read.string(options, "sep");
  const quote = read.string(options, "quote");
  const naValues = read.list(options, "na-value");
  return {
    ...(format ? { format } : {}),
    ...(sep !== undefined ? { sep: sep === "\\t" ? "\t" : sep } : {}),
    ...(quote !== undefined ? { quote } : {}),
    ...(naValues.length > 0 ? { naValues } : {}),
    ...(read.flag(options, "no-default-na") ? { keepDefaultNa: false } : {}),
  };
}
