import { existsSync } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { type Frame, KeelError } from "../../core/index.js";
import { readFrame } from "../../data/index.js";
import type { ModelBundle } from "../../models/index.js";
import { BUNDLE_JSON, readBundleData } from "../../models/index.js";
import {
  type DriftOptions,
  type DriftReport,
  driftReport,
  driftSummary,
  infiniteAsMissing,
  profileFromState,
  type ReferenceProfile,
  renderDriftHtml,
  type StatTestName,
  statTests,
} from "../../monitor/index.js";
import { openModelBundle } from "../../serve/index.js";
import { type CommandContext, defineCommand, read, requireOption } from "../command.js";
import { formatTable } from "../format.js";
import { dataPath } from "./data-profile.js";
import { predictionFrame } from "./predict.js";

/** The reference and the current frame read to match it. */
interface Inputs {
  readonly reference: Frame | ReferenceProfile;
  readonly current: Frame;
}

function isBundleRef(ctx: CommandContext, ref: string): boolean {
  return ref.startsWith("models:/") || existsSync(join(resolve(ctx.cwd, ref), BUNDLE_JSON));
}

/**
 * Reads the reference (a data file, a bundle directory or `models:/NAME@ALIAS`, whose stored
 * profile is used) and the current file typed like it. With a model reference and no
 * `prediction` column in the current file, the model scores the current rows so the
 * prediction shift is measured too.
 */
async function readInputs(
  ctx: CommandContext,
  referenceRef: string,
  currentFile: string,
): Promise<Inputs> {
  if (isBundleRef(ctx, referenceRef)) {
    const bundle = await openModelBundle(ctx.cwd, referenceRef);
    if (bundle.referenceProfile === undefined) {
      throw new KeelError(
        "KEEL_ERR_BUNDLE_INVALID",
        `The model '${referenceRef}' has no reference profile (bundles from before format 2 lack one). Retrain it with this keel, or pass the training data file as --reference.`,
        { details: { reference: referenceRef } },
      );
    }
    const profile = profileFromState(bundle.referenceProfile, referenceRef);
    let current = await readBundleData(bundle.inputSignature, currentFile);
    if (profile.columns.prediction && !current.has("prediction") && bundle.task !== "multiclass")
      current = current.withColumn("prediction", monitoringScores(bundle, current, ctx));
    return { reference: profile, current };
  }
  const reference = await readFrame(dataPath(ctx, referenceRef));
  // The current file is typed by the reference's kinds, as a model types what it scores.
  const current = await readBundleData({ columns: reference.schema() }, currentFile);
  return { reference, current };
}

/**
 * The model's `prediction` column for a window it did not score yet, for the prediction shift.
 * Infinite inputs are scored as missing (how the drift tests see them; the model itself refuses
 * them), with a note on standard error saying how many.
 *
 * @example
 * ```ts
 * frame.withColumn("prediction", monitoringScores(bundle, frame, ctx));
 * ```
 */
export function monitoringScores(bundle: ModelBundle, frame: Frame, ctx: CommandContext) {
  const { frame: finite, replaced } = infiniteAsMissing(frame);
  if (replaced > 0)
    ctx.err(
      `note: ${replaced} infinite input value${replaced === 1 ? "" : "s"} scored as missing for the prediction shift (the drift tests count them as missing too)\n`,
    );
  return predictionFrame(bundle, finite, ctx).column("prediction");
}

function numberOption(ctx: CommandContext, name: string): number | undefined {
  const text = read.string(ctx.options, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `--${name} must be a non-negative number. Got '${text}' instead.`,
      {
        details: { option: name, received: text },
      },
    );
  }
  return value;
}

/**
 * Writes the HTML report, creating missing parent directories one level at a time: Node 20's
 * recursive mkdir never returns under /proc (it retries ENOENT forever). Any failure is a
 * KEEL_ERR_WRITE_FAILED naming the path.
 */
