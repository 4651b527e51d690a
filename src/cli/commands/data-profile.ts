import { isAbsolute, resolve } from "node:path";
import {
  type ColumnProfile,
  datasetVersion,
  type FileFormat,
  profileFrame,
  readFrame,
} from "../../data/index.js";
import { type CommandContext, defineCommand, read } from "../command.js";
import { formatCell, formatTable } from "../format.js";
import { DATA_READ_OPTIONS, dataReadOptions } from "./data-read-options.js";

/**
 * `keel data profile FILE`: reads a data file and prints one row per column (kind, missing,
 * distinct, min, max, mean, std, quantiles, top values), or with `--json` the profile as
 * `{ rows, columns: [...] }`.
 *
 * @example
 * ```sh
 * keel data profile data/telco_churn.csv
 * keel data profile events.parquet --json
 * ```
 */
export const dataProfileCommand = defineCommand({
  path: ["data", "profile"],
  summary: "Profile a data file: kinds, missing values, distinct counts, statistics",
  usage:
    "FILE [--format csv|tsv|parquet|jsonl] [--sep C] [--quote C] [--na-value T]... [--no-default-na] [--json]",
  positionals: [1, 1],
  options: {
    ...DATA_READ_OPTIONS,
  },
  examples: [
    "keel data profile data/telco_churn.csv",
    "keel data profile data/telco_churn.csv --json",
  ],
  async run(ctx) {
    const file = dataPath(ctx, ctx.positionals[0] ?? "");
    const frame = await readFrame(file, dataReadOptions(ctx.options));
    const profile = profileFrame(frame);
    if (ctx.json) {
      ctx.out(`${JSON.stringify(profile)}\n`);
      return 0;
    }
    const version = await datasetVersion(file);
    ctx.out(
      `${ctx.positionals[0]}: ${profile.rows.toLocaleString("en-US")} rows × ${profile.columns.length} columns (sha256 ${version.slice(0, 12)})\n\n`,
    );
    ctx.out(
      `${formatTable(
        [
          "column",
          "kind",
          "missing",
          "distinct",
          "min",
          "max",
          "mean",
          "std",
          "p5",
          "p25",
          "p50",
          "p75",
          "p95",
          "top",
        ],
        profile.columns.map(profileRow),
      )}\n`,
    );
    return 0;
  },
});

function profileRow(c: ColumnProfile): (string | number | null)[] {
  const value = (v: number | null | undefined) =>
    v === null || v === undefined
      ? ""
      : c.kind === "timestamp"
        ? new Date(v).toISOString().replace(".000Z", "Z")
        : formatCell(v);
  const q = c.quantiles;
  return [
    c.name,
    c.kind,
    c.missing,
    c.distinct,
    value(c.min),
    value(c.max),
    value(c.mean),
    value(c.std),
    value(q?.p05),
    value(q?.p25),
    value(q?.p50),
    value(q?.p75),
    value(q?.p95),
    (c.top ?? [])
      .slice(0, 3)
      .map((t) => `${String(t.value)} (${t.count})`)
      .join(", "),
  ];
}

/**
 * A file argument resolved against the command's working directory (kept as typed when that
 * is the process's own, so messages show the path the user wrote).
 *
 * @example
 * ```ts
 * dataPath(ctx, "data/telco_churn.csv");
 * ```
 */
export function dataPath(ctx: CommandContext, file: string): string {
  return isAbsolute(file) || resolve(ctx.cwd) === process.cwd() ? file : resolve(ctx.cwd, file);
}
