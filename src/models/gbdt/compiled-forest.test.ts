import { describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, numericColumn, Rng } from "../../core/index.js";
import { syntheticClassification } from "../testing/synthetic.js";
import { compileForest } from "./compiled-forest.js";
import { EnsembleBuilder, predictMargins, predictRowMargins, walkMargins } from "./ensemble.js";
import { featureMatrix } from "./feature-input.js";
import { copyForest } from "./forest-kernel.js";
import { frameMargins } from "./frame-margins.js";
import { GbdtClassifier, GbdtRegressor } from "./gbdt-estimator.js";
import type { FittedGbdt } from "./gbdt-model.js";
import { KernelMemory } from "./kernel-memory.js";
import { batchMemory, walkOnThreads } from "./prediction-pool.js";

/** Numeric, missing and categorical inputs; 70 categories so bitsets span several words. */
function mixedData(nRows: number, seed: number, unseen: boolean) {
  const rng = new Rng(seed);
  const a = new Float64Array(nRows);
  const b = new Float64Array(nRows);
  const city: (string | null)[] = [];
  const y = new Float64Array(nRows);
  const label: string[] = [];
  for (let i = 0; i < nRows; i++) {
    a[i] = rng.next() < 0.1 ? Number.NaN : rng.normal();
    b[i] = rng.next() < 0.3 ? Number.NaN : rng.normal();
    const k = rng.int(70);
    city.push(rng.next() < 0.05 ? null : unseen && rng.next() < 0.1 ? `new${k}` : `city${k}`);
    y[i] = (Number.isNaN(a[i]!) ? 1 : a[i]!) + (k % 5) - 2 + (Number.isNaN(b[i]!) ? -1 : b[i]!);
    label.push(y[i]! > 1 ? "high" : y[i]! > -1 ? "mid" : "low");
  }
  const x = Frame.fromColumns({
    a: numericColumn(a),
    b: numericColumn(b),
    city: categoricalFromValues(city),
  });
  return { x, y: numericColumn(y), label: categoricalFromValues(label) };
}

/**
 * The compiled layout against the node-by-node walk, bit for bit: the JavaScript batch walk, the
 * WebAssembly batch walk on 1 to 3 threads (frames of 512 rows or more), and single records.
 */
function expectSameAsWalk(model: FittedGbdt, x: Frame): void {
  const e = model.ensemble;
  const matrix = featureMatrix(x, model.features, model.type);
  const walked = walkMargins(e, matrix.values, matrix.nRows);
  expect(compileForest(e)).toBeDefined();
  expect(x.nRows).toBeGreaterThanOrEqual(512);
  expect(predictMargins(e, matrix.values, matrix.nRows)).toEqual(walked);
  for (const nThreads of [1, 2, 3]) expect(model.predictMargins(x, { nThreads })).toEqual(walked);
  const staged = Math.max(1, e.roots.length >> 1);
  expect(predictMargins(e, matrix.values, matrix.nRows, staged)).toEqual(
    walkMargins(e, matrix.values, matrix.nRows, staged),
  );
  // Single records (the WebAssembly one-row walk) against the batch, through the same link.
  const batch = model.task === "regression" ? model.predict(x) : model.predictProba(x);
  const width = model.task === "regression" ? 1 : model.classes.length;
  for (let i = 0; i < 300; i++) {
    expect(Array.from(model.predictRecord(x.row(i)))).toEqual(
      Array.from(batch.subarray(i * width, (i + 1) * width)),
    );
  }
  // The node-by-node single-row walk (the path for trees too deep to pad) against the batch.
  const row = new Float64Array(e.nFeatures);
  const out = new Float64Array(e.nOutputs);
  for (let i = 0; i < matrix.nRows; i++) {
    row.set(matrix.values.subarray(i * e.nFeatures, (i + 1) * e.nFeatures));
    predictRowMargins(e, row, out);
    expect(out).toEqual(walked.subarray(i * e.nOutputs, (i + 1) * e.nOutputs));
  }
}

describe("compiled forest prediction", () => {
  const train = mixedData(1500, 1, false);
  // Over two kernel chunks of 2,048 rows, so several threads share the batch.
  const test = mixedData(5000, 2, true);

  it("matches the node walk for a binary model with NaNs, categoricals and unseen categories", () => {
    const binary = syntheticClassification(1500, 3);
    const model = new GbdtClassifier({ nEstimators: 25, maxDepth: 6 }).fit(binary.x, binary.y);
    const probe = syntheticClassification(5000, 4).x.withColumn(
      "color",
      categoricalFromValues(
        Array.from({ length: 5000 }, (_, i) => (i % 9 === 0 ? "zz" : `c${i % 8}`)),
      ),
    );
    expectSameAsWalk(model, probe);
  });

  it("matches for multiclass with multi-word category bitsets", () => {
    const model = new GbdtClassifier({ nEstimators: 15, maxDepth: 5, maxCatToOnehot: 2 }).fit(
      train.x,
      train.label,
    );
    expect(model.ensemble.catWords.some((w) => w > 1)).toBe(true);
    expectSameAsWalk(model, test.x);
  });

  it("matches for regression, depth-wise and leaf-wise", () => {
    const depthWise = new GbdtRegressor({ nEstimators: 20, maxDepth: 4 }).fit(train.x, train.y);
    expectSameAsWalk(depthWise, test.x);
    const leafWise = new GbdtRegressor({
      nEstimators: 10,
      growPolicy: "lossguide",
      numLeaves: 24,
      maxDepth: 8,
    }).fit(train.x, train.y);
    expectSameAsWalk(leafWise, test.x);
  });
});

