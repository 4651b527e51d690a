import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Frame, numericColumn } from "../../core/index.js";
import { importXgboostJson, keelThreshold, parseXgboostJsonText } from "./xgboost-json.js";

const fixtures = join(import.meta.dirname, "fixtures");

function load(name: string) {
  const model = JSON.parse(readFileSync(join(fixtures, `xgb-${name}.json`), "utf8")) as unknown;
  const expected = JSON.parse(
    readFileSync(join(fixtures, `xgb-${name}.predictions.json`), "utf8"),
  ) as {
    x: (number | null)[][];
    margin: number[] | number[][];
    prediction: number[] | number[][];
  };
  const nFeatures = expected.x[0]!.length;
  const frame = Frame.fromColumns(
    Array.from(
      { length: nFeatures },
      (_, j) => [`f${j}`, numericColumn(expected.x.map((r) => r[j] ?? Number.NaN))] as const,
    ),
  );
  return { model, expected, frame };
}

describe("importXgboostJson predicts exactly as XGBoost 1.7", () => {
  it("binary:logistic", () => {
    const { model, expected, frame } = load("binary");
    const imported = importXgboostJson(model);
    const proba = imported.predictProba(frame);
    (expected.prediction as number[]).forEach((p, i) => {
      expect(Math.abs(proba[2 * i + 1]! - p)).toBeLessThanOrEqual(1e-6);
    });
    const margins = imported.predictMargins(frame);
    (expected.margin as number[]).forEach((m, i) => {
      expect(Math.abs(margins[i]! - m)).toBeLessThanOrEqual(1e-5);
    });
  });

  it("multi:softprob", () => {
    const { model, expected, frame } = load("multiclass");
    const imported = importXgboostJson(model);
    expect(imported.classes).toEqual(["0", "1", "2"]);
    const proba = imported.predictProba(frame);
    (expected.prediction as number[][]).forEach((row, i) => {
      row.forEach((p, k) => {
        expect(Math.abs(proba[3 * i + k]! - p)).toBeLessThanOrEqual(1e-6);
      });
    });
  });

  it("reg:squarederror", () => {
    const { model, expected, frame } = load("regression");
    const imported = importXgboostJson(model);
    const predicted = imported.predict(frame);
    (expected.prediction as number[]).forEach((v, i) => {
      expect(Math.abs(predicted[i]! - v)).toBeLessThanOrEqual(1e-5);
    });
  });

  it("keeps XGBoost's float32 split rule on doubles", () => {
    const c = Math.fround(0.1);
    const t = keelThreshold(c);
    expect(Math.fround(t) < c).toBe(true);
    // The first double above t rounds to c (goes right in XGBoost, right in keel).
    const above = t + Number.EPSILON * Math.abs(t);
    expect(Math.fround(above)).toBe(c);
  });

  it("rejects an unsupported objective with its JSON path", () => {
    const { model } = load("binary");
    const copy = JSON.parse(JSON.stringify(model)) as { learner: { objective: { name: string } } };
    copy.learner.objective.name = "rank:pairwise";
    expect(() => importXgboostJson(copy)).toThrow(
      /\$\.learner\.objective\.name: objective 'rank:pairwise' is not supported/,
    );
  });

  it("reads XGBoost's bare NaN tokens and refuses categorical splits by name", () => {
    const text = readFileSync(join(fixtures, "xgb-categorical.json"), "utf8");
    expect(text).toContain("NaN");
    expect(() => JSON.parse(text)).toThrow();
    const json = parseXgboostJsonText(text, "xgb-categorical.json");
    expect(() => importXgboostJson(json)).toThrow(
      /trees\[0\]\.split_type\[1\]: node 1 splits feature 'c' as a categorical/,
    );
  });

  it("keeps NaN-like text inside strings and names the file of broken JSON", () => {
    expect(parseXgboostJsonText('{"a":"NaN, Infinity","b":[NaN,-Infinity,1]}', "m.json")).toEqual({
      a: "NaN, Infinity",
      b: [null, null, 1],
    });
    expect(() => parseXgboostJsonText('{"a":', "m.json")).toThrow(
      /^m\.json: not a readable JSON file/,
    );
  });

  it("leaves training params empty, so a refit does not inherit made-up ones", () => {
    expect(importXgboostJson(load("binary").model).params).toEqual({});
  });
});
