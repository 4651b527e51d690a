import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type Estimator, type FittedModel, type Frame, KeelError } from "../../core/index.js";
import {
  buildReport,
  type CrossValidateResult,
  checkGates,
  crossValidate,
  type GateReport,
  KFold,
  type MetricSpec,
  type Predictions,
  parsePolicy,
  predictionsOf,
  renderReportHtml,
  StratifiedKFold,
  type ValidationPolicy,
} from "../../evaluate/index.js";
import {
  GbdtClassifier,
  GbdtRegressor,
  type ModelBundle,
  readBundleData,
} from "../../models/index.js";
import { openTracking } from "../../track/index.js";
import { type CommandContext, defineCommand, read, requireOption } from "../command.js";
import { formatTable } from "../format.js";
import { openModelBundle } from "../model-ref.js";
import { dataPath } from "./data-profile.js";

/**
 * `keel eval`: scores a model bundle on labelled data, cross-validates its training recipe
 * when the policy asks for CV, checks the policy's gates (metrics, bias across segments,
 * improvement over the champion), prints the gate table and writes an HTML + JSON report.
 * Exit code 1 when a gate fails.
 *
 * @example
 * ```sh
 * keel eval --model models/churn --data telco.csv --target churn --positive Yes \
 *   --policy policy.json --report out/report.html
 * ```
 */
export const evalCommand = defineCommand({
  path: ["eval"],
  summary: "Evaluate a model: CV, business metrics, bias checks, gates and a report",
  usage:
    "--model DIR|models:/NAME@ALIAS --data FILE --target COL [--positive V] [--policy FILE] [--report OUT.html] [--json]",
  positionals: [0, 0],
  options: {
    model: {
      type: "string",
      valueName: "DIR",
      description: "model bundle directory or models:/NAME@ALIAS",
    },
    data: { type: "string", valueName: "FILE", description: "labelled rows to evaluate on" },
    target: {
      type: "string",
      valueName: "COL",
      description: "target column (default: the one the model was trained for)",
    },
    positive: {
      type: "string",
      valueName: "V",
      description: "positive class of a binary target (default: the model's)",
    },
    policy: {
      type: "string",
      valueName: "FILE",
      description: "validation policy JSON: { cv, gates: [...] }",
    },
    champion: {
      type: "string",
      valueName: "DIR",
      description: "champion bundle or models:/NAME@champion for compare gates",
    },
    segment: {
      type: "string",
      valueName: "COL",
      multiple: true,
      description: "column to break metrics down by in the report (bias gates' columns are added)",
    },
    report: {
      type: "string",
      valueName: "OUT.html",
      description: "write the HTML report here and its data next to it as .json",
    },
    experiment: {
      type: "string",
      valueName: "NAME",
      description:
        "track the evaluation as a run: metrics, gate results and the report as artifacts",
    },
  },
  examples: [
    "keel eval --model models/churn --data telco.csv --target churn --positive Yes --policy policy.json --report report.html",
    "keel eval --model models:/churn@challenger --champion models:/churn@champion --data holdout.csv --policy policy.json --json",
  ],
  async run(ctx) {
    const bundle = await openModelBundle(ctx.cwd, requireOption(ctx, "model"));
    const frame = await readBundleData(
      bundle.inputSignature,
      dataPath(ctx, requireOption(ctx, "data")),
    );
    const target = read.string(ctx.options, "target") ?? bundle.inputSignature.target;
    if (target === undefined) {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        "keel eval needs --target: the model bundle does not record its target column.",
        { details: { option: "target" } },
      );
    }
    frame.column(target);
    const positive = read.string(ctx.options, "positive") ?? bundle.positiveClass;
    const scoring = { target, ...(positive !== undefined ? { positive } : {}) };
    const predictions = predictionsOf(bundle, frame, scoring);
    const policyFile = read.string(ctx.options, "policy");
    const policy: ValidationPolicy = policyFile
      ? parsePolicy(await readFile(resolve(ctx.cwd, policyFile), "utf8"), policyFile)
      : { gates: [] };
    const notes: string[] = [];
    const cv = await crossValidateRecipe(bundle, frame, policy, target, positive, notes);
    const championRef = read.string(ctx.options, "champion");
    const champion = championRef
      ? predictionsOf(await openModelBundle(ctx.cwd, championRef), frame, scoring)
      : undefined;
    const gates = checkGates(policy, {
      predictions,
      frame,
      ...(cv ? { cv } : {}),
      ...(champion ? { champion } : {}),
    });
    const segments = [
      ...new Set([
        ...read.list(ctx.options, "segment"),
        ...policy.gates.flatMap((g) =>
          "bias" in g ? (typeof g.by === "string" ? [g.by] : g.by) : [],
        ),
      ]),
    ];
    const report = buildReport({
      predictions,
      frame,
      segments,
      gates,
      ...(cv ? { cv } : {}),
      title: `Evaluation of ${read.string(ctx.options, "model")} on ${read.string(ctx.options, "data")}`,
    });
    const experiment = read.string(ctx.options, "experiment");
    const reportFile =
      read.string(ctx.options, "report") ??
      (experiment ? join(await mkdtemp(join(tmpdir(), "keel-eval-")), "report.html") : undefined);
    let written: { html: string; json: string } | undefined;
    if (reportFile) {
      const html = resolve(ctx.cwd, reportFile);
      const json = `${html.replace(/\.html?$/i, "")}.json`;
      await mkdir(dirname(html), { recursive: true });
      await writeFile(html, renderReportHtml(report));
      await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
      written = { html, json };
    }
    const runId = experiment
      ? await trackEvaluation(ctx, experiment, report.metrics, cv, gates, written)
      : undefined;
    if (runId) notes.push(`tracked as run ${runId} in experiment '${experiment}'`);
    if (ctx.json) {
      ctx.out(
        `${JSON.stringify({ passed: gates.passed, gates: gates.results, metrics: report.metrics, cv: report.cv, notes, report: written ?? null })}\n`,
      );
    } else {
      printSummary(ctx, predictions, report.metrics, cv, gates, notes, written);
    }
    return gates.passed ? 0 : 1;
  },
});

