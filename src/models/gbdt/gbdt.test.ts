import { describe, expect, it } from "vitest";
import {
  categoricalFromValues,
  createLogger,
  encodeState,
  Frame,
  isKeelError,
  type LogRecord,
  numericColumn,
  Rng,
} from "../../core/index.js";
import { syntheticClassification } from "../testing/synthetic.js";
import { rocAuc } from "./eval-metrics.js";
import { GbdtClassifier, GbdtRegressor } from "./gbdt-estimator.js";

function positiveColumn(proba: Float64Array): Float64Array {
  return new Float64Array(proba.length / 2).map((_, i) => proba[2 * i + 1]!);
}

function labels01(label: readonly string[]): Float64Array {
  return Float64Array.from(label, (l) => (l === "yes" ? 1 : 0));
}

describe("GbdtClassifier", () => {
  const train = syntheticClassification(2000, 1);
  const test = syntheticClassification(1000, 2);

  it("learns a binary task with numeric, missing and categorical inputs", () => {
    const model = new GbdtClassifier({ nEstimators: 60, maxDepth: 4 }).fit(train.x, train.y);
    expect(model.classes).toEqual(["no", "yes"]);
    const proba = model.predictProba(test.x);
    expect(proba[0]! + proba[1]!).toBeCloseTo(1, 12);
    expect(rocAuc(positiveColumn(proba), labels01(test.label))).toBeGreaterThan(0.93);
    const margins = model.predictMargins(test.x.head(1));
    expect(1 / (1 + Math.exp(-margins[0]!))).toBeCloseTo(proba[1]!, 12);
  });

  it("routes missing values by a learned default direction", () => {
    // Missing x1 behaves like small x1 ("yes"): the split must learn to send NaN left.
    const n = 400;
    const x1 = new Float64Array(n);
    const label: string[] = [];
    for (let i = 0; i < n; i++) {
      x1[i] = i % 4 === 0 ? Number.NaN : i % 7;
      label.push(i % 4 === 0 || x1[i]! < 1 ? "yes" : "no");
    }
    const x = Frame.fromColumns({ x1: numericColumn(x1) });
    const model = new GbdtClassifier({ nEstimators: 20, maxDepth: 2 }).fit(
      x,
      categoricalFromValues(label),
    );
    const probe = Frame.fromColumns({ x1: numericColumn([Number.NaN, 3, 0]) });
    const p = positiveColumn(model.predictProba(probe));
    expect(p[0]).toBeGreaterThan(0.9);
    expect(p[1]).toBeLessThan(0.1);
    expect(p[2]).toBeGreaterThan(0.9);
    expect(
      model.ensemble.defaultLeft.some((d, n) => d === 1 && model.ensemble.feature[n]! >= 0),
    ).toBe(true);
  });

  it("finds a many-category partition with a single categorical split", () => {
    const colors = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];
    const hot = new Set(["c1", "c4", "c6"]);
    const values = Array.from({ length: 800 }, (_, i) => colors[i % 8]!);
    const x = Frame.fromColumns({ color: categoricalFromValues(values) });
    const y = categoricalFromValues(values.map((c) => (hot.has(c) ? "yes" : "no")));
    const model = new GbdtClassifier({ nEstimators: 5, maxDepth: 1, maxCatToOnehot: 4 }).fit(x, y);
    const firstRoot = model.ensemble.roots[0]!;
    const start = model.ensemble.catStart[firstRoot]!;
    expect(start).toBeGreaterThanOrEqual(0);
    const bits = model.ensemble.catBits[start]!;
    const left = colors.filter((_, c) => ((bits >>> c) & 1) === 1);
    const leftSet = new Set(left);
    // One side holds exactly the hot categories.
    expect(
      left.length === 3
        ? [...hot].every((c) => leftSet.has(c))
        : [...hot].every((c) => !leftSet.has(c)),
    ).toBe(true);
    const predicted = model.predict(x);
    const expected = values.map((c) => (hot.has(c) ? "yes" : "no"));
    expect(Array.from(predicted, (k) => model.classes[k])).toEqual(expected);
  });

  it("trains softmax for three classes", () => {
    const rng = new Rng(3);
    const n = 900;
    const x0 = Float64Array.from({ length: n }, () => rng.uniform(0, 3));
    const y = categoricalFromValues(Array.from(x0, (v) => ["a", "b", "c"][Math.floor(v)]!));
    const x = Frame.fromColumns({ x0: numericColumn(x0) });
    const model = new GbdtClassifier({ nEstimators: 30, maxDepth: 3 }).fit(x, y);
    expect(model.task).toBe("multiclass");
    const proba = model.predictProba(x);
    expect(proba.length).toBe(3 * n);
    const predicted = model.predict(x);
    const correct = Array.from(predicted).filter(
      (k, i) => model.classes[k] === ["a", "b", "c"][Math.floor(x0[i]!)],
    ).length;
    expect(correct / n).toBeGreaterThan(0.98);
  });

  it("gives byte-identical models across runs", () => {
    const params = { nEstimators: 15, maxDepth: 4, subsample: 0.8, colsampleBytree: 0.7, seed: 9 };
    const a = new GbdtClassifier(params).fit(train.x, train.y);
    const b = new GbdtClassifier(params).fit(train.x, train.y);
    expect(JSON.stringify(encodeState(a.toState().state))).toBe(
      JSON.stringify(encodeState(b.toState().state)),
    );
    // Thread counts: thread-determinism.test.ts.
  });

  it("grows leaf-wise up to numLeaves", () => {
    const model = new GbdtClassifier({
      nEstimators: 3,
      growPolicy: "lossguide",
      numLeaves: 5,
      maxDepth: 0,
    }).fit(train.x, train.y);
    const e = model.ensemble;
    for (let t = 0; t < e.roots.length; t++) {
      const end = t + 1 < e.roots.length ? e.roots[t + 1]! : e.feature.length;
      let leaves = 0;
      for (let n = e.roots[t]!; n < end; n++) if (e.feature[n]! < 0) leaves++;
      expect(leaves).toBe(5);
    }
  });

  it("stops early on a validation set", () => {
    const model = new GbdtClassifier({
      nEstimators: 500,
      learningRate: 0.3,
      earlyStoppingRounds: 5,
      evalMetric: "logloss",
    }).fit(train.x, train.y, { validation: { x: test.x, y: test.y } });
    expect(model.nTrees).toBeLessThan(500);
    expect(model.evalHistory.length).toBeGreaterThanOrEqual(model.nTrees);
  });

  it("explains predictions with TreeSHAP values that sum to the margin", () => {
    const model = new GbdtClassifier({ nEstimators: 20, maxDepth: 4 }).fit(train.x, train.y);
    const probe = test.x.head(25);
    const phi = model.shapValues(probe);
    const margins = model.predictMargins(probe);
    const width = model.features.length + 1;
    for (let i = 0; i < probe.nRows; i++) {
      let sum = 0;
      for (let j = 0; j < width; j++) sum += phi[i * width + j]!;
      expect(sum).toBeCloseTo(margins[i]!, 9);
    }
    const gain = model.featureImportance("gain");
    expect(Object.keys(gain)).toEqual(["x0", "x1", "color"]);
    expect(model.featureImportance("split").x0).toBeGreaterThan(0);
  });

  it("predicts single records like the batch path", () => {
    const model = new GbdtClassifier({ nEstimators: 20 }).fit(train.x, train.y);
    const proba = model.predictProba(test.x.head(10));
    for (let i = 0; i < 10; i++) {
      const one = model.predictRecord(test.x.row(i));
      expect(one[1]).toBeCloseTo(proba[2 * i + 1]!, 12);
    }
  });

  it("treats unseen categories as missing and warns with a count", () => {
    const model = new GbdtClassifier({ nEstimators: 5 }).fit(train.x, train.y);
    const lines: LogRecord[] = [];
    const logger = createLogger({ level: "warn", sink: (r) => lines.push(r) });
    const probe = Frame.fromColumns({
      x0: numericColumn([0, 0]),
      x1: numericColumn([0, 0]),
      color: categoricalFromValues(["purple", "c1"]),
    });
    const p = model.predictProba(probe, { logger });
    expect(p.length).toBe(4);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toContain("1 categorical value(s) unseen");
  });
});

