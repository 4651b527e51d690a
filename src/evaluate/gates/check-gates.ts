import { type Frame, isKeelError, KeelError } from "../../core/index.js";
import { falsePositiveRate, selectionRate, truePositiveRate } from "../bias/fairness.js";
import { type GroupResult, MetricFrame } from "../bias/metric-frame.js";
import { comparePredictions, type ModelComparison } from "../compare.js";
import { type MetricSpec, resolveMetric } from "../metrics/registry.js";
import { binaryLabels, labelsOf, type Predictions } from "../predictions.js";
import { type BiasInterval, biasInterval, type GroupCounts } from "./bias-interval.js";
import type { BiasGate, CompareGate, Gate, MetricGate, ValidationPolicy } from "./policy.js";

/**
 * Where the predictions a gate scores came from. `holdout`: the model's own predictions of
 * rows it was not trained on. `out-of-fold`: the evaluation rows overlap the model's training
 * rows, so each row is predicted by the model's recipe refitted without that row's fold.
 *
 * @example
 * ```ts
 * const source: PredictionSource = "out-of-fold";
 * ```
 */
export type PredictionSource = "holdout" | "out-of-fold";

/**
 * What gates are checked against. Gates never read cross-validation means of a recipe:
 * they score the predictions given here, which must be out-of-sample for the model.
 *
 * @example
 * ```ts
 * checkGates(policy, { predictions, frame: holdout, champion: championPredictions });
 * ```
 */
export interface GateContext {
  /** The model's out-of-sample predictions of the evaluation rows; absent when none could be had. */
  readonly predictions?: Predictions;
  /** Where `predictions` came from. Default "holdout". */
  readonly source?: PredictionSource;
  /** Why there are no predictions (every gate then fails, or is skipped when optional). */
  readonly unavailable?: string;
  /** The evaluation rows, for the sensitive columns bias gates name. */
  readonly frame?: Frame;
  /** The champion's out-of-sample predictions of the same rows, for compare gates. */
  readonly champion?: Predictions;
  readonly championSource?: PredictionSource;
  /** Why the champion has no predictions (not given, or no out-of-sample predictions). */
  readonly championUnavailable?: string;
  /** Bootstrap settings for compare gates. */
  readonly bootstrap?: { readonly nResamples?: number; readonly seed?: number };
}

/**
 * One group's rates in a bias gate: selection rate, true and false positive rates, always
 * all three, so a report shows why the gate came out as it did.
 *
 * @example
 * ```ts
 * report.results[2]?.groups?.map((g) => `${g.key}: n=${g.size} tpr=${g.values.truePositiveRate}`);
 * ```
 */
export interface GateGroup {
  readonly key: string;
  readonly size: number;
  /** Rows of the positive class in the group (the denominator of its true positive rate). */
  readonly positives: number;
  readonly judged: boolean;
  readonly values: Readonly<Record<string, number>>;
}

/**
 * One gate's outcome.
 *
 * @example
 * ```ts
 * for (const g of checkGates(policy, context).results) console.log(g.name, g.value, g.status, g.reason);
 * ```
 */
