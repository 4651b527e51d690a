import { KeelError } from "../../core/index.js";
import { checkSameLength } from "../internal/validate.js";
import {
  type DisparityMethod,
  type GroupMetric,
  MetricFrame,
  type SensitiveFeatures,
} from "./metric-frame.js";

/**
 * Options of the fairness metrics: Fairlearn's keyword arguments, camelCased.
 *
 * @example
 * ```ts
 * equalOpportunityDifference(yTrue, yPred, { sensitive: { gender }, method: "to_overall", minGroupSize: 30 });
 * ```
 */
export interface FairnessOptions {
  readonly sensitive: SensitiveFeatures;
  /** Default "between_groups". */
  readonly method?: DisparityMethod;
  /** Groups smaller than this are not judged. Default 1. */
  readonly minGroupSize?: number;
  /** The positive label in yTrue and yPred. Default 1. */
  readonly positive?: number;
}

/**
 * The share of rows predicted positive, Fairlearn's `selection_rate`.
 *
 * @example
 * ```ts
 * selectionRate([0, 1, 1, 0], [1, 1, 0, 0]); // 0.5
 * ```
 */
export function selectionRate(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  positive = 1,
): number {
  checkSameLength("selectionRate", yTrue, yPred, "yPred");
  let selected = 0;
  for (let i = 0; i < yPred.length; i++) if (yPred[i] === positive) selected++;
  return yPred.length === 0 ? 0 : selected / yPred.length;
}

/**
 * TP / (TP + FN), Fairlearn's `true_positive_rate` (0 when there is no positive row).
 *
 * @example
 * ```ts
 * truePositiveRate([0, 1, 1, 0], [1, 1, 0, 0]); // 0.5
 * ```
 */
export function truePositiveRate(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  positive = 1,
): number {
  return rate(yTrue, yPred, positive, true);
}

/**
 * FP / (FP + TN), Fairlearn's `false_positive_rate` (0 when there is no negative row).
 *
 * @example
 * ```ts
 * falsePositiveRate([0, 1, 1, 0], [1, 1, 0, 0]); // 0.5
 * ```
 */
export function falsePositiveRate(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  positive = 1,
): number {
  return rate(yTrue, yPred, positive, false);
}

/**
 * Fairlearn's `demographic_parity_difference`: the spread of selection rates across groups.
 *
 * @example
 * ```ts
 * demographicParityDifference(yTrue, yPred, { sensitive: { gender } }); // 0 = parity
 * ```
 */
export function demographicParityDifference(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: FairnessOptions,
): number {
  return frameOf(yTrue, yPred, options, "selection").difference(method(options)).selection!;
}

/**
 * Fairlearn's `demographic_parity_ratio`: smallest over largest selection rate (1 = parity).
 *
 * @example
 * ```ts
 * demographicParityRatio(yTrue, yPred, { sensitive: { gender } });
 * ```
 */
export function demographicParityRatio(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: FairnessOptions,
): number {
  return frameOf(yTrue, yPred, options, "selection").ratio(method(options)).selection!;
}

/**
 * Fairlearn's `equalized_odds_difference` (agg "worst_case"): the larger of the true positive
 * rate difference and the false positive rate difference across groups.
 *
 * @example
 * ```ts
 * equalizedOddsDifference(yTrue, yPred, { sensitive: { senior_citizen } });
 * ```
 */
export function equalizedOddsDifference(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: FairnessOptions,
): number {
  const diff = frameOf(yTrue, yPred, options, "odds").difference(method(options));
  return Math.max(diff.tpr!, diff.fpr!);
}

/**
 * Fairlearn's `equal_opportunity_difference`: the spread of true positive rates (recall)
 * across groups.
 *
 * @example
 * ```ts
 * equalOpportunityDifference(yTrue, yPred, { sensitive: { senior_citizen } }); // gate: ≤ 0.1
 * ```
 */
export function equalOpportunityDifference(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: FairnessOptions,
): number {
  return frameOf(yTrue, yPred, options, "tpr").difference(method(options)).tpr!;
}

/**
 * The outcome of {@link disparateImpactRatio}.
 *
 * @example
 * ```ts
 * const { ratio, passes } = disparateImpactRatio(yTrue, yPred, { sensitive: { gender } });
 * ```
 */
export interface DisparateImpact {
  /** Smallest over largest selection rate across groups. */
  readonly ratio: number;
  readonly threshold: number;
  /** ratio ≥ threshold. */
  readonly passes: boolean;
  /** Selection rate per group key. */
  readonly selectionRates: Readonly<Record<string, number>>;
}

/**
 * The disparate impact ratio — the demographic parity ratio — checked against a threshold.
 * The default 0.8 is the "four-fifths rule", a convention from US employment guidance
 * (29 CFR 1607.4), not a law of fairness; Fairlearn's docs warn it is wrong in many settings.
 * Set the threshold your policy justifies.
 *
 * @example
 * ```ts
 * const di = disparateImpactRatio(yTrue, yPred, { sensitive: { gender }, threshold: 0.8 });
 * if (!di.passes) console.log(di.selectionRates);
 * ```
 */
export function disparateImpactRatio(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: FairnessOptions & { readonly threshold?: number },
): DisparateImpact {
  const threshold = options.threshold ?? 0.8;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `disparateImpactRatio: threshold must be in (0, 1]. Got ${threshold} instead.`,
      { details: { parameter: "threshold", value: threshold } },
    );
  }
  const frame = frameOf(yTrue, yPred, options, "selection");
  const ratio = frame.ratio().selection!;
  return {
    ratio,
    threshold,
    passes: ratio >= threshold,
    selectionRates: Object.fromEntries(frame.byGroup.map((g) => [g.key, g.metrics.selection!])),
  };
}

function frameOf(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: FairnessOptions,
  kind: "selection" | "odds" | "tpr",
): MetricFrame {
  const positive = options.positive ?? 1;
  const selection = (t: ArrayLike<number>, p: ArrayLike<number>) => selectionRate(t, p, positive);
  const tpr = (t: ArrayLike<number>, p: ArrayLike<number>) => truePositiveRate(t, p, positive);
  const fpr = (t: ArrayLike<number>, p: ArrayLike<number>) => falsePositiveRate(t, p, positive);
  const metrics: Record<string, GroupMetric> =
    kind === "selection" ? { selection } : kind === "tpr" ? { tpr } : { tpr, fpr };
  return new MetricFrame({
    metrics,
    yTrue,
    yPred,
    sensitive: options.sensitive,
    ...(options.minGroupSize !== undefined ? { minGroupSize: options.minGroupSize } : {}),
  });
}

function method(options: FairnessOptions): { method: DisparityMethod } {
  return { method: options.method ?? "between_groups" };
}

function rate(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  positive: number,
  ofPositives: boolean,
): number {
  checkSameLength(ofPositives ? "truePositiveRate" : "falsePositiveRate", yTrue, yPred, "yPred");
  let hits = 0;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if ((yTrue[i] === positive) !== ofPositives) continue;
    total++;
    if (yPred[i] === positive) hits++;
  }
  return total === 0 ? 0 : hits / total;
}