describe("GbdtClassifier bad input", () => {
  const train = syntheticClassification(200, 4);

  it("rejects a target with one class", () => {
    const y = categoricalFromValues(Array.from({ length: 200 }, () => "yes"));
    expect(() => new GbdtClassifier().fit(train.x, y)).toThrow(/at least two classes/);
  });

  it("rejects a positive class that never occurs", () => {
    const err = (() => {
      try {
        new GbdtClassifier({ positiveClass: "maybe" }).fit(train.x, train.y);
      } catch (e) {
        return e;
      }
    })();
    expect(isKeelError(err, "KEEL_ERR_TARGET_INVALID")).toBe(true);
    expect(String(err)).toContain("'maybe' never occurs");
  });

  it("names the column and row of an infinite value", () => {
    const x0 = Float64Array.from(train.x.numeric("x0"));
    x0[17] = Number.POSITIVE_INFINITY;
    expect(() =>
      new GbdtClassifier().fit(train.x.withColumn("x0", numericColumn(x0)), train.y),
    ).toThrow("GbdtClassifier: column 'x0' holds Infinity at row 17 of");
  });

  it("drops an all-missing feature with a warning", () => {
    const lines: LogRecord[] = [];
    const logger = createLogger({ level: "warn", sink: (r) => lines.push(r) });
    const x = train.x.withColumn("empty", numericColumn(new Float64Array(200).fill(Number.NaN)));
    const model = new GbdtClassifier({ nEstimators: 3 }).fit(x, train.y, { logger });
    expect(model.features.map((f) => f.name)).toEqual(["x0", "x1", "color"]);
    expect(model.featureNamesIn).toContain("empty");
    expect(lines[0]!.message).toContain("empty");
  });

  it("refuses, naming them, when every feature is all-missing (classifier and regressor)", () => {
    const x = Frame.fromColumns({
      empty: numericColumn(new Float64Array(200).fill(Number.NaN)),
    });
    expect(() => new GbdtClassifier({ nEstimators: 3 }).fit(x, train.y)).toThrow(
      "No usable features: every feature column ('empty') is missing in every row",
    );
    const y = numericColumn(Float64Array.from({ length: 200 }, (_, i) => i));
    expect(() => new GbdtRegressor({ nEstimators: 3 }).fit(x, y)).toThrow(/No usable features/);
  });

  it("names the param, the constraint and the value when out of range", () => {
    expect(() => new GbdtClassifier({ learningRate: 0 })).toThrow(
      "The 'learningRate' parameter of Gbdt must be a number in (0, 1]. Got 0 instead.",
    );
    expect(new GbdtClassifier({ eta: 0.05, max_depth: 3 }).params).toMatchObject({
      learningRate: 0.05,
      maxDepth: 3,
    });
  });
});

