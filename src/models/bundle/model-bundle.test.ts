import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKeelError } from "../../core/index.js";
import { GbdtClassifier } from "../gbdt/gbdt-estimator.js";
import { syntheticClassification } from "../testing/synthetic.js";
import { BUNDLE_JSON } from "./bundle-format.js";
import { loadModel, saveModel } from "./model-bundle.js";

describe("model bundle", () => {
  let root = "";
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "keel-bundle-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  const train = syntheticClassification(600, 1);
  const model = new GbdtClassifier({ nEstimators: 15, seed: 3 }).fit(train.x, train.y);
  const lineage = {
    params: model.params,
    codeVersion: "test",
    dataHash: "abc",
    runId: "run-1",
    createdAt: "2026-01-01T00:00:00.000Z",
  };

  it("round-trips a GBDT model byte for byte", async () => {
    const dir = join(root, "m1");
    await saveModel(dir, {
      model,
      inputSignature: { columns: train.x.schema(), target: "y" },
      positiveClass: "yes",
      metrics: { auc: 0.9 },
      lineage,
    });
    const bundle = await loadModel(dir);
    expect(bundle.task).toBe("binary");
    expect(bundle.classes).toEqual(["no", "yes"]);
    expect(bundle.metrics).toEqual({ auc: 0.9 });
    expect(bundle.lineage.runId).toBe("run-1");
    const a = model.predictProba(train.x);
    const b = bundle.predictProba(train.x.withColumn("extra", train.x.column("x0")));
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    // Saving the loaded model again gives the same files.
    const again = join(root, "m2");
    await saveModel(again, {
      model: bundle.model,
      inputSignature: bundle.inputSignature,
      positiveClass: "yes",
      metrics: bundle.metrics,
      lineage,
    });
    expect(await readFile(join(again, "keel-model.bin"))).toEqual(
      await readFile(join(dir, "keel-model.bin")),
    );
    expect(await readFile(join(again, BUNDLE_JSON), "utf8")).toBe(
      await readFile(join(dir, BUNDLE_JSON), "utf8"),
    );
  });

  it("names every missing input column", async () => {
    const dir = join(root, "m3");
    await saveModel(dir, { model, inputSignature: { columns: train.x.schema() }, lineage });
    const bundle = await loadModel(dir);
    expect(() => bundle.predictProba(train.x.drop(["x0", "color"]))).toThrow(
      "The data lacks 2 column(s) the model needs: 'x0', 'color'.",
    );
  });

  it("refuses a bundle from a newer format version", async () => {
    const dir = join(root, "m4");
    await saveModel(dir, { model, inputSignature: { columns: train.x.schema() }, lineage });
    const manifest = JSON.parse(await readFile(join(dir, BUNDLE_JSON), "utf8"));
    await writeFile(join(dir, BUNDLE_JSON), JSON.stringify({ ...manifest, formatVersion: 99 }));
    const error = await loadModel(dir).catch((e: unknown) => e);
    expect(isKeelError(error, "KEEL_ERR_BUNDLE_VERSION")).toBe(true);
    expect(String(error)).toContain("bundle format version 99 is newer than this keel reads (2)");
  });

  it("keeps an optional reference profile (format 2) and still loads format 1 bundles", async () => {
    const dir = join(root, "m5");
    const referenceProfile = { profileVersion: 1, rows: 3, sample: Float64Array.of(1, 2, 3) };
    await saveModel(dir, {
      model,
      inputSignature: { columns: train.x.schema() },
      lineage,
      referenceProfile,
    });
    expect((await loadModel(dir)).referenceProfile).toEqual(referenceProfile);
    const v1 = join(root, "m6");
    await saveModel(v1, { model, inputSignature: { columns: train.x.schema() }, lineage });
    const manifest = JSON.parse(await readFile(join(v1, BUNDLE_JSON), "utf8"));
    expect(manifest.formatVersion).toBe(2);
    expect(manifest.referenceProfile).toBeUndefined();
    await writeFile(join(v1, BUNDLE_JSON), JSON.stringify({ ...manifest, formatVersion: 1 }));
    const loaded = await loadModel(v1);
    expect(loaded.referenceProfile).toBeUndefined();
    expect(loaded.predictProba(train.x)).toEqual((await loadModel(dir)).predictProba(train.x));
  });

  it("says so when a directory is not a bundle", async () => {
    const error = await loadModel(join(root, "nope")).catch((e: unknown) => e);
    expect(isKeelError(error, "KEEL_ERR_FILE_NOT_FOUND")).toBe(true);
  });
});
