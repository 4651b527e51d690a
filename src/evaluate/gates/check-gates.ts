import { type Frame, KeelError } from "../../core/index.js";
import {
  demographicParityDifference,
  demographicParityRatio,
  equalizedOddsDifference,
  equalOpportunityDifference,
  falsePositiveRate,
  selectionRate,
  truePositiveRate,
} from "../bias/fairness.js";
import { type GroupMetric, MetricFrame } from "../bias/metric-frame.js";
import { comparePredictions, type ModelComparison } from "../compare.js";
import type { CrossValidateResult } from "../cross-validate.js";
import { type MetricSpec, resolveMetric } from "../metrics/registry.js";
import { binaryLabels, labelsOf, type Predictions } from "../predictions.js";
import type { BiasGate, CompareGate, Gate, MetricGate, ValidationPolicy } from "./policy.js";

/**
 * What gates are checked against.
 *
 * @example
 * ```ts
 * checkGates(policy, { predictions, frame: holdout, champion: championPredictions });
 * ```
 */
export interface GateContext {
  /** The model's predictions on the evaluation rows. */
  readonly predictions: Predictions;
  /** The evaluation rows, for the sensitive columns bias gates name. */
  readonly frame?: Frame;
  /** Cross-validation results: metric gates use their mean when they hold the metric. */
  readonly cv?: CrossValidateResult;
  /** The champion's predictions on the same rows, for compare gates. */
  readonly champion?: Predictions;
  /** Bootstrap settings for compare gates. */
  readonly bootstrap?: { readonly nResamples?: number; readonly seed?: number };
}

/**
 * One group's value in a bias gate.
 *
 * @example
 * ```ts
 * report.results[2]?.groups?.map((g) => `${g.key}: n=${g.size}`);
 * ```
 */
export interface GateGroup {
  readonly key: string;
  readonly size: number;
  readonly judged: boolean;
  readonly values: Readonly<Record<string, number>>;
}

/**
 * One gate's outcome.
 *
 * @example
 * ```ts
 * for (const g of checkGates(policy, context).results) console.log(g.name, g.value, g.status);
 * ```
 */
export interface GateResult {
  /** Human-readable gate: "precisionAtRecall@0.8 ≥ 0.5". */
  readonly name: string;
  readonly kind: "metric" | "bias" | "compare";
  /** Metric key ("rocAuc", "equalOpportunityDifference[senior_citizen]"). */
  readonly metric: string;
  readonly value: number;
  readonly threshold: { readonly min?: number; readonly max?: number };
  /** "skipped" when the gate cannot be evaluated here (no champion); it does not fail. */
  readonly status: "pass" | "fail" | "skipped";
  /** Where a metric gate's value came from. */
  readonly source?: "cv" | "holdout";
  readonly reason?: string;
  readonly groups?: readonly GateGroup[];
  readonly comparison?: ModelComparison;
}

/**
 * All gates' outcomes; `passed` is false if any gate failed.
 *
 * @example
 * ```ts
 * const { passed, results } = checkGates(policy, { predictions });
 * ```
 */
export interface GateReport {
  readonly passed: boolean;
  readonly results: readonly GateResult[];
}

/**
 * Checks every gate of a policy and returns each one's value, threshold and pass/fail.
 * Metric gates read the CV mean when `cv` holds that metric, else the predictions; bias
 * gates compare the groups of their `by` columns on thresholded predictions; compare gates
 * run a paired bootstrap against the champion (skipped, not failed, when there is none).
 *
 * @example
 * ```ts
 * const report = checkGates(policy, { predictions, frame: holdout, champion });
 * if (!report.passed) process.exitCode = 1;
 * ```
 */
export function checkGates(policy: ValidationPolicy, context: GateContext): GateReport {
  const results = policy.gates.map((gate, i) => checkGate(gate, context, `gates[${i}]`));
  return { passed: results.every((r) => r.status !== "fail"), results };
}

function checkGate(gate: Gate, context: GateContext, path: string): GateResult {
  if ("bias" in gate) return checkBias(gate, context, path);
  if ("compare" in gate) return checkCompare(gate, context, path);
  return checkMetric(gate, context, path);
}

