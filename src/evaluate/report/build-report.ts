import { type Frame, isKeelError, type Task } from "../../core/index.js";
import { selectionRate, truePositiveRate } from "../bias/fairness.js";
import { MetricFrame } from "../bias/metric-frame.js";
import type { ModelComparison } from "../compare.js";
import type { CrossValidateResult } from "../cross-validate.js";
import type { GateReport } from "../gates/check-gates.js";
import { gainCurve, liftAt } from "../metrics/business.js";
import { confusionMatrix } from "../metrics/classification.js";
import { calibrationCurve } from "../metrics/probabilistic.js";
import { precisionRecallCurve, rocAuc, rocCurve } from "../metrics/ranking.js";
import { type MetricSpec, resolveMetric } from "../metrics/registry.js";
import { binaryLabels, labelsOf, type Predictions } from "../predictions.js";
import type { Evidence } from "../validate-model.js";

/**
 * A curve as plain arrays, thinned to at most a few hundred points for display.
 *
 * @example
 * ```ts
 * report.curves?.roc.x; // false positive rates, at most ~300 points
 * ```
 */
export interface CurvePoints {
  readonly x: number[];
  readonly y: number[];
}

/**
 * Per-group metrics of one sensitive column.
 *
 * @example
 * ```ts
 * for (const s of report.segments) console.log(s.column, s.groups.length);
 * ```
 */
export interface SegmentReport {
  readonly column: string;
  /** Why there are no groups to show. */
  readonly note?: string;
  readonly minGroupSize: number;
  readonly groups: readonly {
    readonly key: string;
    readonly size: number;
    readonly judged: boolean;
    /** null where the metric is undefined on the group. */
    readonly metrics: Readonly<Record<string, number | null>>;
  }[];
}

/**
 * Everything the evaluation report shows, as JSON-safe data (NaN becomes null): the same
 * object is written as `report.json` and rendered as `report.html`.
 *
 * @example
 * ```ts
 * const report: EvaluationReport = buildReport({ predictions, gates });
 * ```
 */
export interface EvaluationReport {
  readonly title: string;
  readonly createdAt: string;
  /** The rule for where every number comes from, stated once for readers. */
  readonly rule: string;
  /** Which predictions the metrics and gates scored, for the model and the champion. */
  readonly evidence: {
    readonly candidate: Evidence;
    readonly champion?: Evidence;
  } | null;
  readonly task: Task;
  readonly classes: readonly string[];
  readonly positive: string | null;
  readonly nRows: number;
  readonly threshold: number;
  readonly metrics: Readonly<Record<string, number | null>>;
  /** Why a metric is null, by key. */
  readonly notes: Readonly<Record<string, string>>;
  /** CV of the training recipe: it estimates the recipe, not the fitted model; no gate reads it. */
  readonly cv: {
    readonly of: "recipe";
    readonly folds: number;
    readonly mean: Readonly<Record<string, number>>;
    readonly std: Readonly<Record<string, number>>;
  } | null;
  readonly curves: {
    readonly roc: CurvePoints;
    readonly precisionRecall: CurvePoints;
    readonly calibration: CurvePoints & { readonly counts: number[] };
    readonly gain: CurvePoints;
    readonly lift: readonly { readonly k: number; readonly lift: number }[];
  } | null;
  readonly confusionMatrix: {
    readonly labels: readonly string[];
    readonly matrix: number[][];
  } | null;
  readonly segments: readonly SegmentReport[];
  readonly gates: GateReport | null;
  readonly comparison: ModelComparison | null;
}

/**
 * Options of {@link buildReport}.
 *
 * @example
 * ```ts
 * buildReport({ predictions, frame, segments: ["senior_citizen"], minGroupSize: 50 });
 * ```
 */
