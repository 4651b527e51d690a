import { describe, expect, it } from "vitest";
import { isKeelError } from "../../core/index.js";
import { checkPolicyColumns, parsePolicy } from "../index.js";

function issuesOf(policy: unknown, options = {}): { path: string; message: string }[] {
  try {
    parsePolicy(JSON.stringify(policy), "policies/p.json", options);
  } catch (e) {
    if (isKeelError(e, "KEEL_ERR_POLICY_INVALID")) {
      expect(e.message).toMatch(/^policies\/p\.json: invalid validation policy: \$/);
      expect(e.details.source).toBe("policies/p.json");
      return e.details.issues as { path: string; message: string }[];
    }
    throw e;
  }
  return [];
}

describe("parsePolicy names the file and JSON path of every mistake", () => {
  it("fairness thresholds on the unfair side are refused", () => {
    expect(
      issuesOf({
        gates: [
          { bias: "disparateImpactRatio", by: "gender", max: 0.8 },
          { bias: "demographicParityRatio", by: "gender", min: 0.8 },
          { bias: "equalOpportunityDifference", by: "gender", min: 0.1 },
          { bias: "equalizedOddsDifference", by: "gender", max: 1.5 },
        ],
      }),
    ).toEqual([
      {
        path: "$.gates[0].max",
        message:
          "disparateImpactRatio is fairer when higher (1 = parity): bound it from below with min (the four-fifths rule is min: 0.8), not max",
      },
      {
        path: "$.gates[2].min",
        message:
          "equalOpportunityDifference is fairer when lower (0 = parity): bound it from above with max (e.g. max: 0.1), not min",
      },
      { path: "$.gates[3].max", message: "equalizedOddsDifference lies between 0 and 1; got 1.5" },
    ]);
  });

  it("a min above the max is refused", () => {
    expect(issuesOf({ gates: [{ metric: "rocAuc", min: 0.9, max: 0.1 }] })).toEqual([
      { path: "$.gates[0]", message: "min 0.9 is above max 0.1: no value can pass" },
    ]);
  });

  it("parameters a metric does not take, or out of range, are refused", () => {
    const issues = issuesOf({
      gates: [
        { metric: "rocAuc", recall: 0.8, min: 0.8 },
        { metric: "precisionAtRecall", recall: 1.5, min: 0.5 },
        { metric: "liftAt", k: 0, min: 2 },
        { metric: "accuracy", average: "macro", min: 0.5 },
        { compare: "champion", metric: "rocAuc", k: 0.1, minAbsoluteImprovement: 0 },
        { metric: "f1Score", average: "mean", min: 0.5 },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual([
      "$.gates[0].recall",
      "$.gates[1].recall",
      "$.gates[2].k",
      "$.gates[3].average",
      "$.gates[4].k",
      "$.gates[5].average",
    ]);
    expect(issues[0]!.message).toBe(
      "metric 'rocAuc' takes no 'recall' (it takes 'average', 'multiClass')",
    );
    expect(issues[1]!.message).toBe(
      "precisionAtRecall's recall must be a number in [0, 1], got 1.5",
    );
  });

  it("metrics the model's task does not have are refused when the task is known", () => {
    const policy = {
      threshold: 0.3,
      gates: [
        { metric: "rmse", max: 1 },
        { metric: "averagePrecision", min: 0.5 },
        { bias: "demographicParityRatio", by: "g", min: 0.8 },
      ],
    };
    expect(issuesOf(policy, { task: "binary" })).toEqual([
      {
        path: "$.gates[0].metric",
        message: "metric 'rmse' is for regression models; this model's task is binary",
      },
    ]);
    expect(issuesOf(policy, { task: "multiclass" }).map((i) => i.path)).toEqual([
      "$.threshold",
      "$.gates[0].metric",
      "$.gates[1].metric",
      "$.gates[2].bias",
    ]);
    expect(issuesOf(policy)).toEqual([]);
  });

  it("threshold, optional and expectedCost's cost matrix are checked", () => {
    const issues = issuesOf(
      {
        threshold: 1,
        gates: [
          { metric: "expectedCost", max: 1 },
          { metric: "expectedCost", costMatrix: { Yes: { No: "5" }, Maybe: { No: 1 } }, max: 1 },
          { metric: "rocAuc", min: 0.8, optional: "yes" },
        ],
      },
      { task: "binary", classes: ["No", "Yes"] },
    );
    expect(issues).toEqual([
      { path: "$.threshold", message: "expected a probability strictly between 0 and 1, got 1" },
      {
        path: "$.gates[0].costMatrix",
        message: expect.stringMatching(/^expectedCost needs a cost matrix like/),
      },
      { path: "$.gates[1].costMatrix.Yes.No", message: "expected a number, got '5'" },
      {
        path: "$.gates[1].costMatrix.Maybe",
        message: "'Maybe' is not one of the model's classes ('No', 'Yes')",
      },
      { path: "$.gates[2].optional", message: "expected true or false, got 'yes'" },
    ]);
    const ok = parsePolicy(
      {
        threshold: 0.3,
        gates: [
          { metric: "expectedCost", costMatrix: { Yes: { No: 5 }, No: { Yes: 1 } }, max: 1 },
          { compare: "champion", metric: "rocAuc", minRelativeImprovement: 0.01, optional: true },
        ],
      },
      "p.json",
      { task: "binary", classes: ["No", "Yes"] },
    );
    expect(ok.threshold).toBe(0.3);
  });

  it("bias gates' columns are checked against the data, with a did-you-mean", () => {
    const policy = parsePolicy({
      gates: [
        { bias: "demographicParityRatio", by: "gendr", min: 0.8 },
        { bias: "equalOpportunityDifference", by: ["gender", "senor_citizen"], max: 0.1 },
      ],
    });
    let message = "";
    try {
      checkPolicyColumns(policy, ["gender", "senior_citizen", "churn"], "p.json");
    } catch (e) {
      if (isKeelError(e, "KEEL_ERR_POLICY_INVALID")) message = e.message;
    }
    expect(message).toBe(
      "p.json: invalid validation policy: $.gates[0].by: the data has no column 'gendr'. Did you mean 'gender'?; $.gates[1].by[1]: the data has no column 'senor_citizen'. Did you mean 'senior_citizen'?.",
    );
  });
});
