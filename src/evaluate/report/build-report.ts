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
  readonly task: Task;
  readonly classes: readonly string[];
  readonly positive: string | null;
  readonly nRows: number;
  readonly threshold: number;
  readonly metrics: Readonly<Record<string, number | null>>;
  /** Why a metric is null, by key. */
  readonly notes: Readonly<Record<string, string>>;
  readonly cv: {
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
  readonly predictions: Predictions;
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
  const metrics: Record<string, number | null> = {};
  const notes: Record<string, string> = {};
  for (const spec of SUMMARY[p.task]) {
    const metric = resolveMetric(spec);
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
    title: options.title ?? "Model evaluation",
    createdAt: new Date().toISOString(),
    task: p.task,
    classes: p.classes,
    positive: binary ? p.classes[p.positive!]! : null,
    nRows: p.yTrue.length,
    threshold: options.threshold ?? 0.5,
    metrics,
    notes,
    cv: options.cv
      ? { folds: options.cv.folds.length, mean: options.cv.mean, std: options.cv.std }
      : null,
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
  if (!options.frame || !options.segments || p.task !== "binary") return [];
  const frame = options.frame;
  const minGroupSize = options.minGroupSize ?? 30;
  const yTrue = binaryLabels(p);
  const yPred = binaryLabels(p, p.predicted);
  return options.segments.map((column) => {
    const sensitive = { [column]: labelsOf(frame.column(column)) };
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