async function writeReportFile(out: string, text: string): Promise<void> {
  try {
    const missing: string[] = [];
    for (let dir = dirname(out); ; dir = dirname(dir)) {
      if (
        await stat(dir).then(
          () => true,
          () => false,
        )
      )
        break;
      missing.unshift(dir);
      if (dirname(dir) === dir) break;
    }
    for (const dir of missing) await mkdir(dir);
    await writeFile(out, text);
  } catch (e) {
    throw new KeelError(
      "KEEL_ERR_WRITE_FAILED",
      `--html: cannot write the report to '${out}': ${e instanceof Error ? e.message : String(e)}. Expected a writable file path.`,
      { details: { option: "html", path: out } },
    );
  }
}

function driftOptions(ctx: CommandContext): DriftOptions {
  const stattest = read.string(ctx.options, "stattest");
  if (stattest !== undefined && !(stattest in statTests)) {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `--stattest must be one of ${Object.keys(statTests).join(", ")}. Got '${stattest}' instead.`,
      { details: { option: "stattest", received: stattest } },
    );
  }
  const threshold = numberOption(ctx, "threshold");
  const driftShare = numberOption(ctx, "drift-share");
  // A share above 1 can never be reached and 0 is always reached: either silently fixes the verdict.
  if (driftShare !== undefined && (driftShare <= 0 || driftShare > 1)) {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `--drift-share must be above 0 and at most 1 (the share of drifted columns). Got '${driftShare}' instead.`,
      { details: { option: "drift-share", received: driftShare } },
    );
  }
  const floor = numberOption(ctx, "effect-size-floor");
  const minRows = numberOption(ctx, "min-rows");
  if (minRows !== undefined && !Number.isInteger(minRows)) {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `--min-rows must be a whole number (the fewest values a column needs to be tested). Got '${minRows}' instead.`,
      { details: { option: "min-rows", received: minRows } },
    );
  }
  const maxShift = numberOption(ctx, "max-shift");
  const prediction = read.string(ctx.options, "prediction");
  return {
    exclude: read.list(ctx.options, "exclude"),
    ...(stattest ? { stattest: stattest as StatTestName } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(driftShare !== undefined ? { driftShare } : {}),
    ...(floor !== undefined ? { effectSizeFloor: floor } : {}),
    ...(minRows !== undefined ? { minRows } : {}),
    ...(read.flag(ctx.options, "bh") ? { multipleTesting: "benjamini-hochberg" as const } : {}),
    ...(prediction !== undefined || maxShift !== undefined
      ? {
          prediction: {
            ...(prediction ? { column: prediction } : {}),
            ...(maxShift !== undefined ? { maxShift } : {}),
          },
        }
      : {}),
  };
}