export interface GateResult {
  /** Human-readable gate: "precisionAtRecall@0.8 ≥ 0.5". */
  readonly name: string;
  readonly kind: "metric" | "bias" | "compare";
  /** Metric key ("rocAuc", "equalOpportunityDifference[senior_citizen]"). */
  readonly metric: string;
  /** NaN (null in JSON) when the gate could not be computed. */
  readonly value: number;
  readonly threshold: { readonly min?: number; readonly max?: number };
  /**
   * "fail" when the value is outside the threshold or cannot be computed; "skipped" only for
   * an `optional` gate that cannot be computed.
   */
  readonly status: "pass" | "fail" | "skipped";
  readonly optional: boolean;
  /** Where the scored predictions came from (the candidate's; see `comparison` for both). */
  readonly source?: PredictionSource;
  readonly championSource?: PredictionSource;
  /** Why the gate failed or was skipped, in a sentence. */
  readonly reason?: string;
  readonly groups?: readonly GateGroup[];
  readonly minGroupSize?: number;
  /**
   * A bias gate with `interval`: the metric's bootstrap interval over the judged groups, and
   * the rule that decided (`"interval"`: fail only when the interval lies wholly on the unfair
   * side of the threshold).
   */
  readonly interval?: BiasInterval & { readonly rule: "interval" };
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
 * Checks every gate of a policy against out-of-sample predictions and returns each one's
 * value, threshold, status and reason. It fails closed: a gate that cannot be computed (no
 * predictions, no champion, fewer than two groups large enough to judge, an undefined metric)
 * fails with the reason, unless the policy marks it `optional`, when it is skipped.
 *
 * @example
 * ```ts
 * const report = checkGates(policy, { predictions, source: "holdout", frame: holdout, champion });
 * if (!report.passed) process.exitCode = 1;
 * ```
 */
export function checkGates(policy: ValidationPolicy, context: GateContext): GateReport {
  const results = policy.gates.map((gate, i) => checkGate(gate, context, `gates[${i}]`));
  return { passed: results.every((r) => r.status !== "fail"), results };
}

/** The part of a result every gate kind shares; `outcome` fills in value and status. */
interface Draft {
  readonly name: string;
  readonly kind: GateResult["kind"];
  readonly metric: string;
  readonly threshold: GateResult["threshold"];
  readonly optional: boolean;
  readonly source?: PredictionSource;
}

function checkGate(gate: Gate, context: GateContext, path: string): GateResult {
  const draft = draftOf(gate, context);
  if (context.predictions === undefined) {
    return cannot(
      draft,
      context.unavailable ?? "no out-of-sample predictions of the model were given",
    );
  }
  if ("bias" in gate) return checkBias(gate, draft, context, context.predictions, path);
  if ("compare" in gate) return checkCompare(gate, draft, context, context.predictions);
  return checkMetric(gate, draft, context.predictions);
}

function draftOf(gate: Gate, context: GateContext): Draft {
  const optional = gate.optional === true;
  const source = context.source ?? "holdout";
  if ("bias" in gate) {
    const by = typeof gate.by === "string" ? [gate.by] : [...gate.by];
    const key = `${gate.bias}[${by.join(",")}]`;
    const threshold = bounds(gate.min, gate.max);
    return {
      name: `${key} ${describeBounds(threshold)}`,
      kind: "bias",
      metric: key,
      threshold,
      optional,
      source,
    };
  }
  const metric = resolveMetric(gate as unknown as MetricSpec);
  if ("compare" in gate) {
    const parts = [
      gate.minRelativeImprovement !== undefined ? `relative ≥ ${gate.minRelativeImprovement}` : "",
      gate.minAbsoluteImprovement !== undefined ? `absolute ≥ ${gate.minAbsoluteImprovement}` : "",
    ].filter(Boolean);
    return {
      name: `${metric.key} improvement over champion: ${parts.join(" and ")}`,
      kind: "compare",
      metric: metric.key,
      threshold: bounds(gate.minRelativeImprovement ?? gate.minAbsoluteImprovement, undefined),
      optional,
      source,
    };
  }
  const threshold = bounds(gate.min, gate.max);
  return {
    name: `${metric.key} ${describeBounds(threshold)}`,
    kind: "metric",
    metric: metric.key,
    threshold,
    optional,
    source,
  };
}

/** A gate that cannot be computed: fails with the reason, or is skipped when optional. */
function cannot(draft: Draft, reason: string, extra: Partial<GateResult> = {}): GateResult {
  return {
    ...draft,
    value: Number.NaN,
    ...extra,
    status: draft.optional ? "skipped" : "fail",
    reason: draft.optional ? `${reason} (optional gate: skipped)` : reason,
  };
}

/** A gate whose value was computed: pass or fail against the threshold, saying why it failed. */
function judged(draft: Draft, value: number, extra: Partial<GateResult> = {}): GateResult {
  if (Number.isNaN(value)) return cannot(draft, "the metric is undefined (NaN) here", extra);
  const { min, max } = draft.threshold;
  const reason =
    min !== undefined && value < min
      ? `${fmt(value)} is below the minimum ${min}`
      : max !== undefined && value > max
        ? `${fmt(value)} is above the maximum ${max}`
        : undefined;
  return {
    ...draft,
    value,
    ...extra,
    status: reason === undefined ? "pass" : "fail",
    ...(reason === undefined ? {} : { reason }),
  };
}

function checkMetric(gate: MetricGate, draft: Draft, p: Predictions): GateResult {
  const metric = resolveMetric(gate as MetricSpec);
  try {
    return judged(draft, metric.compute(p));
  } catch (error) {
    if (!isKeelError(error, "KEEL_ERR_METRIC_UNDEFINED")) throw error;
    return cannot(draft, error.message);
  }
}

function checkBias(
  gate: BiasGate,
  draft: Draft,
  context: GateContext,
  p: Predictions,
  path: string,
): GateResult {
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
  const minGroupSize = gate.minGroupSize ?? 30;
  const yTrue = binaryLabels(p);
  let groups: MetricFrame;
  try {
    groups = new MetricFrame({
      metrics: {
        selectionRate,
        // A group without positives has no true positive rate (Fairlearn reports 0, which
        // would count as a real gap); without negatives, no false positive rate.
        truePositiveRate: (t, q) => definedRate("truePositiveRate", t, q, 1),
        falsePositiveRate: (t, q) => definedRate("falsePositiveRate", t, q, 0),
        positives: (t) => countOnes(t),
      },
      yTrue,
      yPred: binaryLabels(p, p.predicted),
      sensitive: Object.fromEntries(by.map((c) => [c, labelsOf(frame.column(c))])),
      minGroupSize,
    });
  } catch (error) {
    // One group only: there is nothing to compare, which is no evidence of fairness.
    if (!isKeelError(error, "KEEL_ERR_METRIC_UNDEFINED")) throw error;
    return cannot(draft, error.message, { minGroupSize });
  }
  const reported: GateGroup[] = groups.byGroup.map((g) => ({
    key: g.key,
    size: g.size,
    positives: g.metrics.positives!,
    judged: g.judged,
    values: {
      selectionRate: g.metrics.selectionRate!,
      truePositiveRate: g.metrics.truePositiveRate!,
      falsePositiveRate: g.metrics.falsePositiveRate!,
    },
  }));
  const extra = { groups: reported, minGroupSize };
  const judgedGroups = groups.byGroup.filter((g) => g.judged);
  if (judgedGroups.length < 2) {
    return cannot(
      draft,
      `only ${judgedGroups.length} of ${groups.byGroup.length} groups ${judgedGroups.length === 1 ? "has" : "have"} at least ${minGroupSize} rows (sizes: ${sizes(groups.byGroup)}); comparing groups needs two`,
      extra,
    );
  }
  for (const rate of GATED_RATES[gate.bias]) {
    const defined = judgedGroups.filter((g) => !Number.isNaN(g.metrics[rate]!));
    if (defined.length < 2) {
      return cannot(
        draft,
        `only ${defined.length} of the ${judgedGroups.length} judged groups ${defined.length === 1 ? "has" : "have"} a ${rate} (it needs ${rate === "truePositiveRate" ? "positive" : "negative"} rows in the group); comparing groups needs two`,
        extra,
      );
    }
  }
  const value = biasValue(gate, groups);
  const small = groups.byGroup.length - judgedGroups.length;
  const result =
    gate.interval === undefined || gate.interval === false
      ? judged(draft, value, extra)
      : judgedOnInterval(gate, draft, value, reported, extra);
  if (small === 0 || result.status !== "pass") return result;
  return {
    ...result,
    reason: `${small} group(s) under ${minGroupSize} rows reported, not judged (${sizes(groups.byGroup.filter((g) => !g.judged))})`,
  };
}

/**
 * A bias gate decided on its interval: fails only when the whole interval lies on the unfair
 * side of the threshold; a point value past the threshold whose interval still holds it
 * passes, with a reason that says it is inconclusive.
 */
function judgedOnInterval(
  gate: BiasGate,
  draft: Draft,
  value: number,
  groups: readonly GateGroup[],
  extra: Partial<GateResult>,
): GateResult {
  const point = judged(draft, value, extra);
  if (Number.isNaN(value)) return point;
  const counts = groups.filter((g) => g.judged).map(countsOf);
  const interval = {
    ...biasInterval(gate.bias, counts, typeof gate.interval === "object" ? gate.interval : {}),
    rule: "interval" as const,
  };
  const { min, max } = draft.threshold;
  const text = `${Math.round(interval.level * 100)}% interval [${fmt(interval.lower)}, ${fmt(interval.upper)}]`;
  const evidence =
    min !== undefined && interval.upper < min
      ? `${text} lies wholly below the minimum ${min}`
      : max !== undefined && interval.lower > max
        ? `${text} lies wholly above the maximum ${max}`
        : undefined;
  if (evidence !== undefined)
    return { ...point, interval, status: "fail", reason: `${fmt(value)}; the ${evidence}` };
  if (point.status === "fail")
    return {
      ...point,
      interval,
      status: "pass",
      reason: `inconclusive: ${point.reason}, but the ${text} still holds the threshold: too little data to call the model unfair (interval rule)`,
    };
  return { ...point, interval };
}

/** A judged group's counts back from its reported rates (each rate is k/n exactly). */
function countsOf(g: GateGroup): GroupCounts {
  const negatives = g.size - g.positives;
  return {
    size: g.size,
    selected: Math.round(g.values.selectionRate! * g.size),
    positives: g.positives,
    truePositives: g.positives === 0 ? 0 : Math.round(g.values.truePositiveRate! * g.positives),
    negatives,
    falsePositives: negatives === 0 ? 0 : Math.round(g.values.falsePositiveRate! * negatives),
  };
}

/**
 * The per-group rates each fairness metric compares.
 *
 * @example
 * ```ts
 * GATED_RATES.equalizedOddsDifference; // ["truePositiveRate", "falsePositiveRate"]
 * ```
 */
export const GATED_RATES: Readonly<Record<BiasGate["bias"], readonly string[]>> = {
  demographicParityDifference: ["selectionRate"],
  demographicParityRatio: ["selectionRate"],
  disparateImpactRatio: ["selectionRate"],
  equalOpportunityDifference: ["truePositiveRate"],
  equalizedOddsDifference: ["truePositiveRate", "falsePositiveRate"],
};

function definedRate(
  name: string,
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  label: 0 | 1,
): number {
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === label) total++;
  if (total === 0) {
    throw new KeelError(
      "KEEL_ERR_METRIC_UNDEFINED",
      `${name} is undefined on a group without ${label === 1 ? "positive" : "negative"} rows.`,
      { details: { metric: name } },
    );
  }
  return label === 1 ? truePositiveRate(yTrue, yPred) : falsePositiveRate(yTrue, yPred);
}

