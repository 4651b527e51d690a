import type { Rng } from "../../core/index.js";

/**
 * A leaf of a regression tree: its box in the (normalised) feature space and its mean.
 *
 * @example
 * ```ts
 * const box: LeafBox = { low: Float64Array.of(0), high: Float64Array.of(0.5), value: 1.2 };
 * ```
 */
export interface LeafBox {
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly value: number;
}

/**
 * A small random forest of regression trees for tuning surrogates: bootstrap samples, every
 * feature considered at each split, split on variance reduction, grown to pure or single-row
 * leaves (what scikit-learn's `RandomForestRegressor` does with its defaults). Features live
 * in [0, 1]; each tree is kept as the boxes its leaves cover, which is what fANOVA needs.
 *
 * @example
 * ```ts
 * const forest = fitRegressionForest([[0.1, 0.5], [0.9, 0.2]], [1, 3], new Rng(0), { nTrees: 16 });
 * forest[0]; // the leaf boxes of the first tree
 * ```
 */
export function fitRegressionForest(
  rows: readonly Float64Array[],
  targets: readonly number[],
  rng: Rng,
  options: { nTrees?: number; maxDepth?: number } = {},
): LeafBox[][] {
  const nTrees = options.nTrees ?? 64;
  const maxDepth = options.maxDepth ?? 64;
  const d = rows[0]?.length ?? 0;
  const forest: LeafBox[][] = [];
  for (let t = 0; t < nTrees; t++) {
    const sample = Array.from({ length: rows.length }, () => rng.int(rows.length));
    const leaves: LeafBox[] = [];
    grow(sample, new Float64Array(d), new Float64Array(d).fill(1), 0);
    forest.push(leaves);

    function grow(idx: number[], low: Float64Array, high: Float64Array, depth: number): void {
      const mean = idx.reduce((s, i) => s + (targets[i] as number), 0) / idx.length;
      const split = depth < maxDepth && idx.length >= 2 ? bestSplit(idx) : undefined;
      if (split === undefined) {
        leaves.push({ low, high, value: mean });
        return;
      }
      const left = idx.filter(
        (i) => ((rows[i] as Float64Array)[split.feature] as number) <= split.threshold,
      );
      const right = idx.filter(
        (i) => ((rows[i] as Float64Array)[split.feature] as number) > split.threshold,
      );
      const leftHigh = Float64Array.from(high);
      leftHigh[split.feature] = split.threshold;
      const rightLow = Float64Array.from(low);
      rightLow[split.feature] = split.threshold;
      grow(left, low, leftHigh, depth + 1);
      grow(right, rightLow, high, depth + 1);
    }
  }
  return forest;

  function bestSplit(idx: number[]): { feature: number; threshold: number } | undefined {
    let best: { feature: number; threshold: number; score: number } | undefined;
    for (let f = 0; f < d; f++) {
      const order = [...idx].sort(
        (a, b) =>
          ((rows[a] as Float64Array)[f] as number) - ((rows[b] as Float64Array)[f] as number),
      );
      let total = 0;
      let totalSq = 0;
      for (const i of order) {
        total += targets[i] as number;
        totalSq += (targets[i] as number) ** 2;
      }
      let leftSum = 0;
      let leftSq = 0;
      for (let k = 0; k < order.length - 1; k++) {
        const y = targets[order[k] as number] as number;
        leftSum += y;
        leftSq += y * y;
        const here = (rows[order[k] as number] as Float64Array)[f] as number;
        const next = (rows[order[k + 1] as number] as Float64Array)[f] as number;
        if (here === next) continue;
        const nl = k + 1;
        const nr = order.length - nl;
        // Sum of squared errors of both sides; lower is better.
        const sse =
          leftSq - (leftSum * leftSum) / nl + (totalSq - leftSq) - (total - leftSum) ** 2 / nr;
        if (best === undefined || sse < best.score - 1e-12) {
          best = { feature: f, threshold: (here + next) / 2, score: sse };
        }
      }
    }
    // A split that explains nothing (constant targets) leaves the node a leaf.
    let sum = 0;
    let sumSq = 0;
    for (const i of idx) {
      sum += targets[i] as number;
      sumSq += (targets[i] as number) ** 2;
    }
    const parentSse = sumSq - (sum * sum) / idx.length;
    return best !== undefined && best.score < parentSse - 1e-12 ? best : undefined;
  }
}
