import { describe, expect, it } from "vitest";
import { isKeelError } from "../core/index.js";
import { parseDeploymentSpec } from "./index.js";

function issuesOf(value: unknown): { path: string; message: string }[] {
  try {
    parseDeploymentSpec(value, "deploy/churn.json");
  } catch (e) {
    if (isKeelError(e, "KEEL_ERR_DEPLOYMENT_INVALID")) {
      expect(e.message).toMatch(/^deploy\/churn\.json: invalid deployment spec: \$/);
      expect(e.details.where).toBe("deploy/churn.json");
      return e.details.issues as { path: string; message: string }[];
    }
    throw e;
  }
  return [];
}

const champion = { name: "champion", model: "models:/churn@champion", weight: 90 };
const challenger = { name: "challenger", model: "models:/churn/7", weight: 10 };

describe("parseDeploymentSpec", () => {
  it("accepts the full form and turns a canary interval text into milliseconds", () => {
    const spec = parseDeploymentSpec(
      {
        name: "churn",
        variants: [champion, challenger, { name: "local", model: "./bundles/churn", weight: 0 }],
        stickyKey: "customer_id",
        shadow: [{ name: "next", model: "models:/churn@next" }],
        canary: {
          variant: "challenger",
          steps: [5, 25, 50, 100],
          interval: "1h",
          guardrails: { maxErrorRate: 0.01, maxP99Ms: 50, maxPredictionShift: 0.1 },
        },
        features: { service: "churn_v1", entityKey: "customer_id" },
      },
      "deploy.json",
    );
    expect(spec.canary).toEqual({
      variant: "challenger",
      steps: [5, 25, 50, 100],
      intervalMs: 3_600_000,
      guardrails: { maxErrorRate: 0.01, maxP99Ms: 50, maxPredictionShift: 0.1 },
    });
    expect(spec.variants.map((v) => v.weight)).toEqual([90, 10, 0]);
    expect(spec.stickyKey).toBe("customer_id");
    expect(spec.shadow).toEqual([{ name: "next", model: "models:/churn@next" }]);
    expect(spec.features).toEqual({ service: "churn_v1", entityKey: "customer_id" });
  });

  it("takes intervalMs and returns a spec that parses again to itself", () => {
    const spec = parseDeploymentSpec(
      {
        name: "churn",
        variants: [champion, challenger],
        canary: { variant: "challenger", steps: [50, 100], intervalMs: 1000, guardrails: {} },
      },
      "x",
    );
    expect(parseDeploymentSpec(JSON.parse(JSON.stringify(spec)), "x")).toEqual(spec);
  });

  it("lists every mistake with its JSON path", () => {
    expect(
      issuesOf({
        name: "churn service",
        variants: [
          { ...champion, weight: -1 },
          { name: "champion", model: "models:/churn/", weight: "10", extra: 1 },
        ],
        stickyKey: "",
        shadow: [{ name: "champion", model: "models:/churn@x" }],
        canary: {
          variant: "challengr",
          steps: [5, 5, 50],
          interval: "soon",
          guardrails: { maxErrorRate: 2, maxP99: 1 },
        },
        feature: {},
      }),
    ).toEqual([
      { path: "$.feature", message: "unknown key (did you mean 'features'?)" },
      {
        path: "$.name",
        message:
          "expected a name of letters, digits, '_', '.', '-' (at most 128, not starting with a symbol), got 'churn service'",
      },
      { path: "$.variants[0].weight", message: "expected a finite number ≥ 0, got -1" },
      { path: "$.variants[1].extra", message: "unknown key (expected one of name, model, weight)" },
      { path: "$.variants[1].name", message: "duplicate variant name 'champion'" },
      {
        path: "$.variants[1].model",
        message: "expected models:/NAME@ALIAS or models:/NAME/VERSION, got 'models:/churn/'",
      },
      { path: "$.variants[1].weight", message: "expected a finite number ≥ 0, got '10'" },
      {
        path: "$.stickyKey",
        message: "expected a request field name (a non-empty string), got ''",
      },
      {
        path: "$.shadow[0].name",
        message: "name 'champion' is already used by a variant or shadow",
      },
      {
        path: "$.canary.variant",
        message: "no variant named 'challengr' (expected one of champion)",
      },
      {
        path: "$.canary.steps[1]",
        message: "expected a percentage above 5 and at most 100 (steps climb strictly), got 5",
      },
      {
        path: "$.canary.steps",
        message: "expected the last step to be 100 (the canary completes there), got 50",
      },
      {
        path: "$.canary.interval",
        message: `expected a positive duration (milliseconds, or text like "30m", "1h"), got 'soon'`,
      },
      { path: "$.canary.guardrails.maxP99", message: "unknown key (did you mean 'maxP99Ms'?)" },
      { path: "$.canary.guardrails.maxErrorRate", message: "expected a rate in [0, 1], got 2" },
    ]);
  });

  it("reads a features section: a service or references, entity keys, the missing-feature rule", () => {
    const base = { name: "churn", variants: [champion] };
    expect(
      parseDeploymentSpec(
        { ...base, features: { features: ["stats:*"], entityKey: ["a", "b"], onMissing: "error" } },
        "d.json",
      ).features,
    ).toEqual({ features: ["stats:*"], entityKey: ["a", "b"], onMissing: "error" });
    expect(issuesOf({ ...base, features: { entityKey: "customer_id" } })).toEqual([
      {
        path: "$.features",
        message:
          "expected exactly one of service (a feature service) or features (view:feature references)",
      },
    ]);
    expect(
      issuesOf({
        ...base,
        features: { features: ["tenure"], entityKey: [], onMissing: "skip", services: "x" },
      }),
    ).toEqual([
      { path: "$.features.services", message: "unknown key (did you mean 'service'?)" },
      {
        path: "$.features.features",
        message: "expected a non-empty array of 'view:feature' references, got ['tenure']",
      },
      {
        path: "$.features.entityKey",
        message: "expected a request field name or a list of them, got []",
      },
      { path: "$.features.onMissing", message: `expected "null" or "error", got 'skip'` },
    ]);
  });

  it("refuses a non-object, no variants, all-zero weights and a canary without a rest", () => {
    expect(issuesOf([1])).toEqual([
      { path: "$", message: "expected an object like { name, variants: [...] }, got [1]" },
    ]);
    expect(issuesOf({ name: "a", variants: [] })).toEqual([
      { path: "$.variants", message: "expected at least one variant" },
    ]);
    expect(issuesOf({ name: "a", variants: [{ ...champion, weight: 0 }] })).toEqual([
      {
        path: "$.variants",
        message: "expected at least one variant with a weight above 0, all are 0",
      },
    ]);
    expect(
      issuesOf({
        name: "a",
        variants: [champion],
        canary: { variant: "champion", steps: [100], intervalMs: 10 },
      }),
    ).toEqual([
      {
        path: "$.canary.variant",
        message: "a canary needs at least one other variant to take the rest of the traffic",
      },
    ]);
  });

  it("reads JSON text, pointing at the line and column of a syntax error", () => {
    expect(
      parseDeploymentSpec('{"name":"a","variants":[{"name":"v","model":"d","weight":1}]}', "x")
        .name,
    ).toBe("a");
    expect(() => parseDeploymentSpec('{\n  "name": "a",\n  oops\n}', "deploy.json")).toThrowError(
      expect.objectContaining({
        code: "KEEL_ERR_PARSE",
        message: expect.stringMatching(/^deploy\.json:3:3: /),
      }),
    );
  });
});
