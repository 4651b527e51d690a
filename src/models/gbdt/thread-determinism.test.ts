import { describe, expect, it } from "vitest";
import { Frame, numericColumn, Rng } from "../../core/index.js";
import { binFeatures } from "./binning.js";
import { boost } from "./booster.js";
import { GbdtClassifier } from "./gbdt-estimator.js";
import { objectiveFor } from "./objectives.js";
import { createHistogramBuilder } from "./parallel-histograms.js";

const rules = {
  growPolicy: "depthwise",
  maxDepth: 5,
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
} as const;

function table(n: number, nClasses: number, seed: number) {
  const rng = new Rng(seed);
  const columns = Array.from({ length: 6 }, () => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = rng.next() < 0.05 ? Number.NaN : rng.normal();
    return { kind: "numeric" as const, values };
  });
  const y = Float64Array.from({ length: n }, (_, i) => {
    const z = (columns[0]!.values[i] || 0) + (columns[3]!.values[i] || 0) + 0.5 * rng.normal();
    return nClasses === 2 ? (z > 0 ? 1 : 0) : Math.min(nClasses - 1, Math.floor(Math.abs(z) * 2));
  });
  return { columns, y };
}

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("GBDT on any number of threads", () => {
  it.each([
    ["binary", 2],
    ["softmax", 4],
  ] as const)(
    "%s: the same trees and training scores, bit for bit, whoever does the work",
    (objective, nClasses) => {
      const n = 3000;
      const { columns, y } = table(n, nClasses, 21);
      const K = objective === "softmax" ? nClasses : 1;
      const train = (nThreads: number, helpersOnly: boolean) => {
        // Fresh binned data per fit: each fit owns its kernel memory.
        const data = binFeatures(columns, Array(6).fill(0), 64, 0, K);
        return boost({
          data,
          y,
          weight: new Float64Array(n).fill(1),
          objective: objectiveFor(objective, { nClasses, huberDelta: 1 }),
          rules,
          nEstimators: 6,
          subsample: 1,
          colsampleBytree: 1,
          seed: 0,
          nThreads,
          // Threads, sharing and lanes (400 rows) forced on at this small size.
          minCellsPerThread: 1,
          minSharedCells: 1,
          laneRows: 400,
          helpersOnly,
          evalMetric: objective === "binary" ? "logloss" : "mlogloss",
        });
      };
      const one = train(1, false);
      expect(one.ensemble.roots.length).toBe(6 * K);
      for (const [nThreads, helpersOnly] of [
        [2, true],
        [3, true],
        [2, false],
      ] as const) {
        const other = train(nThreads, helpersOnly);
        expect(bytes(other.ensemble.value).equals(bytes(one.ensemble.value))).toBe(true);
        expect(bytes(other.ensemble.threshold).equals(bytes(one.ensemble.threshold))).toBe(true);
        expect(Array.from(other.ensemble.feature)).toEqual(Array.from(one.ensemble.feature));
        expect(bytes(other.trainingScores!).equals(bytes(one.trainingScores!))).toBe(true);
      }
    },
  );

  it("computes softmax gradients on the helpers exactly as the softmax objective does", () => {
    const n = 2000;
    const K = 5;
    const { columns, y } = table(n, K, 22);
    const data = binFeatures(columns, Array(6).fill(0), 64, 0, K);
    const rng = new Rng(3);
    const score = data.memory.float64(n * K, false);
    for (let i = 0; i < score.length; i++) score[i] = 3 * rng.normal();
    const yk = data.memory.float64(n, false);
    yk.set(y);
    const w = data.memory.float64(n, false);
    for (let i = 0; i < n; i++) w[i] = 0.5 + rng.next();
    const gh = data.memory.float64(2 * n * K);
    const builder = createHistogramBuilder(data, 3, { minCellsPerThread: 1, helpersOnly: true });
    try {
      builder.softmaxGradients(score, yk, w, gh, K);
    } finally {
      builder.close();
    }
    const expected = Array.from({ length: K }, () => new Float64Array(2 * n));
    // The objective takes row-major scores; the booster keeps them class-major.
    const rowMajor = new Float64Array(n * K);
    for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) rowMajor[i * K + k] = score[k * n + i]!;
    objectiveFor("softmax", { nClasses: K, huberDelta: 1 }).gradients(
      rowMajor,
      y,
      Float64Array.from(w),
      expected,
    );
    for (let k = 0; k < K; k++)
      expect(bytes(gh.subarray(2 * n * k, 2 * n * (k + 1))).equals(bytes(expected[k]!))).toBe(true);
  });
});

describe("training predictions", () => {
  const n = 1500;
  const { columns, y } = table(n, 3, 23);
  const x = Frame.fromColumns(columns.map((c, j) => [`f${j}`, numericColumn(c.values)] as const));
  const labels = numericColumn(y);

  it("are the model's own predictions of the training rows, without predicting again", () => {
    const model = new GbdtClassifier({ nEstimators: 20, maxDepth: 4 }).fit(x, labels);
    const fromBooster = model.trainingPredictions();
    expect(fromBooster).toBeDefined();
    const again = model.predictBatch(x);
    expect(Array.from(fromBooster!.predicted)).toEqual(Array.from(again.predicted));
    const proba = fromBooster!.proba!;
    expect(proba.length).toBe(again.proba!.length);
    // Sums of the same leaf values in another order: equal to rounding.
    for (let i = 0; i < proba.length; i++) expect(proba[i]).toBeCloseTo(again.proba![i]!, 12);
  });

  it("are not offered when early stopping dropped rounds the booster had added", () => {
    const model = new GbdtClassifier({
      nEstimators: 300,
      learningRate: 0.5,
      earlyStoppingRounds: 3,
    }).fit(x.slice(0, 1000), numericColumn(y.subarray(0, 1000)), {
      validation: { x: x.slice(1000, n), y: numericColumn(y.subarray(1000, n)) },
    });
    expect(model.nTrees / 3).toBeLessThan(model.evalHistory.length);
    expect(model.trainingPredictions()).toBeUndefined();
  });
});
