import { describeValue, KeelError, Rng } from "../../core/index.js";
import { type Distribution, type ParamValue, toInternal } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { intersectionSearchSpace } from "../samplers/search-space.js";
import { fitRegressionForest, type LeafBox } from "./regression-forest.js";

/**
 * Options of {@link getParamImportances}.
 *
 * @example
 * ```ts
 * getParamImportances(study.trials, { params: ["learningRate", "maxDepth"], seed: 1 });
 * ```
 */
export interface ParamImportanceOptions {
  /** Only these parameters (default: those every completed trial has). */
  readonly params?: readonly string[];
  /** Trees in the surrogate forest. Default 64 (as Optuna's fANOVA evaluator). */
  readonly nTrees?: number;
  readonly seed?: number;
}

/**
 * How much of the objective's variation each parameter explains, fANOVA-style (Hutter et al.
 * 2014, the default evaluator of Optuna): fit a random forest to the completed trials
 * (parameters scaled to [0, 1], log ranges in log space, categorical choices as equal-width
 * cells), compute for every tree the variance of each parameter's marginal function as a
 * fraction of the tree's total variance, and average over trees. Returned normalised to sum to
 * 1, most important first.
 *
 * @example
 * ```ts
 * getParamImportances(study.trials); // { learningRate: 0.71, maxDepth: 0.22, subsample: 0.07 }
 * ```
 */
export function getParamImportances(
  trials: readonly FrozenTrial[],
  options: ParamImportanceOptions = {},
): Record<string, number> {
  const completed = trials.filter((t) => t.state === "COMPLETE" && t.value !== undefined);
  const space = intersectionSearchSpace(completed);
  const names = options.params ?? Object.keys(space);
  for (const name of names) {
    if (!(name in space)) {
      throw new KeelError(
        "KEEL_ERR_SEARCH_SPACE",
        `Parameter ${describeValue(name)} is not in every completed trial with one distribution, so its importance is undefined. Known: ${Object.keys(space).join(", ")}.`,
        { details: { param: name } },
      );
    }
  }
  if (completed.length < 2 || names.length === 0) {
    throw new KeelError(
      "KEEL_ERR_NO_COMPLETED_TRIALS",
      `Parameter importances need at least 2 completed trials with a shared parameter; got ${completed.length} completed trials.`,
    );
  }
  const rows = completed.map((t) =>
    Float64Array.from(names, (name) =>
      normalise(space[name] as Distribution, t.params[name] as ParamValue),
    ),
  );
  const targets = completed.map((t) => t.value as number);
  const forest = fitRegressionForest(rows, targets, new Rng(options.seed ?? 0), {
    nTrees: options.nTrees ?? 64,
  });
  const sums = new Float64Array(names.length);
  for (const tree of forest) {
    const shares = mainEffectShares(tree, names.length);
    for (let i = 0; i < names.length; i++) (sums[i] as number) += shares[i] as number;
  }
  const total = sums.reduce((s, v) => s + v, 0);
  const entries = names.map(
    (name, i) => [name, total > 0 ? (sums[i] as number) / total : 1 / names.length] as const,
  );
  return Object.fromEntries([...entries].sort((a, b) => b[1] - a[1]));
}

/** A value's position in [0, 1]: linear, log, or the centre of its categorical cell. */
function normalise(d: Distribution, value: ParamValue): number {
  if (d.kind === "categorical") return (toInternal(d, value) + 0.5) / d.choices.length;
  const v = value as number;
  if (d.low === d.high) return 0.5;
  return d.log
    ? (Math.log(v) - Math.log(d.low)) / (Math.log(d.high) - Math.log(d.low))
    : (v - d.low) / (d.high - d.low);
}

/**
 * For one tree (its leaves partition [0,1]^d), the variance of each dimension's marginal
 * function divided by the tree's total variance.
 */
function mainEffectShares(leaves: readonly LeafBox[], d: number): Float64Array {
  const volume = (leaf: LeafBox, skip: number) => {
    let v = 1;
    for (let j = 0; j < d; j++)
      if (j !== skip) v *= (leaf.high[j] as number) - (leaf.low[j] as number);
    return v;
  };
  let mean = 0;
  for (const leaf of leaves) mean += volume(leaf, -1) * leaf.value;
  let totalVariance = 0;
  for (const leaf of leaves) totalVariance += volume(leaf, -1) * (leaf.value - mean) ** 2;
  const shares = new Float64Array(d);
  if (totalVariance <= 0) return shares;
  for (let i = 0; i < d; i++) {
    const cuts = [
      ...new Set(leaves.flatMap((l) => [l.low[i] as number, l.high[i] as number])),
    ].sort((a, b) => a - b);
    let variance = 0;
    for (let k = 0; k < cuts.length - 1; k++) {
      const a = cuts[k] as number;
      const b = cuts[k + 1] as number;
      const mid = (a + b) / 2;
      // The marginal at x_i = mid: the other dimensions averaged out (weighted by leaf volume).
      let marginal = 0;
      for (const leaf of leaves) {
        if ((leaf.low[i] as number) <= mid && mid < (leaf.high[i] as number))
          marginal += volume(leaf, i) * leaf.value;
      }
      variance += (b - a) * (marginal - mean) ** 2;
    }
    shares[i] = variance / totalVariance;
  }
  return shares;
}
