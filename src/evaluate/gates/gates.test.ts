import { describe, expect, it } from "vitest";
import { isKeelError } from "../../core/index.js";
import { checkGates, parsePolicy, predictionsOf, type ValidationPolicy } from "../index.js";
import { ColumnScoreModel, churnLikeFrame } from "../testing/toy-estimators.js";

const issuePolicy = {
  cv: { folds: 5, stratified: true },
  gates: [
    { metric: "rocAuc", min: 0.8 },
    { metric: "precisionAtRecall", recall: 0.8, min: 0.5 },
    { bias: "equalOpportunityDifference", by: "segment", max: 0.1 },
    { compare: "champion", metric: "rocAuc", minRelativeImprovement: 0.01 },
  ],
};

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isKeelError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected an error");
}

describe("parsePolicy", () => {
  it("accepts the policy shape of the issue, as text or object", () => {
    expect(parsePolicy(JSON.stringify(issuePolicy), "policy.json")).toEqual(issuePolicy);
    expect(parsePolicy(issuePolicy).gates).toHaveLength(4);
  });
  it("unknown metric: KEEL_ERR_UNKNOWN_METRIC with the JSON path and a did-you-mean", () => {
    const e = errorOf(() =>
      parsePolicy(
        {
          gates: [
            { metric: "rocAuc", min: 0.8 },
            { metric: "precisonAtRecall", min: 0.5 },
          ],
        },
        "p.json",
      ),
    );
    expect(e.code).toBe("KEEL_ERR_UNKNOWN_METRIC");
    expect(e.message).toBe(
      "p.json: $.gates[1].metric: unknown metric 'precisonAtRecall'. Did you mean 'precisionAtRecall'?",
    );
    const bias = errorOf(() =>
      parsePolicy({ gates: [{ bias: "equalOpportunity", by: "x", max: 1 }] }),
    );
    expect(bias.message).toMatch(
      /\$\.gates\[0\]\.bias: unknown bias metric 'equalOpportunity'\. Did you mean 'equalOpportunityDifference'/,
    );
  });
  it("collects every other issue with its path", () => {
    const e = errorOf(() =>
      parsePolicy({
        cv: { folds: 1 },
        gates: [
          { metric: "rocAuc" },
          { metric: "rocAuc", min: "high" },
          { bias: "demographicParityRatio", min: 0.8 },
        ],
        extra: 1,
      }),
    );
    expect(e.code).toBe("KEEL_ERR_POLICY_INVALID");
    expect(e.message).toContain("$.extra: unknown key");
    expect(e.message).toContain("$.cv.folds: expected an integer ≥ 2, got 1");
    expect(e.message).toContain("$.gates[0]: needs a threshold: one of min, max");
    expect(e.message).toContain("$.gates[1].min: expected a number, got 'high'");
    expect(e.message).toContain("$.gates[2].by: expected a column name");
  });
  it("bad JSON is a parse error naming the file (and line:column when Node reports a position)", () => {
    const e = errorOf(() => parsePolicy('{\n  "gates": [,]\n}', "policy.json"));
    expect(e.code).toBe("KEEL_ERR_PARSE");
    expect(e.message).toMatch(/^policy\.json(:\d+:\d+)?: the policy is not valid JSON/);
  });
});

describe("checkGates", () => {
  const frame = churnLikeFrame(800, 11);
  it("reports value, threshold and pass/fail for every gate", async () => {
    const model = await new ColumnScoreModel("signal").fit(
      frame.drop(["churn"]),
      frame.column("churn"),
    );
    const predictions = predictionsOf(model, frame, { target: "churn", positive: "Yes" });
    const policy: ValidationPolicy = {
      gates: [
        { metric: "rocAuc", min: 0.6 },
        { metric: "rocAuc", min: 0.99 },
        { metric: "precisionAtRecall", recall: 0.8, min: 0.2 },
        { bias: "equalOpportunityDifference", by: "segment", max: 0.2 },
        { compare: "champion", metric: "rocAuc", minRelativeImprovement: 0.01 },
      ],
    };
    const report = checkGates(policy, { predictions, frame });
    expect(report.results.map((r) => [r.name, r.status])).toEqual([
      ["rocAuc ≥ 0.6", "pass"],
      ["rocAuc ≥ 0.99", "fail"],
      ["precisionAtRecall@0.8 ≥ 0.2", "pass"],
      ["equalOpportunityDifference[segment] ≤ 0.2", "pass"],
      ["rocAuc improvement over champion: relative ≥ 0.01", "fail"],
    ]);
    expect(report.passed).toBe(false);
    expect(report.results[0]!.source).toBe("holdout");
    expect(report.results[1]!.reason).toMatch(/^0\.\d+ is below the minimum 0\.99$/);
    expect(report.results[4]!.reason).toMatch(/no champion model was given/);
    const bias = report.results[3]!;
    expect(bias.groups!.map((g) => g.key)).toEqual(["segment=adult", "segment=senior"]);
    expect(bias.groups!.reduce((a, g) => a + g.size, 0)).toBe(800);
    // A champion identical to the model: zero improvement, so the 1% gate fails.
    const withChampion = checkGates(policy, {
      predictions,
      frame,
      champion: predictions,
      bootstrap: { nResamples: 20 },
    });
    expect(withChampion.results[4]!.status).toBe("fail");
    expect(withChampion.results[4]!.value).toBe(0);
  });
});