describe("GbdtRegressor objectives", () => {
  const rng = new Rng(11);
  const n = 1500;
  const x0 = Float64Array.from({ length: n }, () => rng.uniform(-2, 2));
  const x1 = Float64Array.from({ length: n }, () => rng.uniform(-2, 2));
  const x = Frame.fromColumns({ x0: numericColumn(x0), x1: numericColumn(x1) });
  const mean = Float64Array.from(x0, (v, i) => Math.exp(0.5 * v + 0.3 * x1[i]!));

  const mae = (a: Float64Array, b: Float64Array) =>
    a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

  for (const objective of ["squaredError", "absoluteError", "huber"] as const) {
    it(`fits ${objective} far better than a constant`, () => {
      // Robust losses get 2% gross outliers on top of the noise and must ignore them.
      const outlier = objective === "squaredError" ? 0 : 40;
      const y = Float64Array.from(
        mean,
        (m, i) => 3 * m + (i % 50 === 0 ? outlier : 0.1 * rng.normal()),
      );
      const model = new GbdtRegressor({ objective, nEstimators: 80, maxDepth: 3 }).fit(
        x,
        numericColumn(y),
      );
      const truth = Float64Array.from(mean, (m) => 3 * m);
      const constant = new Float64Array(n).fill(truth.reduce((s, v) => s + v, 0) / n);
      const error = mae(model.predict(x), truth);
      expect(error).toBeLessThan(0.25 * mae(constant, truth));
      expect(error).toBeLessThan(0.3);
    });
  }

  it("fits poisson counts with a log link", () => {
    const y = Float64Array.from(mean, (m) => {
      // Knuth's Poisson sampler, seeded.
      let k = 0;
      let p = 1;
      const limit = Math.exp(-m);
      do {
        k++;
        p *= rng.next();
      } while (p > limit);
      return k - 1;
    });
    const model = new GbdtRegressor({ objective: "poisson", nEstimators: 100, maxDepth: 3 }).fit(
      x,
      numericColumn(y),
    );
    const predicted = model.predict(x);
    expect(predicted.every((v) => v > 0)).toBe(true);
    expect(mae(predicted, mean)).toBeLessThan(0.2);
  });
});
