import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type Frame, KeelError } from "../../core/index.js";
import { datasetVersion } from "../../data/index.js";
import {
  buildReport,
  type CrossValidateResult,
  type Evidence,
  type GateReport,
  judgeModel,
  type MetricSpec,
  type ModelToJudge,
  type ModelValidation,
  parsePolicy,
  renderReportHtml,
  type ValidationPolicy,
  validateModel,
} from "../../evaluate/index.js";
import { bundleRecipe, type ModelBundle, readBundleData } from "../../models/index.js";
import { openModelBundle } from "../../serve/index.js";
import { openTracking } from "../../track/index.js";
import { type CommandContext, defineCommand, read, requireOption } from "../command.js";
import { formatTable } from "../format.js";
import { dataPath } from "./data-profile.js";

/**
 * `keel eval`: checks a policy's gates (metrics, business costs, bias across segments,
 * improvement over the champion) on the model's own out-of-sample predictions — its
 * predictions of a holdout, or out-of-fold predictions of its recipe when the data is (or
 * overlaps) its training data per the bundle's lineage (see `validateModel`) — reports a CV of
 * the recipe when the policy asks for one, prints where the numbers came from and the gate
 * table, and writes an HTML + JSON report. Exit code 1 when a gate fails.
 *
 * @example
 * ```sh
 * keel eval --model models/churn --data holdout.csv --policy policy.json \
 *   --champion models:/churn@champion --report out/report.html
 * ```
 */