export interface BuildReportOptions {
  /** The model's out-of-sample predictions; absent when none could be had (say why in `evidence`). */
  readonly predictions?: Predictions;
  /** Task and classes when there are no predictions. */
  readonly model?: { readonly task: Task; readonly classes: readonly string[] };
  /** Where the predictions came from (see `validateModel`). */
  readonly evidence?: { readonly candidate: Evidence; readonly champion?: Evidence };
  /** Metrics to add to the summary (the policy's metric gates, e.g. expectedCost). */
  readonly extraMetrics?: readonly MetricSpec[];
  /** The evaluation rows, for segment columns. */
  readonly frame?: Frame;
  /** Sensitive or business segment columns to break metrics down by. */
  readonly segments?: readonly string[];
  readonly minGroupSize?: number;
  readonly gates?: GateReport;
  readonly cv?: CrossValidateResult;
  readonly comparison?: ModelComparison;
  readonly title?: string;
  readonly threshold?: number;
}

const SUMMARY: Record<Task, MetricSpec[]> = {
  binary: [
    "rocAuc",
    "averagePrecision",
    { metric: "precisionAtRecall", recall: 0.8 },
    { metric: "liftAt", k: 0.1 },
    "logLoss",
    "brierScore",
    "expectedCalibrationError",
    "accuracy",
    "precision",
    "recall",
    "f1Score",
  ],
  multiclass: [
    "rocAuc",
    "logLoss",
    "accuracy",
    "balancedAccuracy",
    { metric: "f1Score", average: "macro" },
  ],
  regression: ["rmse", "mae", "r2", "mape"],
};

/**
 * Collects the report's data from a model's predictions, its gates and CV results.
 *
 * @example
 * ```ts
 * const report = buildReport({ predictions, frame: holdout, segments: ["senior_citizen"], gates });
 * writeFileSync("report.json", JSON.stringify(report));
 * writeFileSync("report.html", renderReportHtml(report));
 * ```
 */
export function buildReport(options: BuildReportOptions): EvaluationReport {
  const p = options.predictions;
  if (p === undefined) return withoutPredictions(options);
  const metrics: Record<string, number | null> = {};
  const notes: Record<string, string> = {};
  for (const spec of [...SUMMARY[p.task], ...(options.extraMetrics ?? [])]) {
    const metric = resolveMetric(spec);
    if (metric.key in metrics) continue;
    try {
      metrics[metric.key] = finite(metric.compute(p));
    } catch (error) {
      if (!isKeelError(error)) throw error;
      metrics[metric.key] = null;
      notes[metric.key] = error.message;
    }
  }
  const binary = p.task === "binary";
  const y = binary ? binaryLabels(p) : undefined;
  return {
    ...headOf(options),
    task: p.task,
    classes: p.classes,
    positive: binary ? p.classes[p.positive!]! : null,
    nRows: p.yTrue.length,
    threshold: options.threshold ?? 0.5,
    metrics,
    notes,
    cv: cvOf(options),
    curves: hasBothClasses(y) ? curvesOf(y, p.score!) : null,
    confusionMatrix:
      p.task === "regression"
        ? null
        : {
            labels: p.classes,
            matrix: confusionMatrix(p.yTrue, p.predicted, {
              labels: p.classes.map((_, k) => k),
            }).matrix.map((row) => [...row]),
          },
    segments: segmentsOf(options),
    gates: options.gates ?? null,
    comparison: options.comparison ?? null,
  };
}

/**
 * The rule every number in a report obeys, as printed in it.
 *
 * @example
 * ```ts
 * report.rule === EVIDENCE_RULE; // true
 * ```
 */
export const EVIDENCE_RULE =
  "A fitted model is judged on its own predictions of rows it never saw: the given holdout, or — when the evaluation rows are (or overlap) its training rows, as its lineage shows — out-of-fold predictions of its recipe refitted without each row's fold. Cross-validation estimates the recipe, not the fitted model, and no gate reads it. Champion and candidate are scored on the same rows.";