function humanSummary(report: DriftReport): string {
  const rows = Object.entries(report.columns).map(([name, c]) => [
    name,
    c.test,
    c.statistic === null ? null : Number(c.statistic.toPrecision(4)),
    c.pValue === undefined ? null : Number((c.adjustedPValue ?? c.pValue).toPrecision(4)),
    c.threshold,
    c.status === "ok" ? (c.drifted ? "DRIFT" : "ok") : c.status,
  ]);
  const untested = Object.values(report.columns).filter((c) => c.status !== "ok").length;
  const lines = [
    formatTable(["column", "test", "statistic", "p-value", "threshold", "result"], rows),
    "",
    report.status === "insufficient data"
      ? `Insufficient data: no column has ${report.minRows} values on both sides (--min-rows); nothing was tested, no drift reported.`
      : `${report.datasetDrift ? "Dataset drift" : "No dataset drift"}: ${report.driftedColumns} of ${report.testedColumns} columns drifted (share ${report.driftShare.toFixed(3)}, threshold ${report.driftShareThreshold})${untested ? `; ${untested} not tested (fewer than ${report.minRows} values)` : ""}.`,
  ];
  const p = report.prediction;
  if (p) {
    lines.push(
      p.relativeShift === null
        ? `Prediction '${p.column}': insufficient data (${p.drift.reason ?? `fewer than ${report.minRows} values`}); no shift measured.`
        : `Prediction '${p.column}': mean ${p.meanReference.toPrecision(4)} → ${(p.meanCurrent ?? Number.NaN).toPrecision(4)}, relative shift ${(p.relativeShift * 100).toFixed(1)}% (${p.shifted ? "above" : "within"} ${(p.maxShift * 100).toFixed(0)}%).`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `keel monitor report`: a drift report of a current data file against a reference (a data
 * file, or a model's stored training profile). Exit code 1 when dataset drift is detected.
 *
 * @example
 * ```sh
 * keel monitor report --reference models:/churn@champion --current week.csv --html drift.html
 * ```
 */
export const monitorReportCommand = defineCommand({
  path: ["monitor", "report"],
  summary: "Drift report of current data against a reference (exit 1 on dataset drift)",
  usage: "--reference FILE|DIR|models:/NAME@ALIAS --current FILE [--html OUT] [--json]",
  positionals: [0, 0],
  options: {
    reference: {
      type: "string",
      valueName: "FILE",
      description:
        "reference data file, or a model bundle / models:/NAME@ALIAS (its training profile)",
    },
    current: { type: "string", valueName: "FILE", description: "current data file" },
    html: { type: "string", valueName: "OUT", description: "write the HTML report here" },
    exclude: {
      type: "string",
      multiple: true,
      valueName: "COL",
      description: "leave a column out (ids, the target)",
    },
    stattest: {
      type: "string",
      valueName: "NAME",
      description: "one stat test for every column it fits (default: Evidently's rule)",
    },
    threshold: { type: "string", valueName: "N", description: "one threshold for every column" },
    "drift-share": {
      type: "string",
      valueName: "N",
      description: "dataset drift at this share of drifted columns (default 0.5)",
    },
    bh: { type: "boolean", description: "adjust p-values across columns by Benjamini–Hochberg" },
    "effect-size-floor": {
      type: "string",
      valueName: "N",
      description: "flag a column only if its effect size is at least N",
    },
    prediction: {
      type: "string",
      valueName: "COL",
      description: "prediction column (default 'prediction')",
    },
    "max-shift": {
      type: "string",
      valueName: "N",
      description: "largest relative change of the mean prediction (default 0.1)",
    },
    "min-rows": {
      type: "string",
      valueName: "N",
      description:
        "test a column only with at least N values on each side, else 'insufficient data' (default 500)",
    },
  },
  description:
    "Numeric tests on a model reference run on the profile's reservoir sample; category tests on exact counts. A column with fewer than --min-rows values (default 500) on either side is reported as 'insufficient data', as is the prediction shift: not tested, never drift.",
  examples: [
    "keel monitor report --reference train.csv --current week.csv --json",
    "keel monitor report --reference models:/churn@champion --current week.csv --html drift.html",
  ],
  async run(ctx) {
    const referenceRef = requireOption(ctx, "reference");
    const currentFile = dataPath(ctx, requireOption(ctx, "current"));
    const { reference, current } = await readInputs(ctx, referenceRef, currentFile);
    const report = driftReport(reference, current, {
      ...driftOptions(ctx),
      title: `Drift report: ${requireOption(ctx, "current")} vs ${referenceRef}`,
    });
    const html = read.string(ctx.options, "html");
    if (html) {
      const out = resolve(ctx.cwd, html);
      await writeReportFile(out, renderDriftHtml(report));
      if (!ctx.json) ctx.err(`Wrote the HTML report to ${out}\n`);
    }
    if (ctx.json) ctx.out(`${JSON.stringify(driftSummary(report))}\n`);
    else ctx.out(humanSummary(report));
    return report.datasetDrift ? 1 : 0;
  },
});