function checkMetric(gate: MetricGate, context: GateContext, path: string): GateResult {
  const metric = resolveMetric(gate as MetricSpec, `policy ${path}`);
  const fromCv = context.cv?.mean[metric.key];
  const value = fromCv ?? metric.compute(context.predictions);
  const threshold = bounds(gate.min, gate.max);
  return {
    name: `${metric.key} ${describeBounds(threshold)}`,
    kind: "metric",
    metric: metric.key,
    value,
    threshold,
    status: within(value, threshold) ? "pass" : "fail",
    source: fromCv === undefined ? "holdout" : "cv",
    ...(Number.isNaN(value) ? { reason: "the metric is undefined (NaN)" } : {}),
  };
}

function checkBias(gate: BiasGate, context: GateContext, path: string): GateResult {
  const p = context.predictions;
  if (p.task !== "binary") {
    throw new KeelError(
      "KEEL_ERR_UNSUPPORTED",
      `policy ${path}: bias gate '${gate.bias}' needs a binary classifier; this model's task is ${p.task}.`,
      { details: { path, bias: gate.bias, task: p.task } },
    );
  }
  if (context.frame === undefined) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `policy ${path}: bias gate '${gate.bias}' needs the evaluation frame to read its 'by' columns.`,
      { details: { path } },
    );
  }
  const frame = context.frame;
  const by = typeof gate.by === "string" ? [gate.by] : [...gate.by];
  const sensitive = Object.fromEntries(by.map((c) => [c, labelsOf(frame.column(c))]));
  const yTrue = binaryLabels(p);
  const yPred = binaryLabels(p, p.predicted);
  const options = { sensitive, minGroupSize: gate.minGroupSize ?? 30 };
  const value = {
    demographicParityDifference,
    demographicParityRatio,
    equalizedOddsDifference,
    equalOpportunityDifference,
    disparateImpactRatio: demographicParityRatio,
  }[gate.bias](yTrue, yPred, options);
  const perGroup: Record<string, GroupMetric> =
    gate.bias === "equalOpportunityDifference"
      ? { truePositiveRate }
      : gate.bias === "equalizedOddsDifference"
        ? { truePositiveRate, falsePositiveRate }
        : { selectionRate };
  const frameOfGroups = new MetricFrame({ metrics: perGroup, yTrue, yPred, ...options });
  const threshold = bounds(gate.min, gate.max);
  const key = `${gate.bias}[${by.join(",")}]`;
  const unjudged = frameOfGroups.byGroup.filter((g) => !g.judged).length;
  return {
    name: `${key} ${describeBounds(threshold)}`,
    kind: "bias",
    metric: key,
    value,
    threshold,
    status: within(value, threshold) ? "pass" : "fail",
    groups: frameOfGroups.byGroup.map((g) => ({
      key: g.key,
      size: g.size,
      judged: g.judged,
      values: g.metrics,
    })),
    ...(unjudged > 0
      ? { reason: `${unjudged} group(s) under ${options.minGroupSize} rows reported, not judged` }
      : {}),
  };
}

function checkCompare(gate: CompareGate, context: GateContext, path: string): GateResult {
  const metric = resolveMetric(gate as unknown as MetricSpec, `policy ${path}`);
  const relative = gate.minRelativeImprovement !== undefined;
  const min = gate.minRelativeImprovement ?? gate.minAbsoluteImprovement;
  const threshold = bounds(min, undefined);
  const name = `${metric.key} ${relative ? "relative" : "absolute"} improvement over champion ${describeBounds(threshold)}`;
  if (context.champion === undefined) {
    return {
      name,
      kind: "compare",
      metric: metric.key,
      value: Number.NaN,
      threshold,
      status: "skipped",
      reason: "no champion model was given to compare with",
    };
  }
  const comparison = comparePredictions(context.predictions, context.champion, {
    metric: gate as unknown as MetricSpec,
    ...(context.bootstrap ?? {}),
  });
  const value = relative ? comparison.improvement.relative : comparison.improvement.absolute;
  return {
    name,
    kind: "compare",
    metric: metric.key,
    value,
    threshold,
    status: within(value, threshold) ? "pass" : "fail",
    comparison,
  };
}

function bounds(min: number | undefined, max: number | undefined): { min?: number; max?: number } {
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

function within(value: number, { min, max }: { min?: number; max?: number }): boolean {
  if (Number.isNaN(value)) return false;
  return (min === undefined || value >= min) && (max === undefined || value <= max);
}

function describeBounds({ min, max }: { min?: number; max?: number }): string {
  return [min !== undefined ? `≥ ${min}` : "", max !== undefined ? `≤ ${max}` : ""]
    .filter(Boolean)
    .join(" and ");
}
