import { Rng } from "../../core/index.js";
import type { FeatureValues } from "./feature-input.js";
import type { GrowthRules } from "./tree-learner.js";

/** What {@link gbdtTable} generates. */
export interface GbdtTableOptions {
  /** Feature columns (default 6); the first `categorical` of them are categorical. */
  readonly nFeatures?: number;
  /** Classes of the label: 2 binary (default), more multiclass, 0 a regression target. */
  readonly nClasses?: number;
  /** Share of numeric values left missing (NaN; default 0.05). */
  readonly missing?: number;
  /** How many columns are categorical (default 0). */
  readonly categorical?: number;
  /** Categories per categorical column (default 6). */
  readonly levels?: number;
  readonly seed?: number;
}

/**
 * A seeded table of GBDT inputs already in the booster's form (one FeatureValues per column) with
 * a label that depends on two features, for tests and benchmarks of the boosting engine
 * (bench/gbdt imports it from the build, so it is not under a testing folder): numeric columns
 * are standard normals with `missing` NaN, categorical columns uniform codes.
 *
 * @example
 * ```ts
 * const { columns, categoryCounts, y } = gbdtTable(3000, { nClasses: 4, categorical: 1 });
 * const data = binFeatures(columns, categoryCounts, 64, 0, 4);
 * ```
 */
export function gbdtTable(
  nRows: number,
  options: GbdtTableOptions = {},
): { columns: FeatureValues[]; categoryCounts: number[]; y: Float64Array } {
  const nFeatures = options.nFeatures ?? 6;
  const nClasses = options.nClasses ?? 2;
  const missing = options.missing ?? 0.05;
  const nCategorical = options.categorical ?? 0;
  const levels = options.levels ?? 6;
  const rng = new Rng(options.seed ?? 0);
  const columns: FeatureValues[] = [];
  // Each row's contribution of every column to the label, summed below.
  const signal = new Float64Array(nRows);
  for (let f = 0; f < nFeatures; f++) {
    const weight = f === 0 || f === Math.min(3, nFeatures - 1) ? 1 : 0;
    if (f < nCategorical) {
      const codes = new Int32Array(nRows);
      for (let i = 0; i < nRows; i++) {
        codes[i] = rng.int(levels);
        // Every other category pushes the label up: a set no single threshold separates.
        signal[i] = signal[i]! + (codes[i]! % 2 === 0 ? 0.8 : -0.8);
      }
      columns.push({ kind: "categorical", codes });
      continue;
    }
    const values = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) {
      values[i] = rng.next() < missing ? Number.NaN : rng.normal();
      signal[i] = signal[i]! + weight * (values[i] || 0);
    }
    columns.push({ kind: "numeric", values });
  }
  const y = Float64Array.from(signal, (s) => {
    const z = s + 0.5 * rng.normal();
    if (nClasses === 0) return z;
    if (nClasses === 2) return z > 0 ? 1 : 0;
    return Math.min(nClasses - 1, Math.floor(Math.abs(z) * 2));
  });
  return {
    columns,
    categoryCounts: columns.map((_, f) => (f < nCategorical ? levels : 0)),
    y,
  };
}

/**
 * Growth rules for tests and benchmarks of the boosting engine: depth-wise trees of depth
 * `maxDepth`, no minimum leaf size, keel's categorical defaults.
 *
 * @example
 * ```ts
 * boost({ data, y, rules: testGrowthRules(5), … });
 * ```
 */
export function testGrowthRules(
  maxDepth: number,
  overrides: Partial<GrowthRules> = {},
): GrowthRules {
  return {
    growPolicy: "depthwise",
    maxDepth,
    maxLeaves: Number.POSITIVE_INFINITY,
    learningRate: 0.3,
    lambda: 1,
    alpha: 0,
    minChildWeight: 1,
    minDataInLeaf: 1,
    minSplitGain: 0,
    maxCatToOnehot: 4,
    catSmooth: 10,
    catL2: 10,
    maxCatThreshold: 32,
    minDataPerGroup: 10,
    catPenalty: 1,
    ...overrides,
  };
}
