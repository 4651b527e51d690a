import { describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, isKeelError, numericColumn } from "../../core/index.js";
import {
  demographicParityDifference,
  demographicParityRatio,
  disparateImpactRatio,
  equalizedOddsDifference,
  equalOpportunityDifference,
  MetricFrame,
  recall,
  rocAuc,
  selectionRate,
} from "../index.js";

// Hand-checked example. Group A: rows 0-5, group B: rows 6-9.
//   A: yTrue [1,1,1,0,0,0] yPred [1,1,0,1,0,0] → selection 3/6, TPR 2/3, FPR 1/3
//   B: yTrue [1,1,0,0]     yPred [1,0,0,0]     → selection 1/4, TPR 1/2, FPR 0
const yTrue = [1, 1, 1, 0, 0, 0, 1, 1, 0, 0];
const yPred = [1, 1, 0, 1, 0, 0, 1, 0, 0, 0];
const group = ["A", "A", "A", "A", "A", "A", "B", "B", "B", "B"];

describe("fairness metrics (Fairlearn's definitions)", () => {
  const sensitive = { group };
  it("demographic parity", () => {
    expect(demographicParityDifference(yTrue, yPred, { sensitive })).toBeCloseTo(0.5 - 0.25, 12);
    expect(demographicParityRatio(yTrue, yPred, { sensitive })).toBeCloseTo(0.25 / 0.5, 12);
    // to_overall: overall selection 4/10; gaps |0.5-0.4|, |0.25-0.4| → 0.15
    expect(
      demographicParityDifference(yTrue, yPred, { sensitive, method: "to_overall" }),
    ).toBeCloseTo(0.15, 12);
    // ratio to_overall: min(0.4/0.5, 0.25/0.4) = 0.625
    expect(demographicParityRatio(yTrue, yPred, { sensitive, method: "to_overall" })).toBeCloseTo(
      0.625,
      12,
    );
  });
  it("equalized odds and equal opportunity", () => {
    // TPR diff 2/3 − 1/2 = 1/6, FPR diff 1/3 − 0 = 1/3 → worst case 1/3
    expect(equalizedOddsDifference(yTrue, yPred, { sensitive })).toBeCloseTo(1 / 3, 12);
    expect(equalOpportunityDifference(yTrue, yPred, { sensitive })).toBeCloseTo(1 / 6, 12);
  });
  it("disparate impact with a configurable threshold", () => {
    const di = disparateImpactRatio(yTrue, yPred, { sensitive });
    expect(di).toEqual({
      ratio: 0.5,
      threshold: 0.8,
      passes: false,
      selectionRates: { "group=A": 0.5, "group=B": 0.25 },
    });
    expect(disparateImpactRatio(yTrue, yPred, { sensitive, threshold: 0.5 }).passes).toBe(true);
  });
});

describe("MetricFrame", () => {
  it("overall, byGroup with sizes, difference, ratio, min group size", () => {
    const mf = new MetricFrame({
      metrics: { recall, selectionRate },
      yTrue,
      yPred,
      sensitive: { group },
      minGroupSize: 5,
    });
    expect(mf.overall.recall).toBeCloseTo(3 / 5, 12);
    expect(mf.byGroup.map((g) => [g.key, g.size, g.judged])).toEqual([
      ["group=A", 6, true],
      ["group=B", 4, false],
    ]);
    expect(mf.byGroup[1]!.metrics.recall).toBeCloseTo(0.5, 12);
    // B is reported but not judged, so only A is compared: no spread.
    expect(mf.difference().recall).toBe(0);
    expect(mf.groupSizes()).toEqual({ "group=A": 6, "group=B": 4 });
  });
  it("several sensitive columns give intersections; frames work as sensitive input", () => {
    const senior = [0, 0, 1, 1, 0, 1, 0, 1, 0, 1];
    const sensitive = Frame.fromColumns({
      group: categoricalFromValues(group),
      senior: numericColumn(senior),
    });
    const mf = new MetricFrame({ metrics: selectionRate, yTrue, yPred, sensitive });
    expect(mf.byGroup.map((g) => `${g.key}:${g.size}`)).toEqual([
      "group=A & senior=0:3",
      "group=A & senior=1:3",
      "group=B & senior=0:2",
      "group=B & senior=1:2",
    ]);
    expect(mf.byGroup[0]!.group).toEqual({ group: "A", senior: "0" });
    const rates = mf.byGroup.map((g) => g.metrics.metric!);
    expect(rates).toEqual([2 / 3, 1 / 3, 0.5, 0]);
    expect(mf.difference().metric).toBeCloseTo(2 / 3, 12);
    expect(mf.ratio().metric).toBe(0);
  });
  it("score metrics per group; undefined groups are NaN with a reason, not judged", () => {
    const yScore = [0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.7, 0.4, 0.5, 0.3];
    const only = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]; // group "1" holds negatives only
    const mf = new MetricFrame({ metrics: { rocAuc }, yTrue, yScore, sensitive: { only } });
    expect(mf.byGroup[1]!.metrics.rocAuc).toBeNaN();
    expect(mf.byGroup[1]!.undefinedMetrics.rocAuc).toMatch(/one class only/);
    expect(mf.difference().rocAuc).toBe(0);
  });
  it("bad input: one group, length mismatch, both yPred and yScore", () => {
    const message = (fn: () => unknown) => {
      try {
        fn();
        return "";
      } catch (e) {
        return isKeelError(e) ? `${e.code} ${e.message}` : "not a KeelError";
      }
    };
    expect(
      message(
        () =>
          new MetricFrame({
            metrics: recall,
            yTrue,
            yPred,
            sensitive: { region: group.map(() => "EU") },
          }),
      ),
    ).toBe(
      "KEEL_ERR_METRIC_UNDEFINED MetricFrame: sensitive column 'region' has one group only ('EU'); comparing groups needs at least two.",
    );
    expect(
      message(() => new MetricFrame({ metrics: recall, yTrue, yPred, sensitive: { g: [1, 2] } })),
    ).toMatch(/sensitive column 'g' has 2 values but yTrue has 10/);
    expect(
      message(
        () =>
          new MetricFrame({ metrics: recall, yTrue, yPred, yScore: yPred, sensitive: { group } }),
      ),
    ).toMatch(/exactly one of yPred/);
  });
});
