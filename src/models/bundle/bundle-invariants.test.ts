import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FittedModel, Frame, isKeelError, numericColumn } from "../../core/index.js";
import type { TreeEnsemble } from "../gbdt/ensemble.js";
import { GbdtClassifier } from "../gbdt/gbdt-estimator.js";
import { FittedGbdt } from "../gbdt/gbdt-model.js";
import { FittedLinearRegression, LinearRegression } from "../linear/linear-regression.js";
import { FittedLogisticRegression, LogisticRegression } from "../linear/logistic-regression.js";
import { syntheticClassification } from "../testing/synthetic.js";
import { BUNDLE_JSON } from "./bundle-format.js";
import { loadModel, saveModel } from "./model-bundle.js";

/**
 * Hand-broken bundles, one per structural invariant the scoring code relies on: each must be
 * refused by `loadModel` with a KeelError naming the file (and, for trees, the tree and node),
 * never load and then hang, crash or score garbage.
 */
describe("loading a bundle whose model is malformed", () => {
  let root = "";
  let counter = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "keel-broken-bundle-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const train = syntheticClassification(800, 5);
  const model = new GbdtClassifier({ nEstimators: 6, maxDepth: 3, seed: 1 }).fit(train.x, train.y);
  const e = model.ensemble;
  const signature = { columns: train.x.schema(), target: "y" };
  const lineage = { params: {}, codeVersion: "test", createdAt: "2026-01-01T00:00:00.000Z" };
  const leaf = e.feature.indexOf(-1);
  const categorical = e.catStart.findIndex((s) => s >= 0);
  const numeric = e.feature.findIndex((f, n) => f >= 0 && e.catStart[n] === -1);
  const treeOf = (node: number) => {
    let t = 0;
    while (t + 1 < e.roots.length && e.roots[t + 1]! <= node) t++;
    return t;
  };

  async function write(fitted: FittedModel): Promise<string> {
    const dir = join(root, `b${counter++}`);
    await saveModel(dir, { model: fitted, inputSignature: signature, lineage });
    return dir;
  }

  function gbdtWith(changes: Partial<TreeEnsemble>, parts: Partial<FittedGbdt> = {}): FittedGbdt {
    return new FittedGbdt({
      type: model.type,
      task: parts.task ?? model.task,
      classes: parts.classes ?? model.classes,
      features: parts.features ?? model.features,
      featureNamesIn: model.featureNamesIn,
      objective: parts.objective ?? model.objective,
      ensemble: { ...e, ...changes },
      params: model.params,
    });
  }

  function patched<T extends Int32Array | Float64Array | Uint32Array>(
    array: T,
    at: number,
    value: number,
  ): T {
    const copy = array.slice() as T;
    copy[at] = value;
    return copy;
  }

  /** Loading `dir` fails with a KeelError whose message matches every pattern. */
  async function refused(dir: string, ...patterns: RegExp[]): Promise<void> {
    const error = await loadModel(dir).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isKeelError(error), `loaded, or failed with ${String(error)}`).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(join(dir, BUNDLE_JSON));
    for (const pattern of patterns) expect(message).toMatch(pattern);
  }

  it("the model under test has numeric and categorical splits and several trees", async () => {
    expect(leaf).toBeGreaterThan(0);
    expect(categorical).toBeGreaterThanOrEqual(0);
    expect(numeric).toBeGreaterThanOrEqual(0);
    expect(e.roots.length).toBe(6);
    // Unbroken, it loads and scores as before.
    const bundle = await loadModel(await write(model));
    expect(Array.from(bundle.predictProba(train.x))).toEqual(
      Array.from(model.predictProba(train.x)),
    );
  });

  it("a tree whose child links back to an ancestor (a cycle)", async () => {
    const r = e.roots[0]!;
    await refused(
      await write(gbdtWith({ left: patched(e.left, r, r) })),
      new RegExp(`tree 0, node ${r}: its left child ${r} was already reached`),
      /cycle/,
    );
  });

  it("a subtree shared by both branches, or by two trees", async () => {
    const r = e.roots[1]!;
    await refused(
      await write(gbdtWith({ right: patched(e.right, r, e.left[r]!) })),
      new RegExp(`tree 1, node ${r}: its right child ${e.left[r]} was already reached`),
    );
    await refused(
      await write(gbdtWith({ roots: patched(e.roots, 2, e.roots[1]!) })),
      new RegExp(`tree 2, node ${e.roots[1]}: is the root of another tree too`),
    );
  });

  it("child and root indices out of range, and nodes no tree reaches", async () => {
    const n = numeric;
    await refused(
      await write(gbdtWith({ right: patched(e.right, n, e.feature.length + 7) })),
      new RegExp(
        `tree ${treeOf(n)}, node ${n}: its right child ${e.feature.length + 7} is not a node`,
      ),
    );
    await refused(
      await write(gbdtWith({ left: patched(e.left, n, -3) })),
      new RegExp(`node ${n}: its left child -3 is not a node`),
    );
    await refused(
      await write(gbdtWith({ roots: patched(e.roots, 0, -1) })),
      /roots\[0\]: root -1 is not a node/,
    );
    await refused(
      await write(gbdtWith({ roots: e.roots.slice(0, 5), treeOutput: e.treeOutput.slice(0, 5) })),
      new RegExp(`node ${e.roots[5]}: belongs to no tree`),
    );
  });

  it("per-node arrays of different lengths, and tree outputs that do not pair with roots", async () => {
    await refused(
      await write(gbdtWith({ value: e.value.slice(0, -1) })),
      /ensemble\.value: expected one entry per node \(\d+, the length of 'feature'\), got \d+/,
    );
    await refused(
      await write(gbdtWith({ threshold: new Float64Array(e.feature.length + 1) })),
      /ensemble\.threshold: expected one entry per node/,
    );
    await refused(
      await write(gbdtWith({ treeOutput: e.treeOutput.slice(0, 2) })),
      /treeOutput: expected one entry per tree \(6\), got 2/,
    );
    await refused(
      await write(gbdtWith({ treeOutput: patched(e.treeOutput, 3, 1) })),
      /treeOutput\[3\]: expected an output below 1, got 1/,
    );
  });

  it("a leaf value that is not finite, and a split with a NaN threshold", async () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      await refused(
        await write(gbdtWith({ value: patched(e.value, leaf, bad) })),
        new RegExp(
          `tree ${treeOf(leaf)}, node ${leaf}: is a leaf with a non-finite value \\(${bad}\\)`,
        ),
      );
    }
    await refused(
      await write(gbdtWith({ threshold: patched(e.threshold, numeric, Number.NaN) })),
      new RegExp(`node ${numeric}: has a NaN threshold`),
    );
    await refused(
      await write(gbdtWith({ baseScore: Float64Array.of(Number.NaN) })),
      /baseScore\[0\]: expected a finite number/,
    );
  });

  it("a split on a feature the model does not have", async () => {
    await refused(
      await write(gbdtWith({ feature: patched(e.feature, numeric, e.nFeatures) })),
      new RegExp(
        `node ${numeric}: splits on feature ${e.nFeatures}, but the model has ${e.nFeatures} features`,
      ),
    );
    await refused(
      await write(gbdtWith({ feature: patched(e.feature, numeric, -2) })),
      new RegExp(`node ${numeric}: has feature -2`),
    );
    await refused(
      await write(gbdtWith({ nFeatures: e.nFeatures + 1 })),
      /nFeatures: expected 3 \(the number of features listed\), got 4/,
    );
  });

  it("category sets outside catBits, past the dictionary, or on a numeric feature", async () => {
    const c = categorical;
    await refused(
      await write(gbdtWith({ catWords: patched(e.catWords, c, e.catBits.length + 1) })),
      new RegExp(`node ${c}: its category set .* lies outside catBits`),
    );
    // The feature has 8 categories: bit 9 stands for none of them.
    const bits = e.catBits.slice();
    bits[e.catStart[c]!] = bits[e.catStart[c]!]! | (1 << 9);
    await refused(
      await write(gbdtWith({ catBits: bits })),
      new RegExp(`node ${c}: its category set names codes past feature 'color''s 8 categories`),
    );
    const numericFeatures = model.features.map((f) => ({ name: f.name, kind: "numeric" as const }));
    await refused(
      await write(gbdtWith({}, { features: numericFeatures })),
      new RegExp(`node ${c}: has a category set but feature \\d+ \\('color'\\) is numeric`),
    );
    await refused(
      await write(gbdtWith({ catStart: patched(e.catStart, c, -5) })),
      new RegExp(`node ${c}: its category set \\(start -5`),
    );
  });

  it("class counts, outputs and objective that do not fit the task", async () => {
    await refused(
      await write(gbdtWith({}, { classes: ["no", "yes", "maybe"] })),
      /\$\.state\.classes: a binary model needs 2 classes, this one lists 3/,
    );
    await refused(
      await write(gbdtWith({ nOutputs: 2, baseScore: new Float64Array(2) })),
      /nOutputs: a binary model with 2 classes scores 1 output\(s\), the ensemble says 2/,
    );
    await refused(
      await write(gbdtWith({}, { objective: "softmax" })),
      /"softmax" is not an objective of a binary model/,
    );
    // The manifest's own classes must be the model's.
    const dir = await write(model);
    const manifest = JSON.parse(await readFile(join(dir, BUNDLE_JSON), "utf8"));
    await writeFile(
      join(dir, BUNDLE_JSON),
      JSON.stringify({ ...manifest, classes: ["yes", "no"] }),
    );
    await refused(dir, /\$\.classes \(\["yes","no"\]\) differ from the model's classes/);
  });

  it("linear models: coefficient vectors of the wrong length or not finite", async () => {
    const x = Frame.fromColumns({
      a: numericColumn([0, 1, 2, 3, 4, 5]),
      b: numericColumn([1, 0, 1, 0, 1, 1]),
    });
    const logistic = new LogisticRegression().fit(x, numericColumn([0, 0, 1, 0, 1, 1]));
    const shortWeights = new FittedLogisticRegression({
      classes: logistic.classes,
      featureNamesIn: logistic.featureNamesIn,
      weights: logistic.weights.slice(0, 2),
      params: logistic.params,
    });
    await refused(
      await write(shortWeights),
      /\$\.model: \$\.state\.weights: expected 3 coefficients \(1 row\(s\) of 2 weights and an intercept\), got 2/,
    );
    const linear = new LinearRegression().fit(x, numericColumn([1, 2, 3, 4, 5, 7]));
    const nanCoef = new FittedLinearRegression({
      featureNamesIn: linear.featureNamesIn,
      coef: Float64Array.of(linear.coef[0]!, Number.NaN),
      intercept: linear.intercept,
      params: linear.params,
    });
    await refused(await write(nanCoef), /\$\.state\.coef\[1\]: expected a finite number, got NaN/);
  });

  it("an input signature that lacks a column the model reads", async () => {
    const dropped = train.x.schema()[2]!.name;
    const dir = join(root, `b${counter++}`);
    await saveModel(dir, {
      model,
      inputSignature: {
        columns: train.x.schema().filter((c) => c.name !== dropped),
        target: "y",
      },
      lineage,
    });
    await refused(dir, new RegExp(`\\$\\.inputSignature\\.columns lacks '${dropped}'`));
  });
});
