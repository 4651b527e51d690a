import { describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, numericColumn, Rng } from "../../core/index.js";
import { syntheticClassification } from "../testing/synthetic.js";
import { compileForest } from "./compiled-forest.js";
import { predictMargins, predictRowMargins, walkMargins } from "./ensemble.js";
import { featureMatrix } from "./feature-input.js";
import { GbdtClassifier, GbdtRegressor } from "./gbdt-estimator.js";
import type { FittedGbdt } from "./gbdt-model.js";

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
  const matrix = featureMatrix(x, model.features);
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