/** Fairlearn's between-groups difference or ratio over the judged groups. */
function biasValue(gate: BiasGate, groups: MetricFrame): number {
  switch (gate.bias) {
    case "demographicParityDifference":
      return groups.difference().selectionRate!;
    case "demographicParityRatio":
    case "disparateImpactRatio":
      return groups.ratio().selectionRate!;
    case "equalOpportunityDifference":
      return groups.difference().truePositiveRate!;
    default: {
      const d = groups.difference();
      return Math.max(d.truePositiveRate!, d.falsePositiveRate!);
    }
  }
}

function checkCompare(
  gate: CompareGate,
  draft: Draft,
  context: GateContext,
  p: Predictions,
): GateResult {
  const sources = {
    ...(context.championSource ? { championSource: context.championSource } : {}),
  };
  if (context.champion === undefined) {
    return cannot(
      draft,
      context.championUnavailable ??
        `no champion model was given; a compare gate needs one${draft.optional ? "" : " (mark the gate optional to let a first model through)"}`,
      sources,
    );
  }
  const comparison = comparePredictions(p, context.champion, {
    metric: gate as unknown as MetricSpec,
    ...(context.bootstrap ?? {}),
  });
  const extra = { ...sources, comparison };
  const { absolute, relative } = comparison.improvement;
  const relativeMin = gate.minRelativeImprovement;
  const absoluteMin = gate.minAbsoluteImprovement;
  if (relativeMin !== undefined && Number.isNaN(relative)) {
    return cannot(
      draft,
      `the champion's ${comparison.metric} is 0, so the relative improvement is undefined; gate on minAbsoluteImprovement instead`,
      extra,
    );
  }
  const value = relativeMin !== undefined ? relative : absolute;
  // Both thresholds, when given, must hold: the result names the first that does not.
  const misses = [
    relativeMin !== undefined && relative < relativeMin
      ? `relative improvement ${fmt(relative)} is below ${relativeMin}`
      : "",
    absoluteMin !== undefined && absolute < absoluteMin
      ? `absolute improvement ${fmt(absolute)} is below ${absoluteMin}`
      : "",
  ].filter(Boolean);
  if (misses.length > 0) {
    return { ...draft, value, ...extra, status: "fail", reason: misses.join("; ") };
  }
  return { ...draft, value, ...extra, status: "pass" };
}

function countOnes(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 1) n++;
  return n;
}

function sizes(groups: readonly GroupResult[]): string {
  return groups.map((g) => `${g.key} n=${g.size}`).join(", ");
}

function bounds(min: number | undefined, max: number | undefined): { min?: number; max?: number } {
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

function describeBounds({ min, max }: { min?: number; max?: number }): string {
  return [min !== undefined ? `≥ ${min}` : "", max !== undefined ? `≤ ${max}` : ""]
    .filter(Boolean)
    .join(" and ");
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}
