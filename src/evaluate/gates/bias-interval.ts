import { Rng } from "../../core/index.js";
import { quantile } from "../metrics/bootstrap.js";
import type { BiasMetricName } from "./policy.js";

/**
 * How a bias gate's confidence interval is computed (`interval: true` takes every default).
 *
 * @example
 * ```ts
 * const options: BiasIntervalOptions = { level: 0.95, resamples: 2000, seed: 7 };
 * ```
 */
export interface BiasIntervalOptions {
  /** Confidence level, in (0, 1). Default 0.95. */
  readonly level?: number;
  /** Bootstrap resamples, 100 to 100,000. Default 1000. */
  readonly resamples?: number;
  /** Seed of the resampling (the same seed, the same interval). Default 0. */
  readonly seed?: number;
}

/**
 * A bias metric's percentile bootstrap interval, as a gate result reports it.
 *
 * @example
 * ```ts
 * const i: BiasInterval = { lower: 0.62, upper: 0.95, level: 0.95, resamples: 1000, seed: 0 };
 * ```
 */
export interface BiasInterval {
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  /** Resamples on which the metric was defined (a ratio over an all-zero resample is not). */
  readonly resamples: number;
  readonly seed: number;
}

/**
 * One judged group's counts behind the rates a bias metric compares: rows and rows predicted
 * positive, positives and true positives, negatives and false positives.
 *
 * @example
 * ```ts
 * const g: GroupCounts = { size: 120, selected: 30, positives: 40, truePositives: 25, negatives: 80, falsePositives: 5 };
 * ```
 */
export interface GroupCounts {
  readonly size: number;
  readonly selected: number;
  readonly positives: number;
  readonly truePositives: number;
  readonly negatives: number;
  readonly falsePositives: number;
}

/**
 * The percentile bootstrap interval of a bias metric across judged groups. Each resample
 * redraws every group's rows with replacement, stratified by group — and, for true and false
 * positive rates, by label within the group, since those rates are conditional on the label —
 * so group sizes stay as observed and only the noise of small groups moves the metric.
 * Redrawing the rows of a cell with k hits of n is drawing Binomial(n, k/n), which is what
 * this does, without materialising rows.
 *
 * @example
 * ```ts
 * biasInterval("disparateImpactRatio", [big, small], { resamples: 1000 }); // { lower, upper, … }
 * ```
 */
export function biasInterval(
  metric: BiasMetricName,
  groups: readonly GroupCounts[],
  options: BiasIntervalOptions = {},
): BiasInterval {
  const level = options.level ?? 0.95;
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const rng = new Rng(seed);
  const values: number[] = [];
  const selection = new Array<number>(groups.length);
  const tpr = new Array<number>(groups.length);
  const fpr = new Array<number>(groups.length);
  const wantsSelection =
    metric !== "equalOpportunityDifference" && metric !== "equalizedOddsDifference";
  for (let r = 0; r < resamples; r++) {
    groups.forEach((g, i) => {
      if (wantsSelection) selection[i] = draw(rng, g.size, g.selected) / g.size;
      else {
        tpr[i] = draw(rng, g.positives, g.truePositives) / g.positives;
        if (metric === "equalizedOddsDifference")
          fpr[i] = draw(rng, g.negatives, g.falsePositives) / g.negatives;
      }
    });
    const value = metricOf(metric, selection, tpr, fpr);
    if (!Number.isNaN(value)) values.push(value);
  }
  values.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return {
    lower: values.length === 0 ? Number.NaN : quantile(values, tail),
    upper: values.length === 0 ? Number.NaN : quantile(values, 1 - tail),
    level,
    resamples: values.length,
    seed,
  };
}

/** Hits among n rows redrawn with replacement from a cell with k hits. */
function draw(rng: Rng, n: number, k: number): number {
  const p = k / n;
  if (p === 0 || p === 1) return k;
  let hits = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) hits++;
  return hits;
}

function metricOf(
  metric: BiasMetricName,
  selection: readonly number[],
  tpr: readonly number[],
  fpr: readonly number[],
): number {
  const spread = (v: readonly number[]) => Math.max(...v) - Math.min(...v);
  switch (metric) {
    case "demographicParityDifference":
      return spread(selection);
    case "demographicParityRatio":
    case "disparateImpactRatio":
      // 0 / 0 is NaN, as Fairlearn's ratio: that resample says nothing.
      return Math.min(...selection) / Math.max(...selection);
    case "equalOpportunityDifference":
      return spread(tpr);
    default:
      return Math.max(spread(tpr), spread(fpr));
  }
}
