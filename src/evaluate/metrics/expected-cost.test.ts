import { describe, expect, it } from "vitest";
import { isKeelError } from "../../core/index.js";
import { costMatrixOf, expectedCost, fromProba, resolveMetric } from "../index.js";

describe("expectedCost", () => {
  it("is the mean cost per row of true class × predicted class", () => {
    const costs = { Yes: { No: 5 }, No: { Yes: 1 } };
    expect(expectedCost([1, 0, 1, 0], [0, 0, 1, 1], ["No", "Yes"], costs)).toBe(1.5);
    expect(Array.from(costMatrixOf(costs, ["No", "Yes"]))).toEqual([0, 1, 5, 0]);
    // Three classes, with a reward (negative cost) for a correct "gold" call.
    expect(
      expectedCost([0, 1, 2], [0, 2, 2], ["bronze", "gold", "silver"], {
        gold: { silver: 3, gold: -1 },
        silver: { silver: 0 },
      }),
    ).toBe(1);
  });

  it("follows the decision threshold when computed from binary predictions", () => {
    const proba = Float64Array.of(0.8, 0.2, 0.6, 0.4, 0.3, 0.7, 0.9, 0.1);
    const labels = ["No", "Yes", "Yes", "Yes"];
    const metric = resolveMetric({
      metric: "expectedCost",
      costMatrix: { Yes: { No: 5 }, No: { Yes: 1 } },
    });
    expect(metric.higherIsBetter).toBe(false);
    const at = (threshold: number) =>
      metric.compute(fromProba("binary", ["No", "Yes"], labels, proba, { threshold }));
    // At 0.5 two churners (P 0.4, 0.1) are missed: 10 / 4. At 0.15 one is, and the
    // non-churner at 0.2 gets a wasted offer: (5 + 1) / 4.
    expect(at(0.5)).toBe(2.5);
    expect(at(0.15)).toBe(1.5);
  });

  it("refuses classes the model does not have and costs that are not numbers", () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        if (isKeelError(e)) return e.message;
      }
      return "";
    };
    expect(codeOf(() => costMatrixOf({ Maybe: { No: 1 } }, ["No", "Yes"]))).toBe(
      "expectedCost: the cost matrix names true class 'Maybe', which is not one of the model's classes ('No', 'Yes').",
    );
    expect(codeOf(() => costMatrixOf({ Yes: { No: Number.NaN } }, ["No", "Yes"]))).toMatch(
      /costMatrix\.Yes\.No must be a finite number/,
    );
  });
});
