import { describe, expect, it } from "vitest";
import { Frame, numericColumn, Rng } from "../../core/index.js";
import { binFeatures } from "./binning.js";
import { boost } from "./booster.js";
import { GbdtClassifier } from "./gbdt-estimator.js";
import { objectiveFor } from "./objectives.js";
import { createHistogramBuilder } from "./parallel-histograms.js";
import { gbdtTable, testGrowthRules } from "./synthetic-table.js";

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("GBDT on any number of threads", () => {
  interface Case {
    readonly name: string;
    readonly objective: "binary" | "softmax" | "squaredError";
    readonly nClasses: number;
    readonly categorical?: number;
    readonly missing?: number;
    readonly maxLeaves?: number;
    readonly lossguide?: boolean;
    readonly subsample?: number;
  }
  const cases: Case[] = [
    { name: "binary", objective: "binary", nClasses: 2 },
    { name: "softmax, 4 classes", objective: "softmax", nClasses: 4 },
    { name: "regression", objective: "squaredError", nClasses: 0 },
    { name: "binary, categorical", objective: "binary", nClasses: 2, categorical: 2 },
    { name: "softmax, categorical", objective: "softmax", nClasses: 3, categorical: 1 },
    { name: "binary, 30% missing", objective: "binary", nClasses: 2, missing: 0.3 },
    // Depth-wise growth stopping mid-level.
    { name: "binary, 31 leaves", objective: "binary", nClasses: 2, maxLeaves: 31 },
    { name: "binary, loss-guided, 20 leaves", objective: "binary", nClasses: 2, lossguide: true },
    // In-bag rows update by their leaves, out-of-bag rows by walking the tree.
    { name: "binary, row subsampling", objective: "binary", nClasses: 2, subsample: 0.7 },
  ];
  it.each(cases)(
    "$name: the same trees and training scores, bit for bit, whoever does the work",
    (c) => {
      const n = 3000;
      const { columns, categoryCounts, y } = gbdtTable(n, {
        nClasses: c.nClasses,
        missing: c.missing ?? 0.05,
        categorical: c.categorical ?? 0,
        seed: 21,
      });
      const K = c.objective === "softmax" ? c.nClasses : 1;
      const train = (nThreads: number, helpersOnly: boolean) => {
        // Fresh binned data per fit: each fit owns its kernel memory.
        const data = binFeatures(columns, categoryCounts, 64, 0, K);
        return boost({
          data,
          y,
          weight: new Float64Array(n).fill(1),
          objective: objectiveFor(c.objective, { nClasses: c.nClasses, huberDelta: 1 }),
          rules: c.lossguide
            ? testGrowthRules(0, { growPolicy: "lossguide", maxLeaves: 20 })
            : testGrowthRules(5, { maxLeaves: c.maxLeaves ?? Number.POSITIVE_INFINITY }),
          nEstimators: 6,
          subsample: c.subsample ?? 1,
          colsampleBytree: 1,
          seed: 0,
          nThreads,
          // Threads, sharing, lanes (400 rows) and shared partitions and score updates (chunks
          // of 250 rows) forced on at this small size.
          minCellsPerThread: 1,
          minSharedCells: 1,
          laneRows: 400,
          minSharedRows: 1,
          chunkRows: 250,
          helpersOnly,
          evalMetric: c.objective === "squaredError" ? "rmse" : "logloss",
        });
      };
      const one = train(1, false);
      expect(one.ensemble.roots.length).toBe(6 * K);
      for (const [nThreads, helpersOnly] of [
        [2, true],
        [3, true],
        [2, false],
        [3, false],
      ] as const) {
        const other = train(nThreads, helpersOnly);
        expect(bytes(other.ensemble.value).equals(bytes(one.ensemble.value))).toBe(true);
        expect(bytes(other.ensemble.threshold).equals(bytes(one.ensemble.threshold))).toBe(true);
        expect(bytes(other.ensemble.catBits).equals(bytes(one.ensemble.catBits))).toBe(true);
        expect(Array.from(other.ensemble.feature)).toEqual(Array.from(one.ensemble.feature));
        expect(bytes(other.trainingScores!).equals(bytes(one.trainingScores!))).toBe(true);
      }
    },
  );

  it("partitions rows on the helpers exactly as one thread does, for any chunking", () => {
    const n = 5000;
    const { columns, categoryCounts } = gbdtTable(n, { categorical: 1, seed: 24 });
    const data = binFeatures(columns, categoryCounts, 64, 0);
    const rng = new Rng(4);
    const goLeft = data.memory.uint8(256);
    for (let b = 0; b < 256; b++) goLeft[b] = rng.next() < 0.4 ? 1 : 0;
    const rows = data.memory.uint32(n);
    const scratch = data.memory.uint32(n);
    for (const [feature, begin, last, chunkRows] of [
      [0, 0, n, 1],
      [2, 137, 4411, 7],
      [4, 1000, 1001, 3],
      [1, 10, 2600, 5000],
    ] as const) {
      // A node's rows: ascending, with gaps, as partitions leave them.
      let at = 0;
      for (let r = 0; r < n; r++) if (rng.next() < 0.9) rows[at++] = r;
      const end = Math.min(last, at);
      const column = data.columnBins.subarray(feature * n, (feature + 1) * n);
      const node = Array.from(rows.subarray(begin, end));
      const expected = [
        ...node.filter((r) => goLeft[column[r]!] === 1),
        ...node.filter((r) => goLeft[column[r]!] !== 1),
      ];
      const builder = createHistogramBuilder(data, 3, {
        minCellsPerThread: 1,
        helpersOnly: true,
        minSharedRows: 1,
        chunkRows,
      });
      try {
        const mid = builder.partition(rows, begin, end, column, goLeft, scratch);
        expect(mid - begin).toBe(node.filter((r) => goLeft[column[r]!] === 1).length);
      } finally {
        builder.close();
      }
      expect(Array.from(rows.subarray(begin, end))).toEqual(expected);
    }
  });

  it("computes softmax gradients on the helpers exactly as the softmax objective does", () => {
    const n = 2000;
    const K = 5;
    const { columns, categoryCounts, y } = gbdtTable(n, { nClasses: K, seed: 22 });
    const data = binFeatures(columns, categoryCounts, 64, 0, K);
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
  const { columns, y } = gbdtTable(n, { nClasses: 3, seed: 23 });
  const x = Frame.fromColumns(
    columns.flatMap((c, j) =>
      c.kind === "numeric" ? [[`f${j}`, numericColumn(c.values)] as const] : [],
    ),
  );
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
