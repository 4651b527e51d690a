import type { BinMapper } from "./binning.js";

/** The regularisation and limits split finding needs. */
export interface SplitRules {
  readonly lambda: number;
  readonly alpha: number;
  readonly minChildWeight: number;
  readonly minDataInLeaf: number;
  readonly minSplitGain: number;
  readonly maxCatToOnehot: number;
  /** Added to each category's hessian before categories are sorted by gradient ratio. */
  readonly catSmooth: number;
  /** Extra L2 on the leaf values of a many-category partition. */
  readonly catL2: number;
  /** Most categories on the searched side of a partition. */
  readonly maxCatThreshold: number;
  /** Fewest rows a category needs to take part in a partition (one-vs-rest is always tried). */
  readonly minDataPerGroup: number;
  /** Gain a partition gives up per category it chose among, in units of the gradient noise. */
  readonly catPenalty: number;
}

/** The best split of one node: which feature, where each bin goes, and the children's sums. */
export interface SplitInfo {
  readonly feature: number;
  readonly gain: number;
  /** 1 when the bin goes left (the missing bin included), per bin of the feature. */
  readonly goLeft: Uint8Array;
  /** Numeric splits: the last bin going left. -1 for categorical splits. */
  readonly thresholdBin: number;
  readonly defaultLeft: boolean;
  readonly leftGrad: number;
  readonly leftHess: number;
  readonly rightGrad: number;
  readonly rightHess: number;
}

/** Totals of the node being split. */
export interface NodeSums {
  readonly grad: number;
  readonly hess: number;
  readonly count: number;
  /**
   * The gradient noise of the tree's rows, `Σg² / Σh`: the gain one category adds to a split
   * by chance (about 1 for well-fitted log loss, the residual variance for squared error).
   * Scales the partition penalty so it means the same for every loss and label scale.
   */
  readonly noise: number;
}

/** Soft-thresholds a gradient sum by the L1 penalty (XGBoost's ThresholdL1). */
function thresholdL1(g: number, alpha: number): number {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0;
}

/**
 * The loss reduction of a leaf with these sums, up to a constant: `T(G)² / (H + λ)`.
 *
 * @example
 * ```ts
 * leafScore(-4, 2, 1, 0); // 16 / 3
 * ```
 */
export function leafScore(g: number, h: number, lambda: number, alpha: number): number {
  const t = thresholdL1(g, alpha);
  return (t * t) / (h + lambda);
}

/**
 * The optimal leaf value for these sums: `-T(G) / (H + λ)` (before shrinkage).
 *
 * @example
 * ```ts
 * leafValue(-4, 2, 1, 0); // 4 / 3
 * ```
 */
export function leafValue(g: number, h: number, lambda: number, alpha: number): number {
  return -thresholdL1(g, alpha) / (h + lambda);
}

interface Best {
  gain: number;
  thresholdBin: number;
  defaultLeft: boolean;
  lg: number;
  lh: number;
}

/**
 * Scans a numeric feature's histogram for the best threshold, trying missing values on each
 * side (XGBoost's learned default direction). Counts are estimated from hessians, as LightGBM does.
 */
function bestNumericSplit(
  hist: Float64Array,
  offset: number,
  mapper: BinMapper,
  node: NodeSums,
  rules: SplitRules,
  parentScore: number,
): Best | undefined {
  const nValueBins = mapper.nBins - 1;
  const mg = hist[2 * (offset + nValueBins)]!;
  const mh = hist[2 * (offset + nValueBins) + 1]!;
  const perHess = node.count / node.hess;
  const { lambda, alpha, minChildWeight, minDataInLeaf } = rules;
  const hasMissing = mh > 0;
  let best: Best | undefined;
  let bestGain = rules.minSplitGain;
  let gl = 0;
  let hl = 0;
  for (let t = 0; t < nValueBins - 1; t++) {
    gl += hist[2 * (offset + t)]!;
    hl += hist[2 * (offset + t) + 1]!;
    // Missing values to the right.
    {
      const gr = node.grad - gl;
      const hr = node.hess - hl;
      if (
        hl >= minChildWeight &&
        hr >= minChildWeight &&
        hl * perHess >= minDataInLeaf - 0.5 &&
        hr * perHess >= minDataInLeaf - 0.5
      ) {
        const gain =
          leafScore(gl, hl, lambda, alpha) + leafScore(gr, hr, lambda, alpha) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          // With no missing values in the node the default goes to the heavier child.
          best = { gain, thresholdBin: t, defaultLeft: !hasMissing && hl > hr, lg: gl, lh: hl };
        }
      }
    }
    if (!hasMissing) continue;
    // Missing values to the left.
    const lg = gl + mg;
    const lh = hl + mh;
    const gr = node.grad - lg;
    const hr = node.hess - lh;
    if (
      lh >= minChildWeight &&
      hr >= minChildWeight &&
      lh * perHess >= minDataInLeaf - 0.5 &&
      hr * perHess >= minDataInLeaf - 0.5
    ) {
      const gain =
        leafScore(lg, lh, lambda, alpha) + leafScore(gr, hr, lambda, alpha) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        best = { gain, thresholdBin: t, defaultLeft: true, lg, lh };
      }
    }
  }
  return best;
}

