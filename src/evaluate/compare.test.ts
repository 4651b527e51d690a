import { describe, expect, it } from "vitest";
import { numericColumn } from "../core/index.js";
import { compareModels, comparePredictions, fromProba } from "./index.js";
import { ColumnScoreModel, churnLikeFrame } from "./testing/toy-estimators.js";

describe("compareModels", () => {
  const frame = churnLikeFrame(600, 4);
  const y = frame.column("churn");
  it("a model with signal beats one without, with a paired CI above zero", async () => {
    // A column without information about churn: the baseline reads it.
    const withNoise = frame.withColumn(
      "noise",
      numericColumn(Array.from({ length: frame.nRows }, (_, i) => ((i * 7919) % 1000) / 1000)),
    );
    const good = await new ColumnScoreModel("signal").fit(frame.drop(["churn"]), y);
    const bad = await new ColumnScoreModel("noise").fit(withNoise.drop(["churn"]), y);
    const cmp = compareModels(good, bad, withNoise, {
      target: "churn",
      positive: "Yes",
      nResamples: 200,
      seed: 1,
    });
    expect(cmp.metric).toBe("rocAuc");
    expect(cmp.improvement.absolute).toBeCloseTo(cmp.candidate - cmp.baseline, 12);
    expect(cmp.improvement.relative).toBeCloseTo((cmp.candidate - cmp.baseline) / cmp.baseline, 12);
    expect(cmp.ci.absolute[0]).toBeGreaterThan(0);
    expect(cmp.ci.absolute[0]).toBeLessThan(cmp.improvement.absolute);
    expect(cmp.ci.absolute[1]).toBeGreaterThan(cmp.improvement.absolute);
    expect(cmp.probabilityOfImprovement).toBe(1);
    const again = compareModels(good, bad, withNoise, {
      target: "churn",
      nResamples: 200,
      seed: 1,
    });
    expect(again.ci).toEqual(cmp.ci);
  });
  it("losses are oriented so that positive improvement is better", () => {
    const labels = ["No", "Yes", "Yes", "No"];
    const sharp = fromProba(
      "binary",
      ["No", "Yes"],
      labels,
      Float64Array.of(0.9, 0.1, 0.2, 0.8, 0.1, 0.9, 0.8, 0.2),
      {},
    );
    const vague = fromProba(
      "binary",
      ["No", "Yes"],
      labels,
      Float64Array.of(0.6, 0.4, 0.4, 0.6, 0.4, 0.6, 0.6, 0.4),
      {},
    );
    const cmp = comparePredictions(sharp, vague, { metric: "logLoss", nResamples: 50 });
    expect(cmp.higherIsBetter).toBe(false);
    expect(cmp.candidate).toBeLessThan(cmp.baseline);
    expect(cmp.improvement.absolute).toBeCloseTo(cmp.baseline - cmp.candidate, 12);
    expect(cmp.improvement.absolute).toBeGreaterThan(0);
  });
});
