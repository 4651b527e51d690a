import { describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, numericColumn, Rng } from "../../core/index.js";
import { EnsembleBuilder, rankedForestOf, type TreeEnsemble, walkMargins } from "./ensemble.js";
import type { FeatureSpec } from "./feature-input.js";
import { featureMatrix } from "./feature-input.js";
import { frameMargins } from "./frame-margins.js";
import { GbdtClassifier, GbdtRegressor } from "./gbdt-estimator.js";
import { compileRankedForest } from "./ranked-forest.js";

/** Margins of every thread count against the node-by-node walk, bit for bit. */
function expectRankedSameAsWalk(
  e: TreeEnsemble,
  specs: readonly FeatureSpec[],
  frame: Frame,
): void {
  const matrix = featureMatrix(frame, specs, "GbdtClassifier");
  const walked = walkMargins(e, matrix.values, matrix.nRows);
  expect(frame.nRows).toBeGreaterThanOrEqual(512);
  for (const nThreads of [1, 2, 3]) {
    const { margins } = frameMargins(e, specs, frame, nThreads, "GbdtClassifier");
    expect(margins).toEqual(walked);
  }
}

/** Row `i` of a frame of numbers that land exactly on, just beside, and far from thresholds. */
function edgyValues(nRows: number, thresholds: readonly number[], seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const t = thresholds[rng.int(thresholds.length)]!;
    const pick = rng.int(8);
    out[i] =
      pick === 0
        ? Number.NaN
        : pick === 1
          ? t
          : pick === 2
            ? t + Math.abs(t) * 2 ** -52 + Number.MIN_VALUE
            : pick === 3
              ? t - Math.abs(t) * 2 ** -52 - Number.MIN_VALUE
              : pick === 4
                ? -0
                : (rng.next() - 0.5) * 10;
  }
  return out;
}

/** One depth-2 tree: numeric root on feature 0, a numeric split and a category split below. */
function handBuilt(
  threshold: number,
  categories: number[],
  categoricalDefaultLeft: boolean,
): TreeEnsemble {
  const b = new EnsembleBuilder(3, 1, Float64Array.of(0.5));
  const root = b.addNode({ feature: 0, threshold, defaultLeft: true, cover: 10 });
  const num = b.addNode({ feature: 1, threshold: -0, defaultLeft: false, cover: 6 });
  const cat = b.addNode({
    feature: 2,
    categories,
    defaultLeft: categoricalDefaultLeft,
    cover: 4,
  });
  const leaves = [0.125, -0.25, 0.375, -0.5].map((value) =>
    b.addNode({ feature: -1, value, cover: 1 }),
  );
  b.setChildren(root, num, cat);
  b.setChildren(num, leaves[0]!, leaves[1]!);
  b.setChildren(cat, leaves[2]!, leaves[3]!);
  b.addTree(root, 0);
  // A second tree on the same features, so thresholds share rank tables.
  const root2 = b.addNode({ feature: 1, threshold: 1.5, defaultLeft: false, cover: 10 });
  const l2 = b.addNode({ feature: -1, value: 0.0625, cover: 5 });
  const r2 = b.addNode({
    feature: 0,
    threshold: Number.NEGATIVE_INFINITY,
    defaultLeft: false,
    cover: 5,
  });
  const l3 = b.addNode({ feature: -1, value: 1, cover: 2 });
  const r3 = b.addNode({ feature: -1, value: 2, cover: 3 });
  b.setChildren(root2, l2, r2);
  b.setChildren(r2, l3, r3);
  b.addTree(root2, 0);
  return b.finish();
}

function handFrame(nRows: number, seed: number, nCodes: number): Frame {
  const rng = new Rng(seed);
  const codes = Array.from({ length: nRows }, (_, i) =>
    i % 17 === 0 ? null : `k${rng.int(nCodes)}`,
  );
  return Frame.fromColumns({
    a: numericColumn(edgyValues(nRows, [0.1, -3, 1e300], seed + 1)),
    b: numericColumn(edgyValues(nRows, [-0, 1.5], seed + 2)),
    c: categoricalFromValues(
      codes,
      Array.from({ length: nCodes }, (_, k) => `k${k}`),
    ),
  });
}

const handSpecs = (nCodes: number): FeatureSpec[] => [
  { name: "a", kind: "numeric" },
  { name: "b", kind: "numeric" },
  { name: "c", kind: "categorical", categories: Array.from({ length: nCodes }, (_, k) => `k${k}`) },
];