/**
 * Categorical split search, regularised so that a many-category feature without signal does
 * not win over a weak real feature:
 *
 * - every category against the rest is always a candidate (what one-hot columns give);
 * - above `maxCatToOnehot` categories, partitions are candidates too, found as LightGBM finds
 *   them: categories with at least `minDataPerGroup` rows sorted by `g / (h + catSmooth)`,
 *   prefixes of up to `maxCatThreshold` scanned from both ends, leaf values shrunk by an extra
 *   `catL2`. Choosing the best of those partitions finds noise: among K categories without
 *   signal it gains about (K − 1) times the gradient noise by chance. So a partition's gain is
 *   reduced by `catPenalty × noise × (K − 1)` (a penalty that grows with the categories chosen
 *   among, which neither XGBoost nor LightGBM applies): it wins only when the categories'
 *   signal beats what chance would give.
 *
 * Missing values (and the categories of other parts) always go right.
 */
function bestCategoricalSplit(
  hist: Float64Array,
  offset: number,
  mapper: BinMapper,
  node: NodeSums,
  rules: SplitRules,
  parentScore: number,
): { best: Best; leftBins: number[] } | undefined {
  const nValueBins = mapper.nBins - 1;
  const perHess = node.count / node.hess;
  const { lambda, alpha, minChildWeight, minDataInLeaf } = rules;
  const present: number[] = [];
  for (let b = 0; b < nValueBins; b++) if (hist[2 * (offset + b) + 1]! > 0) present.push(b);
  let bestGain = rules.minSplitGain;
  let result: { best: Best; leftBins: number[] } | undefined;
  const consider = (
    lg: number,
    lh: number,
    leftBins: () => number[],
    l2: number,
    penalty: number,
  ): void => {
    const gr = node.grad - lg;
    const hr = node.hess - lh;
    if (lh < minChildWeight || hr < minChildWeight) return;
    if (lh * perHess < minDataInLeaf - 0.5 || hr * perHess < minDataInLeaf - 0.5) return;
    const gain =
      leafScore(lg, lh, l2, alpha) +
      leafScore(gr, hr, l2, alpha) -
      (l2 === lambda ? parentScore : leafScore(node.grad, node.hess, l2, alpha)) -
      penalty;
    if (gain > bestGain) {
      bestGain = gain;
      result = {
        best: { gain, thresholdBin: -1, defaultLeft: false, lg, lh },
        leftBins: leftBins(),
      };
    }
  };
  for (const b of present)
    consider(hist[2 * (offset + b)]!, hist[2 * (offset + b) + 1]!, () => [b], lambda, 0);
  if (present.length <= rules.maxCatToOnehot) return result;
  const groups = present.filter(
    (b) => hist[2 * (offset + b) + 1]! * perHess >= rules.minDataPerGroup - 0.5,
  );
  if (groups.length < 3) return result;
  const ratio = (b: number): number =>
    hist[2 * (offset + b)]! / (hist[2 * (offset + b) + 1]! + rules.catSmooth);
  const sorted = groups.sort((a, b) => ratio(a) - ratio(b) || a - b);
  const limit = Math.min(rules.maxCatThreshold, sorted.length - 1);
  const l2 = lambda + rules.catL2;
  const penalty = rules.catPenalty * node.noise * (sorted.length - 1);
  for (const order of [sorted, [...sorted].reverse()]) {
    let lg = 0;
    let lh = 0;
    // One category alone is a one-vs-rest candidate already.
    for (let k = 0; k < limit; k++) {
      const b = order[k]!;
      lg += hist[2 * (offset + b)]!;
      lh += hist[2 * (offset + b) + 1]!;
      if (k > 0) consider(lg, lh, () => order.slice(0, k + 1), l2, penalty);
    }
  }
  return result;
}

/**
 * Finds the best split of a node over the allowed features, or `undefined` when no split
 * reduces the loss by more than `minSplitGain`. Ties keep the lower feature index.
 *
 * @example
 * ```ts
 * const split = findBestSplit(hist, data.mappers, data.binOffsets, featureMask, sums, rules);
 * ```
 */
export function findBestSplit(
  hist: Float64Array,
  mappers: readonly BinMapper[],
  binOffsets: Int32Array,
  featureMask: Uint8Array,
  node: NodeSums,
  rules: SplitRules,
): SplitInfo | undefined {
  if (node.count < 2 * rules.minDataInLeaf || node.hess < 2 * rules.minChildWeight)
    return undefined;
  const parentScore = leafScore(node.grad, node.hess, rules.lambda, rules.alpha);
  let out: SplitInfo | undefined;
  for (let f = 0; f < mappers.length; f++) {
    if (featureMask[f] === 0) continue;
    const mapper = mappers[f]!;
    if (mapper.nBins <= 2) continue;
    const offset = binOffsets[f]!;
    if (mapper.kind === "numeric") {
      const best = bestNumericSplit(hist, offset, mapper, node, rules, parentScore);
      if (best === undefined || (out !== undefined && best.gain <= out.gain)) continue;
      const goLeft = new Uint8Array(mapper.nBins);
      for (let b = 0; b <= best.thresholdBin; b++) goLeft[b] = 1;
      goLeft[mapper.missingBin] = best.defaultLeft ? 1 : 0;
      out = splitInfo(f, best, goLeft, node);
    } else {
      const found = bestCategoricalSplit(hist, offset, mapper, node, rules, parentScore);
      if (found === undefined || (out !== undefined && found.best.gain <= out.gain)) continue;
      const goLeft = new Uint8Array(mapper.nBins);
      for (const b of found.leftBins) goLeft[b] = 1;
      out = splitInfo(f, found.best, goLeft, node);
    }
  }
  return out;
}

function splitInfo(feature: number, best: Best, goLeft: Uint8Array, node: NodeSums): SplitInfo {
  return {
    feature,
    gain: best.gain,
    goLeft,
    thresholdBin: best.thresholdBin,
    defaultLeft: best.defaultLeft,
    leftGrad: best.lg,
    leftHess: best.lh,
    rightGrad: node.grad - best.lg,
    rightHess: node.hess - best.lh,
  };
}