function cvOf(options: BuildReportOptions): EvaluationReport["cv"] {
  const cv = options.cv;
  return cv ? { of: "recipe", folds: cv.folds.length, mean: cv.mean, std: cv.std } : null;
}

function headOf(options: BuildReportOptions) {
  return {
    title: options.title ?? "Model evaluation",
    createdAt: new Date().toISOString(),
    rule: EVIDENCE_RULE,
    evidence: options.evidence ?? null,
  };
}

/** A report with no out-of-sample predictions to show: the gates and why, nothing else. */
function withoutPredictions(options: BuildReportOptions): EvaluationReport {
  const model = options.model ?? { task: "binary" as Task, classes: [] };
  return {
    ...headOf(options),
    task: model.task,
    classes: model.classes,
    positive: null,
    nRows: 0,
    threshold: options.threshold ?? 0.5,
    metrics: {},
    notes: {},
    cv: cvOf(options),
    curves: null,
    confusionMatrix: null,
    segments: [],
    gates: options.gates ?? null,
    comparison: options.comparison ?? null,
  };
}

function curvesOf(y: Uint8Array, score: Float64Array): NonNullable<EvaluationReport["curves"]> {
  const roc = rocCurve(y, score);
  const pr = precisionRecallCurve(y, score);
  const calibration = calibrationCurve(y, score, { nBins: 10 });
  const gain = gainCurve(y, score);
  return {
    roc: thin(roc.fpr, roc.tpr),
    precisionRecall: thin(pr.recall, pr.precision),
    calibration: {
      x: [...calibration.probPred],
      y: [...calibration.probTrue],
      counts: [...calibration.counts],
    },
    gain: thin(gain.fraction, gain.gain),
    lift: [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1].map((k) => ({ k, lift: liftAt(y, score, k) })),
  };
}

function segmentsOf(options: BuildReportOptions): SegmentReport[] {
  const p = options.predictions;
  if (!p || !options.frame || !options.segments || p.task !== "binary") return [];
  const frame = options.frame;
  const minGroupSize = options.minGroupSize ?? 30;
  const yTrue = binaryLabels(p);
  const yPred = binaryLabels(p, p.predicted);
  return options.segments.map((column) => {
    const sensitive = { [column]: labelsOf(frame.column(column)) };
    if (new Set(sensitive[column]).size < 2) {
      return { column, minGroupSize, groups: [], note: "one group only: nothing to compare" };
    }
    const byLabel = new MetricFrame({
      metrics: { recall: truePositiveRate, selectionRate },
      yTrue,
      yPred,
      sensitive,
      minGroupSize,
    });
    const byScore = new MetricFrame({
      metrics: { rocAuc },
      yTrue,
      yScore: p.score!,
      sensitive,
      minGroupSize,
    });
    return {
      column,
      minGroupSize,
      groups: byLabel.byGroup.map((g, i) => ({
        key: g.key,
        size: g.size,
        judged: g.judged,
        metrics: {
          rocAuc: finite(byScore.byGroup[i]!.metrics.rocAuc!),
          recall: finite(g.metrics.recall!),
          selectionRate: finite(g.metrics.selectionRate!),
        },
      })),
    };
  });
}

/** Keeps at most ~300 points, always the first and last, so the HTML stays small. */
function thin(x: ArrayLike<number>, y: ArrayLike<number>): CurvePoints {
  const n = x.length;
  const step = Math.max(1, Math.ceil(n / 300));
  const out: CurvePoints = { x: [], y: [] };
  for (let i = 0; i < n; i += step) {
    out.x.push(x[i] as number);
    out.y.push(y[i] as number);
  }
  if ((n - 1) % step !== 0) {
    out.x.push(x[n - 1] as number);
    out.y.push(y[n - 1] as number);
  }
  return out;
}

function hasBothClasses(y: Uint8Array | undefined): y is Uint8Array {
  return y instanceof Uint8Array && y.includes(1) && y.includes(0);
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