/**
 * Cross-validates the model's training recipe when the policy asks for CV: the bundle's
 * estimator rebuilt from its recorded params and fitted afresh in every fold. Only GBDT
 * bundles without a separate preprocessor can be rebuilt today; otherwise CV is skipped with
 * a note and gates read the holdout predictions.
 */
async function crossValidateRecipe(
  bundle: ModelBundle,
  frame: Frame,
  policy: ValidationPolicy,
  target: string,
  positive: string | undefined,
  notes: string[],
): Promise<CrossValidateResult | undefined> {
  if (!policy.cv) return undefined;
  const type = bundle.model.type;
  if (
    bundle.preprocessor !== undefined ||
    (type !== "GbdtClassifier" && type !== "GbdtRegressor")
  ) {
    notes.push(
      `cv skipped: a ${type} bundle${bundle.preprocessor ? " with a preprocessor" : ""} cannot be refitted from its record yet; gates use the evaluation data`,
    );
    return undefined;
  }
  const estimator: Estimator<FittedModel> =
    type === "GbdtClassifier"
      ? new GbdtClassifier(bundle.lineage.params)
      : new GbdtRegressor(bundle.lineage.params);
  const folds = policy.cv.folds ?? 5;
  const seed = policy.cv.seed ?? 0;
  const stratified = (policy.cv.stratified ?? true) && bundle.task !== "regression";
  const metrics: MetricSpec[] = policy.gates.flatMap((g) =>
    "bias" in g || "compare" in g ? [] : [g as MetricSpec],
  );
  const columns = [...bundle.inputSignature.columns.map((c) => c.name), target];
  return crossValidate(estimator, frame.select(columns), {
    target,
    cv: stratified
      ? new StratifiedKFold({ nSplits: folds, shuffle: true, seed })
      : new KFold({ nSplits: folds, shuffle: true, seed }),
    metrics: metrics.length > 0 ? metrics : [bundle.task === "regression" ? "rmse" : "rocAuc"],
    ...(positive !== undefined ? { positive } : {}),
    seed,
  });
}

