import { describe, expect, it } from "vitest";
import { Frame } from "../../core/index.js";
import { checkGates, comparePredictions, fromProba, type Predictions } from "../index.js";

/** Binary predictions of `labels` ("No"/"Yes") with P(Yes) = `scores`. */
function binary(labels: readonly string[], scores: readonly number[]): Predictions {
  const proba = new Float64Array(scores.length * 2);
  scores.forEach((s, i) => {
    proba[2 * i] = 1 - s;
    proba[2 * i + 1] = s;
  });
  return fromProba("binary", ["No", "Yes"], labels, proba, { positive: "Yes" });
}

/** A seeded stream of numbers in [0, 1). */
function stream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("gates fail closed", () => {
  it("a compare gate without a champion fails, and is skipped only when optional", () => {
    const p = binary(["No", "Yes", "No", "Yes"], [0.2, 0.8, 0.3, 0.6]);
    const report = checkGates(
      {
        gates: [
          { compare: "champion", metric: "rocAuc", minAbsoluteImprovement: 0 },
          { compare: "champion", metric: "rocAuc", minAbsoluteImprovement: 0, optional: true },
        ],
      },
      { predictions: p },
    );
    expect(report.results.map((r) => r.status)).toEqual(["fail", "skipped"]);
    expect(report.passed).toBe(false);
    expect(report.results[0]!.reason).toMatch(/no champion model was given/);
    expect(report.results[1]!.reason).toMatch(/optional gate: skipped/);
  });

  it("an undefined metric fails with the reason (one class only), unless optional", () => {
    const p = binary(["No", "No", "No"], [0.2, 0.8, 0.3]);
    const report = checkGates(
      {
        gates: [
          { metric: "rocAuc", min: 0.5 },
          { metric: "rocAuc", min: 0.5, optional: true },
        ],
      },
      { predictions: p },
    );
    expect(report.results.map((r) => r.status)).toEqual(["fail", "skipped"]);
    expect(report.results[0]!.reason).toMatch(/rocAuc/);
    expect(Number.isNaN(report.results[0]!.value)).toBe(true);
  });

  it("no out-of-sample predictions: every gate fails with the reason given", () => {
    const report = checkGates(
      {
        gates: [
          { metric: "rocAuc", min: 0.5 },
          { metric: "accuracy", min: 0.1, optional: true },
        ],
      },
      { unavailable: "the rows are its training rows and it cannot be refitted" },
    );
    expect(report.results.map((r) => [r.status, r.reason])).toEqual([
      ["fail", "the rows are its training rows and it cannot be refitted"],
      [
        "skipped",
        "the rows are its training rows and it cannot be refitted (optional gate: skipped)",
      ],
    ]);
  });

  it("a bias gate with one group large enough to judge fails, with every group's rates", () => {
    // 2,000 rows in group A (recall ~0.5) and 29 in group B (recall ~0.8): B is too small to
    // judge at minGroupSize 30, so there is nothing to compare A with — not parity.
    const next = stream(3);
    const labels: string[] = [];
    const scores: number[] = [];
    const group: string[] = [];
    for (let i = 0; i < 2029; i++) {
      const inB = i >= 2000;
      const yes = next() < 0.4;
      labels.push(yes ? "Yes" : "No");
      scores.push(yes ? (next() < (inB ? 0.8 : 0.5) ? 0.9 : 0.1) : next() < 0.1 ? 0.9 : 0.1);
      group.push(inB ? "B" : "A");
    }
    const frame = Frame.fromRecords(group.map((g) => ({ group: g })));
    const report = checkGates(
      { gates: [{ bias: "equalOpportunityDifference", by: "group", max: 0.05 }] },
      { predictions: binary(labels, scores), frame },
    );
    const gate = report.results[0]!;
    expect(gate.status).toBe("fail");
    expect(gate.reason).toMatch(/only 1 of 2 groups has at least 30 rows/);
    expect(gate.groups!.map((g) => [g.key, g.size, g.judged])).toEqual([
      ["group=A", 2000, true],
      ["group=B", 29, false],
    ]);
    for (const g of gate.groups!) {
      expect(Object.keys(g.values).sort()).toEqual([
        "falsePositiveRate",
        "selectionRate",
        "truePositiveRate",
      ]);
    }
    // With a smaller minGroupSize both groups are judged and the real gap fails the gate.
    const judgedBoth = checkGates(
      { gates: [{ bias: "equalOpportunityDifference", by: "group", max: 0.05, minGroupSize: 20 }] },
      { predictions: binary(labels, scores), frame },
    ).results[0]!;
    expect(judgedBoth.status).toBe("fail");
    expect(judgedBoth.value).toBeGreaterThan(0.1);
    expect(judgedBoth.reason).toMatch(/is above the maximum 0\.05/);
  });

  it("a bias gate on a column with one group fails instead of crashing", () => {
    const p = binary(["No", "Yes", "No", "Yes"], [0.2, 0.8, 0.3, 0.6]);
    const frame = Frame.fromRecords([{ g: "a" }, { g: "a" }, { g: "a" }, { g: "a" }]);
    const gate = checkGates(
      { gates: [{ bias: "demographicParityRatio", by: "g", min: 0.8 }] },
      { predictions: p, frame },
    ).results[0]!;
    expect(gate.status).toBe("fail");
    expect(gate.reason).toMatch(/one group only/);
  });

  it("both improvement thresholds are enforced", () => {
    const labels = ["No", "Yes", "No", "Yes", "No", "Yes", "No", "Yes"];
    const champion = binary(labels, [0.4, 0.6, 0.7, 0.5, 0.3, 0.8, 0.6, 0.4]);
    const candidate = binary(labels, [0.3, 0.7, 0.6, 0.5, 0.3, 0.8, 0.5, 0.45]);
    const gates = (minAbsoluteImprovement: number) =>
      checkGates(
        {
          gates: [
            {
              compare: "champion",
              metric: "rocAuc",
              minRelativeImprovement: 0.01,
              minAbsoluteImprovement,
            },
          ],
        },
        { predictions: candidate, champion, bootstrap: { nResamples: 50 } },
      ).results[0]!;
    const easy = gates(0.01);
    expect(easy.comparison!.improvement.relative).toBeGreaterThan(0.01);
    expect(easy.status).toBe("pass");
    const hard = gates(0.5);
    expect(hard.status).toBe("fail");
    expect(hard.reason).toMatch(/^absolute improvement [\d.]+ is below 0\.5$/);
  });

  it("a champion scoring exactly 0 fails a relative gate with the reason", () => {
    const labels = ["No", "Yes", "No", "Yes"];
    // The champion ranks every positive below every negative: AUC 0.
    const champion = binary(labels, [0.9, 0.1, 0.8, 0.2]);
    const candidate = binary(labels, [0.1, 0.9, 0.2, 0.8]);
    const gate = checkGates(
      { gates: [{ compare: "champion", metric: "rocAuc", minRelativeImprovement: 0.01 }] },
      { predictions: candidate, champion, bootstrap: { nResamples: 50 } },
    ).results[0]!;
    expect(gate.status).toBe("fail");
    expect(gate.reason).toMatch(/champion's rocAuc is 0, so the relative improvement is undefined/);
  });
});

describe("comparePredictions counts what it leaves out", () => {
  it("resamples where the champion scores 0 are left out of the relative interval and counted", () => {
    // Champion's accuracy is 0 on most resamples of these rows, never on all.
    const labels = ["No", "Yes", "No", "Yes", "No", "Yes", "No", "Yes", "No", "Yes"];
    const champion = binary(labels, [0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.9]);
    const candidate = binary(labels, [0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.9]);
    const cmp = comparePredictions(candidate, champion, { metric: "accuracy", nResamples: 400 });
    expect(cmp.baseline).toBeCloseTo(0.1, 12);
    expect(cmp.nRelativeUndefined).toBeGreaterThan(0);
    expect(cmp.nRelativeUndefined).toBeLessThan(cmp.nResamples);
    expect(Number.isFinite(cmp.ci.relative[0])).toBe(true);
    expect(Number.isFinite(cmp.ci.relative[1])).toBe(true);
    // The candidate is right on every row, so every defined relative improvement is > 0.
    expect(cmp.ci.relative[0]).toBeGreaterThan(0);
    expect(cmp.ci.relative[1]).toBeGreaterThanOrEqual(cmp.ci.relative[0]);
  });

  it("ties are counted apart from wins: a model against itself ties every time", () => {
    const p = binary(["No", "Yes", "No", "Yes", "Yes"], [0.2, 0.8, 0.3, 0.6, 0.4]);
    const cmp = comparePredictions(p, p, { nResamples: 100 });
    expect(cmp.probabilityOfImprovement).toBe(0);
    expect(cmp.probabilityOfTie).toBe(1);
    expect(cmp.outcomes).toEqual({ better: 0, tied: cmp.nResamples, worse: 0 });
  });

  it("a bias gate on true positive rates fails when only one judged group has positives", () => {
    // Group B is large enough but has no churners: its true positive rate does not exist, and
    // Fairlearn's 0 would read as a gap of 0.6 (or hide one). There is one rate to compare.
    const labels: string[] = [];
    const scores: number[] = [];
    const group: string[] = [];
    for (let i = 0; i < 200; i++) {
      const inB = i >= 100;
      const yes = !inB && i % 2 === 0;
      labels.push(yes ? "Yes" : "No");
      scores.push(i % 5 < 3 ? 0.9 : 0.1);
      group.push(inB ? "B" : "A");
    }
    const frame = Frame.fromRecords(group.map((g) => ({ group: g })));
    const gate = checkGates(
      { gates: [{ bias: "equalOpportunityDifference", by: "group", max: 0.1 }] },
      { predictions: binary(labels, scores), frame },
    ).results[0]!;
    expect(gate.status).toBe("fail");
    expect(gate.reason).toBe(
      "only 1 of the 2 judged groups has a truePositiveRate (it needs positive rows in the group); comparing groups needs two",
    );
    expect(Number.isNaN(gate.groups![1]!.values.truePositiveRate!)).toBe(true);
    // Selection rates exist in both groups: a demographic parity gate is computed as usual.
    const parity = checkGates(
      { gates: [{ bias: "demographicParityDifference", by: "group", max: 0.5 }] },
      { predictions: binary(labels, scores), frame },
    ).results[0]!;
    expect(parity.status).toBe("pass");
  });
});
