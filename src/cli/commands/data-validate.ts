import { type CellValue, KeelError } from "../../core/index.js";
import { type FileFormat, loadChecks, readFrame, runChecks } from "../../data/index.js";
import { defineCommand, read } from "../command.js";
import { formatCell, formatTable } from "../format.js";
import { dataPath } from "./data-profile.js";
import { DATA_READ_OPTIONS, dataReadOptions } from "./data-read-options.js";

/**
 * `keel data validate FILE --checks CHECKS.json`: runs the data checks of a checks file and
 * prints one row per check. Exit code 0 when every check passes, 1 when any fails, 2 on
 * usage or input errors. `--json` prints `{ passed, results: [...] }`.
 *
 * @example
 * ```sh
 * keel data validate data/telco_churn.csv --checks data/telco-checks.json
 * ```
 */
export const dataValidateCommand = defineCommand({
  path: ["data", "validate"],
  summary: "Run data checks on a file (exit 1 when any check fails)",
  usage:
    "FILE --checks CHECKS.json [--format csv|tsv|parquet|jsonl] [--sep C] [--quote C] [--na-value T]... [--no-default-na] [--json]",
  positionals: [1, 1],
  options: {
    checks: {
      type: "string",
      valueName: "CHECKS.json",
      description: 'The checks file: { "checks": [ { "check": "notNull", "column": "id" }, ... ] }',
    },
    ...DATA_READ_OPTIONS,
  },
  description:
    "Checks: notNull, unique, range (min/max), allowedValues (values), regex (pattern), rowCount (min/max), freshness (maxAge like '1d'), schema (columns), sql (query returning failing rows from the table `data`).",
  examples: ["keel data validate data/telco_churn.csv --checks data/telco-checks.json"],
  async run(ctx) {
    const checksFile = read.string(ctx.options, "checks");
    if (checksFile === undefined) {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        "keel data validate needs --checks CHECKS.json. See 'keel data validate --help'.",
      );
    }
    const checks = await loadChecks(dataPath(ctx, checksFile));
    const file = dataPath(ctx, ctx.positionals[0] ?? "");
    const frame = await readFrame(file, dataReadOptions(ctx.options));
    const report = await runChecks(frame, checks, { source: checksFile });
    if (ctx.json) {
      ctx.out(`${JSON.stringify(report)}\n`);
      return report.passed ? 0 : 1;
    }
    const passed = report.results.filter((r) => r.passed).length;
    ctx.out(
      `${ctx.positionals[0]}: ${passed} of ${report.results.length} checks passed${report.passed ? "" : ` (${report.results.length - passed} failed)`}\n\n`,
    );
    ctx.out(
      `${formatTable(
        ["check", "column", "result", "failing rows", "sample"],
        report.results.map((r) => [
          r.check,
          r.column ?? "",
          r.passed ? "pass" : "FAIL",
          r.failingRows,
          r.sample.map(describeSample).join("; "),
        ]),
      )}\n`,
    );
    return report.passed ? 0 : 1;
  },
});

function describeSample(item: Readonly<Record<string, CellValue>>): string {
  const text = Object.entries(item)
    .filter(([, value]) => value !== null || "row" in item)
    .map(
      ([key, value]) => `${key}=${typeof value === "number" ? formatCell(value) : String(value)}`,
    )
    .join(" ");
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