/**
 * Logs the evaluation as a tracked run: metrics (`eval.*`, `cv.*.mean`), one tag per gate and
 * overall, and the report files under the `evaluation` artifact path. Returns the run id.
 */
async function trackEvaluation(
  ctx: CommandContext,
  experiment: string,
  metrics: Readonly<Record<string, number | null>>,
  cv: CrossValidateResult | undefined,
  gates: GateReport,
  written: { html: string; json: string } | undefined,
): Promise<string> {
  // MLflow metric names allow letters, digits, _ - . / and spaces: "precisionAtRecall@0.8"
  // is logged as "precisionAtRecall_0.8".
  const name = (key: string) => key.replace(/[^\w./\- ]/g, "_");
  const logged: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (value !== null) logged[`eval.${name(key)}`] = value;
  }
  for (const [key, value] of Object.entries(cv?.mean ?? {})) logged[`cv.${name(key)}.mean`] = value;
  const tracking = await openTracking({ root: ctx.cwd });
  const run = await tracking.startRun({ experiment });
  try {
    run.logMetrics(logged);
    await run.setTags({
      "keel.eval.passed": String(gates.passed),
      ...Object.fromEntries(
        gates.results.map((g, i) => [
          `keel.eval.gate.${i}`,
          `${g.status}: ${g.name} (value ${g.value})`,
        ]),
      ),
    });
    if (written) {
      await run.logArtifact(written.html, "evaluation");
      await run.logArtifact(written.json, "evaluation");
    }
    await run.end();
    return run.id;
  } catch (error) {
    await run.end("FAILED");
    throw error;
  } finally {
    await tracking.close();
  }
}

function printSummary(
  ctx: CommandContext,
  predictions: Predictions,
  metrics: Readonly<Record<string, number | null>>,
  cv: CrossValidateResult | undefined,
  gates: GateReport,
  notes: readonly string[],
  written: { html: string; json: string } | undefined,
): void {
  const rows = Object.entries(metrics).map(([key, value]) => [
    key,
    value,
    cv?.mean[key] ?? null,
    cv?.std[key] ?? null,
  ]);
  ctx.out(
    `Evaluated a ${predictions.task} model on ${predictions.yTrue.length.toLocaleString("en-US")} rows${cv ? `, ${cv.folds.length}-fold CV of its recipe` : ""}\n\n`,
  );
  ctx.out(`${formatTable(["metric", "evaluation data", "cv mean", "cv std"], rows)}\n\n`);
  if (gates.results.length > 0) {
    ctx.out(
      `${formatTable(
        ["gate", "value", "threshold", "result", "from"],
        gates.results.map((g) => [
          g.name,
          Number.isNaN(g.value) ? null : g.value,
          [
            g.threshold.min !== undefined ? `≥ ${g.threshold.min}` : "",
            g.threshold.max !== undefined ? `≤ ${g.threshold.max}` : "",
          ]
            .filter(Boolean)
            .join(" "),
          g.status.toUpperCase(),
          g.source ?? g.reason ?? (g.kind === "bias" ? "evaluation data" : ""),
        ]),
      )}\n\n`,
    );
    ctx.out(gates.passed ? "All gates passed.\n" : "A gate FAILED.\n");
  }
  for (const note of notes) ctx.out(`note: ${note}\n`);
  if (written) ctx.out(`Report: ${written.html} (data: ${written.json})\n`);
}