describe("ranked forest prediction", () => {
  it("ranks values on, beside and between thresholds (±0, -Infinity) exactly as the walk compares", () => {
    // {0} with missing left: codes 1 and 2 (the clamp) go right, an interval.
    const e = handBuilt(0.1, [0], true);
    const ranked = compileRankedForest(e)!;
    expect(ranked.mode).toBe(0);
    expect(Array.from(ranked.inputs[0]!.thresholds.subarray(0, 2))).toEqual([
      Number.NEGATIVE_INFINITY,
      0.1,
    ]);
    expectRankedSameAsWalk(e, handSpecs(3), handFrame(3000, 1, 3));
  });

  it("swaps the subtrees of a category split whose right side is not an interval", () => {
    // Codes 0..3 and missing: {1} left with missing right sends 0, 2, 3 and missing right,
    // which is no interval; its left side {1} is.
    const e = handBuilt(-3, [1], false);
    expect(compileRankedForest(e)!.mode).toBe(0);
    expectRankedSameAsWalk(e, handSpecs(4), handFrame(2500, 2, 4));
  });

  it("falls back to masks when neither side of a category split is an interval", () => {
    const e = handBuilt(1e300, [0, 2], false);
    expect(compileRankedForest(e)!.mode).toBe(1);
    expectRankedSameAsWalk(e, handSpecs(5), handFrame(2100, 3, 5));
  });

  it("is not used for forests the byte encoding cannot hold; those still predict exactly", () => {
    // Feature 0 split both by number and by category.
    const b = new EnsembleBuilder(1, 1, Float64Array.of(0));
    const root = b.addNode({ feature: 0, threshold: 2.5, cover: 2 });
    const cat = b.addNode({ feature: 0, categories: [1], cover: 1 });
    const leaves = [1, 2, 3].map((value) => b.addNode({ feature: -1, value, cover: 1 }));
    b.setChildren(root, cat, leaves[2]!);
    b.setChildren(cat, leaves[0]!, leaves[1]!);
    b.addTree(root, 0);
    expect(compileRankedForest(b.finish())).toBeUndefined();
    // 300 distinct thresholds on one feature.
    const many = new EnsembleBuilder(1, 1, Float64Array.of(0));
    for (let t = 0; t < 300; t++) {
      const r = many.addNode({ feature: 0, threshold: t / 7, cover: 2 });
      const l = many.addNode({ feature: -1, value: t, cover: 1 });
      const h = many.addNode({ feature: -1, value: -t, cover: 1 });
      many.setChildren(r, l, h);
      many.addTree(r, 0);
    }
    const e = many.finish();
    expect(compileRankedForest(e)).toBeUndefined();
    const frame = Frame.fromColumns({ a: numericColumn(edgyValues(600, [1 / 7, 20], 4)) });
    expectRankedSameAsWalk(e, [{ name: "a", kind: "numeric" }], frame);
  });

  it("matches the walk for trained binary, multiclass and regression models on 1-3 threads", () => {
    const rng = new Rng(11);
    const make = (n: number) => {
      const num = Float64Array.from({ length: n }, () =>
        rng.next() < 0.1 ? Number.NaN : Math.round(rng.normal() * 20) / 4,
      );
      const two = Array.from({ length: n }, () => (rng.next() < 0.5 ? "yes" : "no"));
      const many = Array.from({ length: n }, () => (rng.next() < 0.05 ? null : `c${rng.int(40)}`));
      const y = Float64Array.from({ length: n }, (_, i) => {
        const v = Number.isNaN(num[i]!) ? 0 : num[i]!;
        return (
          v + (two[i] === "yes" ? 1 : -1) + (Number(many[i]?.slice(1) ?? 7) % 4) + rng.normal()
        );
      });
      const x = Frame.fromColumns({
        num: numericColumn(num),
        two: categoricalFromValues(two),
        many: categoricalFromValues(many),
      });
      return { x, y };
    };
    const train = make(3000);
    const test = make(4500);
    const label = categoricalFromValues(
      Array.from(train.y, (v) => (v > 2 ? "high" : v > 0 ? "mid" : "low")),
    );
    const models = [
      new GbdtRegressor({ nEstimators: 20, maxDepth: 6 }).fit(train.x, numericColumn(train.y)),
      new GbdtClassifier({ nEstimators: 10, maxDepth: 5, maxCatToOnehot: 2 }).fit(train.x, label),
      new GbdtClassifier({ nEstimators: 15, maxDepth: 4 }).fit(
        train.x,
        categoricalFromValues(Array.from(train.y, (v) => (v > 1 ? "a" : "b"))),
      ),
    ];
    for (const model of models) {
      expect(rankedForestOf(model.ensemble)).toBeDefined();
      expectRankedSameAsWalk(model.ensemble, model.features, test.x);
      expect(model.predictMargins(test.x, { nThreads: 2 })).toEqual(
        frameMargins(model.ensemble, model.features, test.x, 1, model.type).margins,
      );
    }
  });
});
