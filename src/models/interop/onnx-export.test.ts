import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, isKeelError, numericColumn, Rng } from "../../core/index.js";
import { GbdtClassifier, GbdtRegressor } from "../gbdt/gbdt-estimator.js";
import { FittedGbdt } from "../gbdt/gbdt-model.js";
import { exportOnnx, ONNX_OPSET, onnxVersions } from "./onnx-export.js";
import { ProtoWriter } from "./protobuf-writer.js";
import { importXgboostJson } from "./xgboost-json.js";

const TOLERANCE = 1e-5;

/** The bytes of one ModelProto `metadata_props` entry (field 14, a StringStringEntryProto). */
function metadataEntry(key: string, value: string): Buffer {
  const entry = new ProtoWriter().string(1, key).string(2, value).finish();
  return Buffer.from(new ProtoWriter().message(14, entry).finish());
}

/** ONNX feeds for a frame: numeric columns as [N, 1] doubles, categorical ones as strings. */
function feedsOf(model: FittedGbdt, frame: Frame): Record<string, ort.Tensor> {
  const n = frame.nRows;
  const feeds: Record<string, ort.Tensor> = {};
  for (const f of model.features) {
    const column = frame.column(f.name);
    if (column.kind === "numeric") {
      feeds[f.name] = new ort.Tensor("float64", Float64Array.from(column.values), [n, 1]);
    } else if (column.kind === "categorical") {
      // A missing category is fed as "", a string outside every training dictionary here.
      const values = Array.from(column.codes, (c) => (c < 0 ? "" : column.categories[c]!));
      feeds[f.name] = new ort.Tensor("string", values, [n, 1]);
    } else {
      throw new Error(`test helper: unexpected column kind ${column.kind}`);
    }
  }
  return feeds;
}

async function runOnce(model: FittedGbdt, frame: Frame, targetOpset?: number) {
  const bytes = exportOnnx(model, targetOpset === undefined ? {} : { targetOpset });
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run(feedsOf(model, frame));
    return {
      session,
      margins: out.margins!.data as Float64Array,
      probabilities: out.probabilities?.data as Float64Array | undefined,
      label: out.label?.data as string[] | undefined,
      prediction: out.prediction?.data as Float64Array | undefined,
    };
  } finally {
    await session.release();
  }
}

/**
 * Runs the default export (opset 17, classic TreeEnsembleRegressor) in ONNX Runtime and returns
 * its outputs, after checking that the opset-21 export (TreeEnsemble) gives the same margins and
 * labels: every comparison with keel below holds for both forms.
 */
async function runOnnx(model: FittedGbdt, frame: Frame) {
  const classic = await runOnce(model, frame);
  const treeEnsemble = await runOnce(model, frame, 21);
  expect(maxAbsDiff(classic.margins, treeEnsemble.margins)).toBeLessThanOrEqual(TOLERANCE);
  expect(classic.label).toEqual(treeEnsemble.label);
  return classic;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/**
 * Mixed inputs with missing values everywhere: `x0` numeric, `x1` numeric with 20% missing,
 * `color` with 8 levels and 10% missing, `city` with 40 levels (codes above 30 take ONNX
 * Runtime's large-set path for BRANCH_MEMBER). `score` drives the labels.
 */
function mixedFrame(n: number, seed: number, cities = 40) {
  const rng = new Rng(seed);
  const colors = Array.from({ length: 8 }, (_, i) => `c${i}`);
  const hot = new Set(["c1", "c4", "c6"]);
  const x0 = new Float64Array(n);
  const x1 = new Float64Array(n);
  const color: (string | null)[] = [];
  const city: (string | null)[] = [];
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x0[i] = rng.normal();
    x1[i] = rng.next() < 0.2 ? Number.NaN : rng.normal();
    const c = rng.next() < 0.1 ? null : colors[rng.int(colors.length)]!;
    const k = rng.int(cities);
    const t = rng.next() < 0.05 ? null : `city${k}`;
    color.push(c);
    city.push(t);
    score[i] =
      1.5 * x0[i]! +
      (Number.isNaN(x1[i]!) ? 1.2 : -x1[i]!) +
      (c === null ? 0.8 : hot.has(c) ? 2 : -1) +
      (t === null ? -0.5 : k % 3 === 0 || k > 33 ? 1.5 : -0.7);
  }
  const x = Frame.fromColumns({
    x0: numericColumn(x0),
    x1: numericColumn(x1),
    color: categoricalFromValues(color),
    city: categoricalFromValues(city),
  });
  return { x, score, rng };
}