describe("WebAssembly forest modes", () => {
  /** One tree: feature 0 split numerically at the root, then by category set below. */
  function mixedSplitEnsemble(categories: number[]) {
    const b = new EnsembleBuilder(2, 1, Float64Array.of(0.25));
    const root = b.addNode({ feature: 0, threshold: 40.5, defaultLeft: true, cover: 10 });
    const cat = b.addNode({ feature: 0, categories, defaultLeft: false, cover: 6 });
    const num = b.addNode({ feature: 1, threshold: -0.5, defaultLeft: false, cover: 4 });
    const leaves = [1, 2, 3, 4].map((value) => b.addNode({ feature: -1, value, cover: 1 }));
    b.setChildren(root, cat, num);
    b.setChildren(cat, leaves[0]!, leaves[1]!);
    b.setChildren(num, leaves[2]!, leaves[3]!);
    b.addTree(root, 0);
    return b.finish();
  }

  function modeOf(e: ReturnType<typeof mixedSplitEnsemble>) {
    const memory = KernelMemory.create(0);
    return copyForest(memory, e, compileForest(e)!).mode;
  }

  it("walks narrow sets (codes 32-63 included) and mixed-split features like the node walk", () => {
    const rows = 3000;
    const x = new Float64Array(2 * rows);
    for (let i = 0; i < rows; i++) {
      x[2 * i] = i % 97 === 0 ? Number.NaN : i % 70;
      x[2 * i + 1] = i % 5 === 0 ? Number.NaN : (i % 7) - 3;
    }
    for (const categories of [
      [1, 3, 33, 40, 63], // narrow by size, but feature 0 is also split numerically: wide
      [2, 35, 69], // wider than 64 bits: wide
    ]) {
      const e = mixedSplitEnsemble(categories);
      expect(modeOf(e)).toBe(2);
      const frame = Frame.fromColumns({
        a: numericColumn(x.filter((_, k) => k % 2 === 0)),
        b: numericColumn(x.filter((_, k) => k % 2 === 1)),
      });
      const walked = walkMargins(e, x, rows);
      const specs = [
        { name: "a", kind: "numeric" as const },
        { name: "b", kind: "numeric" as const },
      ];
      for (const nThreads of [1, 2])
        expect(frameMargins(e, specs, frame, nThreads, "GbdtClassifier").margins).toEqual(walked);
    }
  });

  it("picks narrow mode for a trained model whose category codes reach 32-63", () => {
    const rng = new Rng(8);
    const n = 4000;
    const city = Array.from({ length: n }, () => `c${rng.int(60)}`);
    const y = numericColumn(Float64Array.from(city, (c) => (Number(c.slice(1)) % 3 === 0 ? 1 : 0)));
    const x = Frame.fromColumns({ city: categoricalFromValues(city) });
    const model = new GbdtClassifier({ nEstimators: 5, maxDepth: 3 }).fit(x, y);
    expect(Math.max(...model.ensemble.catWords)).toBe(2);
    expect(modeOf(model.ensemble)).toBe(1);
    // Missing and unseen cities as well as seen ones, through the narrow walk.
    const probe = Frame.fromColumns({
      city: categoricalFromValues(
        city.map((c, i) => (i % 11 === 0 ? null : i % 13 === 0 ? `new${i}` : c)),
      ),
    });
    expectSameAsWalk(model, probe);
  });

  it("rejects a nThreads that is not a whole number ≥ 0", () => {
    const model = new GbdtRegressor({ nEstimators: 2 }).fit(
      mixedData(600, 3, false).x,
      mixedData(600, 3, false).y,
    );
    expect(() => model.predictMargins(mixedData(600, 4, false).x, { nThreads: -1 })).toThrow(
      /nThreads must be a whole number/,
    );
  });
});

describe("prediction threads", () => {
  it("turn a failing walk into a KeelError, and the next batch works", () => {
    const train = mixedData(1500, 5, false);
    const model = new GbdtRegressor({ nEstimators: 5, maxDepth: 4 }).fit(train.x, train.y);
    const e = model.ensemble;
    const memory = batchMemory();
    const at = copyForest(memory, e, compileForest(e)!);
    const out = memory.float64(8192 * e.nOutputs);
    // Inputs "beyond" the memory: every thread's walk traps on its first read.
    expect(() =>
      walkOnThreads(
        memory,
        { kind: "padded", at, x: 0xfff00000, nTrees: e.roots.length, out: out.byteOffset },
        8192,
        2,
      ),
    ).toThrow(expect.objectContaining({ code: "KEEL_ERR_INTERNAL" }));
    const test = mixedData(5000, 6, false).x;
    const matrix = featureMatrix(test, model.features, model.type);
    expect(model.predictMargins(test, { nThreads: 2 })).toEqual(
      walkMargins(e, matrix.values, matrix.nRows),
    );
  });
});
