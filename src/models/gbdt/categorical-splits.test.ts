import { describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, numericColumn, Rng } from "../../core/index.js";
import { categoricalBinMappers } from "./binning.js";
import { rocAuc } from "./eval-metrics.js";
import { GbdtClassifier, GbdtRegressor } from "./gbdt-estimator.js";
import { gbdtParams } from "./params.js";

/** A weak real numeric signal beside a 60-level categorical that carries none. */
function weakSignalBesideNoise(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const noise = Array.from({ length: n }, () => `s${rng.int(60)}`);
  const label = Array.from(x, (v) => (rng.next() < 1 / (1 + Math.exp(-0.3 * v)) ? "yes" : "no"));
  return {
    x: Frame.fromColumns({ state: categoricalFromValues(noise), weak: numericColumn(x) }),
    y: categoricalFromValues(label),
    truth: Float64Array.from(label, (l) => Number(l === "yes")),
  };
}

/** The input feature each tree's root splits on. */
function rootFeatures(model: ReturnType<GbdtClassifier["fit"]>): string[] {
  const e = model.ensemble;
  return Array.from(e.roots, (r) => model.features[e.feature[r]!]?.name ?? "(leaf)");
}

describe("regularised categorical splits", () => {
  it("does not choose a many-category column without signal over a weak real feature", () => {
    const { x, y } = weakSignalBesideNoise(3000, 1);
    const stumps = { nEstimators: 10, maxDepth: 1, learningRate: 0.3 };
    const model = new GbdtClassifier(stumps).fit(x, y);
    expect(rootFeatures(model).slice(0, 5)).toEqual(["weak", "weak", "weak", "weak", "weak"]);
    // Once the weak signal is learned the noise column may split, but only one category
    // against the rest (as one-hot columns would), never a partition fitted to noise.
    const e = model.ensemble;
    for (const r of e.roots) {
      if (e.catStart[r]! < 0) continue;
      let members = 0;
      for (let w = 0; w < e.catWords[r]!; w++) {
        for (let bits = e.catBits[e.catStart[r]! + w]!; bits !== 0; bits &= bits - 1) members++;
      }
      expect(members).toBe(1);
    }
    // Without the partition penalty the best of the noise column's partitions wins the first
    // root: what the penalty is there to stop.
    const unpenalised = new GbdtClassifier({ ...stumps, catPenalty: 0, catL2: 0 }).fit(x, y);
    expect(rootFeatures(unpenalised)[0]).toBe("state");
  });

  it("generalises at least as well as one-vs-rest splits on such data", () => {
    const train = weakSignalBesideNoise(3000, 2);
    const test = weakSignalBesideNoise(3000, 3);
    const auc = (params: Record<string, unknown>): number => {
      const model = new GbdtClassifier({ nEstimators: 60, maxDepth: 4, ...params }).fit(
        train.x,
        train.y,
      );
      const proba = model.predictProba(test.x);
      return rocAuc(
        Float64Array.from({ length: test.x.nRows }, (_, i) => proba[2 * i + 1]!),
        test.truth,
      );
    };
    expect(auc({})).toBeGreaterThanOrEqual(auc({ maxCatToOnehot: 1000 }) - 0.002);
  });

  it("still finds a real many-category partition in one split", () => {
    const rng = new Rng(4);
    const levels = Array.from({ length: 3000 }, () => rng.int(40));
    const hot = (k: number) => k % 3 === 0;
    const model = new GbdtClassifier({ nEstimators: 1, maxDepth: 1 }).fit(
      Frame.fromColumns({ city: categoricalFromValues(levels.map((k) => `c${k}`)) }),
      categoricalFromValues(levels.map((k) => (hot(k) !== rng.next() < 0.1 ? "yes" : "no"))),
    );
    const e = model.ensemble;
    const root = e.roots[0]!;
    expect(e.catStart[root]).toBeGreaterThanOrEqual(0);
    const categories = model.features[0]!.categories!;
    const left = new Set<boolean>();
    for (let c = 0; c < categories.length; c++) {
      const inSet = (e.catBits[e.catStart[root]! + (c >>> 5)]! >>> (c & 31)) & 1;
      left.add((inSet === 1) === hot(Number(categories[c]!.slice(1))));
    }
    expect(left.size).toBe(1); // every hot city on one side, every other city on the other
  });

  it("learns every level of an 800-level column (binned in parts of at most 255)", () => {
    const rng = new Rng(5);
    const effect = Float64Array.from({ length: 800 }, () => rng.normal());
    const codes = Array.from({ length: 800 * 12 }, (_, i) => i % 800);
    const x = Frame.fromColumns({ level: categoricalFromValues(codes.map((c) => `L${c}`)) });
    const y = numericColumn(Float64Array.from(codes, (c) => effect[c]!));
    const parts = categoricalBinMappers(Int32Array.from(codes), 800, 256, 0);
    expect(parts.map((p) => p.nBins - 1)).toEqual([255, 255, 255, 35]);
    const covered = new Set(parts.flatMap((p) => Array.from(p.binToCategory)));
    expect(covered.size).toBe(800);
    const model = new GbdtRegressor({ nEstimators: 200, maxDepth: 6 }).fit(x, y);
    const predicted = model.predict(x);
    let sse = 0;
    for (let i = 0; i < predicted.length; i++) sse += (predicted[i]! - y.values[i]!) ** 2;
    expect(Math.sqrt(sse / predicted.length)).toBeLessThan(0.05);
    // Every split names the input column, not a part of it.
    expect(new Set(Array.from(model.ensemble.feature).filter((f) => f >= 0))).toEqual(new Set([0]));
  });

  it("takes LightGBM's names for the categorical knobs", () => {
    const p = gbdtParams.parse({
      cat_smooth: 5,
      cat_l2: 1,
      max_cat_threshold: 16,
      min_data_per_group: 50,
      cat_penalty: 0.5,
      max_cat_to_onehot: 8,
    });
    expect([
      p.catSmooth,
      p.catL2,
      p.maxCatThreshold,
      p.minDataPerGroup,
      p.catPenalty,
      p.maxCatToOnehot,
    ]).toEqual([5, 1, 16, 50, 0.5, 8]);
  });
});