export const evalCommand = defineCommand({
  path: ["eval"],
  summary:
    "Evaluate a model on rows it never saw: gates (metrics, costs, bias, champion), recipe CV and a report",
  usage:
    "--model DIR|models:/NAME@ALIAS --data FILE --target COL [--positive V] [--threshold P] [--policy FILE] [--champion DIR] [--report OUT.html] [--json]",
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
    threshold: {
      type: "string",
      valueName: "P",
      description:
        "binary decision threshold on P(positive) for label metrics, costs and bias gates (default: the policy's, else 0.5)",
    },
    policy: {
      type: "string",
      valueName: "FILE",
      description: "validation policy JSON: { cv, threshold, gates: [...] }",
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
    const dataFile = dataPath(ctx, requireOption(ctx, "data"));
    const frame = await readBundleData(bundle.inputSignature, dataFile);
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
    const policyFile = read.string(ctx.options, "policy");
    const policy: ValidationPolicy = policyFile
      ? parsePolicy(await readFile(resolve(ctx.cwd, policyFile), "utf8"), policyFile, {
          task: bundle.task,
          classes: bundle.classes,
        })
      : { gates: [] };
    const threshold = thresholdOf(ctx, bundle.task) ?? policy.threshold;
    const scoring = {
      target,
      ...(positive !== undefined ? { positive } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
    };
    const dataHash = await datasetVersion(dataFile);
    const championRef = read.string(ctx.options, "champion");
    const validation = await validateModel(frame, {
      ...scoring,
      policy,
      ...(policyFile ? { policySource: policyFile } : {}),
      candidate: modelToJudge(bundle, frame, dataHash),
      ...(championRef
        ? {
            champion: modelToJudge(await openModelBundle(ctx.cwd, championRef), frame, dataHash),
          }
        : {}),
    });
    const notes = [...validation.notes];
    const gates = validation.gates;
    const cv = validation.recipeCv;
    const segments = [
      ...new Set([
        ...read.list(ctx.options, "segment"),
        ...policy.gates.flatMap((g) =>
          "bias" in g ? (typeof g.by === "string" ? [g.by] : g.by) : [],
        ),
      ]),
    ];
    const report = buildReport({
      ...(validation.predictions
        ? { predictions: validation.predictions }
        : { model: { task: bundle.task, classes: bundle.classes } }),
      evidence: validation.evidence,
      frame,
      segments,
      gates,
      extraMetrics: policy.gates.flatMap((g) =>
        "bias" in g || "compare" in g ? [] : [g as MetricSpec],
      ),
      ...(cv ? { cv } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
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
      ? await trackEvaluation(
          ctx,
          experiment,
          report.metrics,
          cv,
          gates,
          written,
          validation.evidence.candidate.source,
        )
      : undefined;
    if (runId) notes.push(`tracked as run ${runId} in experiment '${experiment}'`);
    if (ctx.json) {
      ctx.out(
        `${JSON.stringify({ passed: gates.passed, evidence: validation.evidence, gates: gates.results, metrics: report.metrics, cv: report.cv, notes, report: written ?? null })}\n`,
      );
    } else {
      printSummary(ctx, validation.evidence, report.metrics, cv, gates, notes, written);
    }
    return gates.passed ? 0 : 1;
  },
});

function thresholdOf(ctx: CommandContext, task: string): number | undefined {
  const text = read.string(ctx.options, "threshold");
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !(value > 0 && value < 1)) {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `--threshold must be a probability strictly between 0 and 1. Got '${text}' instead.`,
      { details: { option: "threshold", received: text } },
    );
  }
  if (task !== "binary") {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `--threshold applies to binary classifiers; this model's task is ${task}.`,
      { details: { option: "threshold", task } },
    );
  }
  return value;
}

/**
 * What the evaluation knows of a bundle: its recipe when it can be rebuilt (`bundleRecipe`)
 * and how much of the evaluation data it was trained on, from its lineage (`judgeModel`).
 */
function modelToJudge(bundle: ModelBundle, frame: Frame, dataHash: string): ModelToJudge {
  const columns = bundle.inputSignature.columns.map((c) => c.name);
  return judgeModel(
    { model: bundle, lineage: bundle.lineage, ...bundleRecipe(bundle), columns },
    frame,
    dataHash,
  );
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
  source: string,
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
      "keel.eval.source": source,
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
  evidence: ModelValidation["evidence"],
  metrics: Readonly<Record<string, number | null>>,
  cv: CrossValidateResult | undefined,
  gates: GateReport,
  notes: readonly string[],
  written: { html: string; json: string } | undefined,
): void {
  const judged = (e: Evidence) =>
    e.source === "unavailable"
      ? `No out-of-sample predictions: ${e.statement}.`
      : `Judged on ${e.statement}.`;
  ctx.out(`${judged(evidence.candidate)}\n`);
  if (evidence.champion) ctx.out(`Champion: ${judged(evidence.champion)}\n`);
  ctx.out("\n");
  if (Object.keys(metrics).length > 0) {
    const rows = Object.entries(metrics).map(([key, value]) => [
      key,
      value,
      cv?.mean[key] ?? null,
      cv?.std[key] ?? null,
    ]);
    const judged = evidence.candidate.source === "out-of-fold" ? "out-of-fold" : "holdout";
    ctx.out(`${formatTable([`metric`, judged, "recipe cv mean", "recipe cv std"], rows)}\n\n`);
  }
  if (gates.results.length > 0) {
    ctx.out(
      `${formatTable(
        ["gate", "value", "result", "why"],
        gates.results.map((g) => [
          g.name,
          Number.isNaN(g.value) ? null : g.value,
          g.status.toUpperCase(),
          // The statement is printed once above; the JSON keeps it in every gate.
          evidence.candidate.source === "unavailable" &&
          g.reason?.startsWith(evidence.candidate.statement)
            ? `no out-of-sample predictions (see above)${g.optional ? "; optional: skipped" : ""}`
            : (g.reason ?? (g.source ? `from ${g.source} predictions` : "")),
        ]),
      )}\n\n`,
    );
    ctx.out(gates.passed ? "All gates passed.\n" : "A gate FAILED.\n");
  }
  for (const note of notes) ctx.out(`note: ${note}\n`);
  if (written) ctx.out(`Report: ${written.html} (data: ${written.json})\n`);
}
