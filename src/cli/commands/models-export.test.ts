import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Frame } from "../../core/index.js";
import { readFrame } from "../../data/index.js";
import type { FeatureSpec } from "../../models/index.js";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const TELCO = join(import.meta.dirname, "..", "..", "..", "data", "telco_churn.csv");

/** ONNX feeds for raw data: numbers (booleans as 0/1) as [N, 1] doubles, text as strings. */
function feedsOf(features: readonly FeatureSpec[], frame: Frame): Record<string, ort.Tensor> {
  const n = frame.nRows;
  const feeds: Record<string, ort.Tensor> = {};
  for (const f of features) {
    const column = frame.column(f.name);
    switch (column.kind) {
      case "numeric":
      case "timestamp":
        feeds[f.name] = new ort.Tensor("float64", Float64Array.from(column.values), [n, 1]);
        break;
      case "boolean":
        feeds[f.name] = new ort.Tensor(
          "float64",
          Float64Array.from(column.values, (v) => (v < 0 ? Number.NaN : v)),
          [n, 1],
        );
        break;
      case "categorical":
        // Missing values go in as "", which no training dictionary holds here.
        feeds[f.name] = new ort.Tensor(
          "string",
          Array.from(column.codes, (c) => (c < 0 ? "" : column.categories[c]!)),
          [n, 1],
        );
        break;
      case "string":
        feeds[f.name] = new ort.Tensor(
          "string",
          column.values.map((v) => v ?? ""),
          [n, 1],
        );
        break;
    }
  }
  return feeds;
}

describe("keel models export --format onnx", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keel-export-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("exports a Telco bundle that ONNX Runtime scores like keel predict, on every row", async () => {
    const train = captureIo(dir);
    const trainArgs = ["train", "--data", TELCO, "--target", "churn", "--positive", "Yes"];
    const params = ["--param", "nEstimators=12", "--param", "maxDepth=5", "--out", "model"];
    expect(await runCli([...trainArgs, ...params], train)).toBe(0);

    const exported = captureIo(dir);
    expect(
      await runCli(
        ["models", "export", "--format", "onnx", "model", "--out", "out/churn.onnx", "--json"],
        exported,
      ),
    ).toBe(0);
    expect(exported.stderr()).toBe("");
    const summary = JSON.parse(exported.stdout()) as { task: string; trees: number };
    expect(summary).toMatchObject({
      task: "binary",
      trees: 12,
      opset: 17,
      mlOpset: 3,
      irVersion: 8,
      treeOperator: "TreeEnsembleRegressor",
    });
    const newest = captureIo(dir);
    expect(
      await runCli(
        [
          ...["models", "export", "--format", "onnx", "model", "--target-opset", "21"],
          ...["--out", "out/churn-21.onnx", "--json"],
        ],
        newest,
      ),
    ).toBe(0);
    expect(JSON.parse(newest.stdout())).toMatchObject({ opset: 21, treeOperator: "TreeEnsemble" });

    const scored = captureIo(dir);
    expect(
      await runCli(["predict", "--model", "model", "--data", TELCO, "--out", "scores.csv"], scored),
    ).toBe(0);
    const expected = (await readFile(join(dir, "scores.csv"), "utf8"))
      .trimEnd()
      .split("\n")
      .slice(1)
      .map(Number);

    const bundle = JSON.parse(await readFile(join(dir, "model", "keel-model.json"), "utf8")) as {
      model: { state: { features: FeatureSpec[] } };
    };
    const features = bundle.model.state.features;
    expect(features.some((f) => f.kind === "categorical")).toBe(true);
    const frame = await readFrame(TELCO);
    for (const file of ["churn.onnx", "churn-21.onnx"]) {
      await expectOnnxScores(join(dir, "out", file), features, frame, expected);
    }
  });

  it("refuses a target opset outside 11..21", async () => {
    for (const opset of ["10", "22", "seventeen"]) {
      const io = captureIo(dir);
      expect(
        await runCli(
          ["models", "export", "--format", "onnx", "model", "--target-opset", opset, "--out", "x"],
          io,
        ),
      ).toBe(2);
      expect(io.stderr()).toMatch(/11 to 21\. Got '?[a-z0-9]+'? instead/);
    }
  });

  async function expectOnnxScores(
    file: string,
    features: FeatureSpec[],
    frame: Frame,
    expected: number[],
  ): Promise<void> {
    const session = await ort.InferenceSession.create(await readFile(file));
    try {
      expect(session.inputNames).toEqual(features.map((f) => f.name));
      const out = await session.run(feedsOf(features, frame));
      const proba = out.probabilities!.data as Float64Array;
      expect(expected).toHaveLength(7043);
      expect(proba).toHaveLength(2 * 7043);
      let maxDiff = 0;
      for (let i = 0; i < expected.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(proba[2 * i + 1]! - expected[i]!));
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      const labels = out.label!.data as string[];
      expect(labels.every((l, i) => l === (proba[2 * i + 1]! > 0.5 ? "Yes" : "No"))).toBe(true);
    } finally {
      await session.release();
    }
  }

  it("refuses a linear bundle with one line", async () => {
    const lines = (await readFile(TELCO, "utf8")).split("\n").slice(0, 301);
    await writeFile(join(dir, "small.csv"), `${lines.join("\n")}\n`);
    const train = captureIo(dir);
    const args = ["train", "--data", "small.csv", "--target", "churn", "--positive", "Yes"];
    expect(await runCli([...args, "--model", "linear", "--out", "linear"], train)).toBe(0);

    const io = captureIo(dir);
    const code = await runCli(
      ["models", "export", "--format", "onnx", "linear", "--out", "linear.onnx"],
      io,
    );
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(
      /^error KEEL_ERR_UNSUPPORTED: linear: only GBDT bundles without preprocessing export to ONNX; this bundle holds a LogisticRegression with a preprocessing pipeline\.\n$/,
    );
  });

  it("names the format it supports", async () => {
    const io = captureIo(dir);
    expect(
      await runCli(["models", "export", "--format", "pmml", "model", "--out", "m.pmml"], io),
    ).toBe(2);
    expect(io.stderr()).toContain("--format must be 'onnx'. Got 'pmml' instead.");
  });

  it("says what --out expects when it is missing", async () => {
    const io = captureIo(dir);
    expect(await runCli(["models", "export", "--format", "onnx", "model"], io)).toBe(2);
    expect(io.stderr()).toContain(
      "keel models export needs --out FILE.onnx, the file to write. Got no --out instead.",
    );
  });
});