/** True when some node splits by category set with codes above 30 and some with missing left. */
function splitKinds(model: FittedGbdt) {
  const e = model.ensemble;
  let categorical = 0;
  let wideCategorical = 0;
  let missingLeft = 0;
  let missingRight = 0;
  for (let n = 0; n < e.feature.length; n++) {
    if (e.feature[n]! < 0) continue;
    if (e.defaultLeft[n] === 1) missingLeft++;
    else missingRight++;
    if (e.catStart[n]! >= 0) {
      categorical++;
      if (e.catWords[n]! > 1) wideCategorical++;
    }
  }
  return { categorical, wideCategorical, missingLeft, missingRight };
}

describe("exportOnnx: ONNX Runtime predicts what keel predicts", () => {
  const train = mixedFrame(2000, 1);
  const test = mixedFrame(600, 2);
  const labels = Array.from(train.score, (s) =>
    s + 0.5 * train.rng.normal() > 0.3 ? "yes" : "no",
  );

  it("binary with numeric, categorical and missing inputs", async () => {
    const model = new GbdtClassifier({ nEstimators: 30, maxDepth: 5 }).fit(
      train.x,
      categoricalFromValues(labels),
    );
    const kinds = splitKinds(model);
    expect(kinds.categorical).toBeGreaterThan(0);
    expect(kinds.wideCategorical).toBeGreaterThan(0);
    expect(kinds.missingLeft).toBeGreaterThan(0);
    expect(kinds.missingRight).toBeGreaterThan(0);

    const onnx = await runOnnx(model, test.x);
    expect(maxAbsDiff(onnx.probabilities!, model.predictProba(test.x))).toBeLessThanOrEqual(
      TOLERANCE,
    );
    expect(maxAbsDiff(onnx.margins, model.predictMargins(test.x))).toBeLessThanOrEqual(TOLERANCE);
    const predicted = model.predict(test.x);
    expect(onnx.label).toEqual(Array.from(predicted, (k) => model.classes[k]!));
  });

  it("multiclass (softmax over three classes)", async () => {
    const y = Array.from(train.score, (s) => (s < -0.5 ? "low" : s < 1.5 ? "mid" : "high"));
    const model = new GbdtClassifier({ nEstimators: 15, maxDepth: 4 }).fit(
      train.x,
      categoricalFromValues(y),
    );
    expect(model.classes).toHaveLength(3);
    const onnx = await runOnnx(model, test.x);
    expect(maxAbsDiff(onnx.probabilities!, model.predictProba(test.x))).toBeLessThanOrEqual(
      TOLERANCE,
    );
    expect(onnx.label).toEqual(Array.from(model.predict(test.x), (k) => model.classes[k]!));
  });

  it("regression with squared error", async () => {
    const y = numericColumn(Array.from(train.score, (s) => 3 * s + 10));
    const model = new GbdtRegressor({ nEstimators: 25, maxDepth: 4 }).fit(train.x, y);
    const onnx = await runOnnx(model, test.x);
    expect(onnx.probabilities).toBeUndefined();
    expect(maxAbsDiff(onnx.prediction!, model.predict(test.x))).toBeLessThanOrEqual(TOLERANCE);
  });

  it("regression on targets near a million keeps double precision in the classic export", async () => {
    // TreeEnsembleRegressor sums in float32: one ensemble would be ~0.03 off here.
    const y = numericColumn(Array.from(train.score, (s) => 4e5 * s + 1234567.891));
    const model = new GbdtRegressor({ nEstimators: 25, maxDepth: 4 }).fit(train.x, y);
    const classic = await runOnce(model, test.x);
    expect(maxAbsDiff(classic.prediction!, model.predict(test.x))).toBeLessThanOrEqual(TOLERANCE);
  });

  it("Poisson regression (log link)", async () => {
    const rng = new Rng(5);
    const counts = Array.from(train.score, (s) => {
      // Knuth's Poisson sampler with rate exp(s / 2).
      const limit = Math.exp(-Math.exp(s / 2));
      let k = 0;
      for (let p = rng.next(); p > limit; p *= rng.next()) k++;
      return k;
    });
    const model = new GbdtRegressor({ objective: "poisson", nEstimators: 25, maxDepth: 4 }).fit(
      train.x,
      numericColumn(counts),
    );
    const onnx = await runOnnx(model, test.x);
    const keel = model.predict(test.x);
    expect(Math.min(...keel)).toBeGreaterThan(0);
    expect(maxAbsDiff(onnx.prediction!, keel)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(onnx.margins, model.predictMargins(test.x))).toBeLessThanOrEqual(TOLERANCE);
  });

  it("routes missing values either way at every split, empty category sets, leaf-only trees", async () => {
    const model = new GbdtClassifier({ nEstimators: 20, maxDepth: 4 }).fit(
      train.x,
      categoricalFromValues(labels),
    );
    const e = model.ensemble;
    // Training sends missing categories right here; flipping every default exercises
    // BRANCH_MEMBER with missing-tracks-true on small and large category sets alike.
    const defaultLeft = Uint8Array.from(e.defaultLeft, (v) => 1 - v);
    // An empty left set: every category goes right, only missing values may go left.
    const catBits = Uint32Array.from(e.catBits);
    const emptied = Array.from(e.catStart).findIndex((s) => s >= 0);
    catBits.fill(0, e.catStart[emptied]!, e.catStart[emptied]! + e.catWords[emptied]!);
    // The first tree cut down to its root, now a leaf.
    const feature = Int32Array.from(e.feature);
    const value = Float64Array.from(e.value);
    feature[e.roots[0]!] = -1;
    value[e.roots[0]!] = 0.25;
    const edited = new FittedGbdt({
      ...model,
      ensemble: { ...e, defaultLeft, catBits, feature, value },
    });
    const keel = edited.predictProba(test.x);
    expect(maxAbsDiff(keel, model.predictProba(test.x))).toBeGreaterThan(0.1);
    const onnx = await runOnnx(edited, test.x);
    expect(maxAbsDiff(onnx.probabilities!, keel)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("a model without trees predicts its base score", async () => {
    const model = new GbdtRegressor({ nEstimators: 2, maxDepth: 2 }).fit(
      train.x,
      numericColumn(train.score),
    );
    const empty = new FittedGbdt({
      ...model,
      ensemble: { ...model.ensemble, roots: new Int32Array(0), treeOutput: new Int32Array(0) },
    });
    const onnx = await runOnnx(empty, test.x.head(3));
    const base = model.ensemble.baseScore[0]!;
    expect(Array.from(onnx.prediction!)).toEqual([base, base, base]);
    expect(Array.from(empty.predict(test.x.head(3)))).toEqual([base, base, base]);
  });

  it("treats categories unseen at training as missing, as keel does", async () => {
    const model = new GbdtClassifier({ nEstimators: 20, maxDepth: 4 }).fit(
      train.x,
      categoricalFromValues(labels),
    );
    const rows = 4;
    const probe = Frame.fromColumns({
      x0: numericColumn([0.3, 0.3, -1, -1]),
      x1: numericColumn([Number.NaN, Number.NaN, 0.5, 0.5]),
      color: categoricalFromValues(["never-seen", null, "c4", "c4"]),
      city: categoricalFromValues(["city3", "city3", "atlantis", null]),
    });
    const keel = model.predictProba(probe);
    // Unseen and missing rows score the same in keel, so the test sees the unseen path.
    expect(keel[1]).toBe(keel[3]);
    expect(keel[5]).toBe(keel[7]);
    const onnx = await runOnnx(model, probe);
    expect(onnx.probabilities).toHaveLength(2 * rows);
    expect(maxAbsDiff(onnx.probabilities!, keel)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("names every ONNX input after its feature and writes the same bytes each time", async () => {
    const model = new GbdtClassifier({ nEstimators: 3, maxDepth: 2 }).fit(
      train.x,
      categoricalFromValues(labels),
    );
    const bytes = exportOnnx(model);
    // keel's provenance entries come first, then the caller's (other keel.* keys are allowed).
    const withExtra = Buffer.from(
      exportOnnx(model, { metadata: { "keel.positive_class": "b", owner: "growth" } }),
    );
    const task = withExtra.indexOf(metadataEntry("keel.task", "binary"));
    const positive = withExtra.indexOf(metadataEntry("keel.positive_class", "b"));
    const owner = withExtra.indexOf(metadataEntry("owner", "growth"));
    expect(task).toBeGreaterThan(0);
    expect(positive).toBeGreaterThan(task);
    expect(owner).toBeGreaterThan(positive);
    // Deterministic: no timestamps or random ids in the file.
    expect(exportOnnx(model)).toEqual(bytes);
    const session = await ort.InferenceSession.create(bytes);
    try {
      expect(session.inputNames).toEqual(["x0", "x1", "color", "city"]);
      expect([...session.outputNames].sort()).toEqual(["label", "margins", "probabilities"]);
    } finally {
      await session.release();
    }
  });
});

describe("onnxVersions", () => {
  it("targets opset 17, ai.onnx.ml 3 and IR 8 by default; TreeEnsemble only at 21", () => {
    expect(onnxVersions(ONNX_OPSET)).toEqual({
      opset: 17,
      irVersion: 8,
      mlOpset: 3,
      trees: "TreeEnsembleRegressor",
    });
    expect(onnxVersions(11).irVersion).toBe(6);
    expect(onnxVersions(21)).toMatchObject({ irVersion: 10, mlOpset: 5, trees: "TreeEnsemble" });
    expect(() => onnxVersions(22)).toThrow(/from 11 to 21\. Got 22 instead/);
    // ModelProto field 1 (ir_version) leads the file: tag 0x08, then the varint.
    const { x } = mixedFrame(200, 5);
    const y = categoricalFromValues(Array.from({ length: 200 }, (_, i) => (i % 2 ? "a" : "b")));
    const bytes = exportOnnx(new GbdtClassifier({ nEstimators: 2 }).fit(x, y));
    expect([bytes[0], bytes[1]]).toEqual([0x08, 8]);
  });
});

describe("exportOnnx on XGBoost imports", () => {
  const fixtures = join(import.meta.dirname, "fixtures");
  for (const name of ["binary", "multiclass", "regression"]) {
    it(`xgb-${name}.json`, async () => {
      const model = importXgboostJson(
        JSON.parse(readFileSync(join(fixtures, `xgb-${name}.json`), "utf8")) as unknown,
      );
      const expected = JSON.parse(
        readFileSync(join(fixtures, `xgb-${name}.predictions.json`), "utf8"),
      ) as { x: (number | null)[][] };
      const frame = Frame.fromColumns(
        model.features.map(
          (f, j) => [f.name, numericColumn(expected.x.map((r) => r[j] ?? Number.NaN))] as const,
        ),
      );
      const onnx = await runOnnx(model, frame);
      if (model.task === "regression")
        expect(maxAbsDiff(onnx.prediction!, model.predict(frame))).toBeLessThanOrEqual(TOLERANCE);
      else
        expect(maxAbsDiff(onnx.probabilities!, model.predictProba(frame))).toBeLessThanOrEqual(
          TOLERANCE,
        );
    });
  }
});

describe("exportOnnx refuses what it cannot express", () => {
  const { x, score } = mixedFrame(300, 3);
  const y = categoricalFromValues(Array.from(score, (s) => (s > 0.5 ? "a" : "b")));
  const model = new GbdtClassifier({ nEstimators: 2, maxDepth: 2 }).fit(x, y);

  it("a feature named like a graph output", () => {
    const renamed = new FittedGbdt({
      ...model,
      features: model.features.map((f, i) => (i === 0 ? { ...f, name: "margins" } : f)),
    });
    expect(() => exportOnnx(renamed)).toThrow(/feature 'margins' has the name of an output/);
  });

  it("user metadata that would overwrite one of keel's own keys", () => {
    try {
      exportOnnx(model, { metadata: { owner: "growth", "keel.task": "regression" } });
      expect.unreachable();
    } catch (error) {
      expect(isKeelError(error) && error.code).toBe("KEEL_ERR_INVALID_ARGUMENT");
      expect(String(error)).toMatch(
        /options\.metadata sets 'keel\.task', which keel writes itself/,
      );
      expect(isKeelError(error) && error.details).toMatchObject({
        path: "options.metadata",
        got: ["keel.task"],
      });
    }
  });

  it("a model whose base scores do not match its outputs, saying expected and got", () => {
    const e = model.ensemble;
    const broken = new FittedGbdt({
      ...model,
      ensemble: { ...e, baseScore: Float64Array.of(0, 0) },
    });
    try {
      exportOnnx(broken);
      expect.unreachable();
    } catch (error) {
      expect(isKeelError(error) && error.code).toBe("KEEL_ERR_UNSUPPORTED");
      expect(isKeelError(error) && error.details).toEqual({
        expected: 1,
        got: 2,
        path: "ensemble.baseScore",
      });
    }
  });

  it("a category-set split on a numeric feature", () => {
    const e = model.ensemble;
    const categoricalNode = Array.from(e.catStart).findIndex((s) => s >= 0);
    expect(categoricalNode).toBeGreaterThanOrEqual(0);
    const feature = Int32Array.from(e.feature);
    feature[categoricalNode] = 0; // x0, numeric
    const broken = new FittedGbdt({ ...model, ensemble: { ...e, feature } });
    try {
      exportOnnx(broken);
      expect.unreachable();
    } catch (error) {
      expect(isKeelError(error) && error.code).toBe("KEEL_ERR_UNSUPPORTED");
      expect(String(error)).toMatch(/splits numeric feature 'x0' by category set/);
    }
  });
});
