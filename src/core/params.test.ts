import { describe, expect, it } from "vitest";
import { KeelError } from "./errors.js";
import { declareParams, param } from "./params.js";

const gbdt = declareParams("GbdtClassifier", {
  learningRate: param.number({
    default: 0.3,
    min: 0,
    minExclusive: true,
    doc: "Shrinkage.",
    aliases: ["eta"],
  }),
  maxDepth: param.int({ default: 6, min: 0, doc: "Depth." }),
  strategy: param.enum(["mean", "median"] as const, { default: "mean", doc: "Strategy." }),
  featureRange: param.numberPair({ default: [0, 1], doc: "Range." }),
  seed: param.optional(param.int({ default: 0, doc: "Seed." })),
});

describe("declareParams", () => {
  it("fills defaults and maps aliases", () => {
    expect(gbdt.parse({ eta: 0.1 })).toEqual({
      learningRate: 0.1,
      maxDepth: 6,
      strategy: "mean",
      featureRange: [0, 1],
      seed: undefined,
    });
  });

  it("names both spellings when one parameter is given twice", () => {
    expect(() => gbdt.parse({ learningRate: 0.1, eta: 0.2 })).toThrowError(
      "The 'learningRate' parameter of GbdtClassifier is given twice (as 'learningRate' and as 'eta').",
    );
  });

  it("names owner, parameter, constraint and value", () => {
    expect(() => gbdt.parse({ learningRate: -0.1 })).toThrowError(
      "The 'learningRate' parameter of GbdtClassifier must be a number in (0, inf). Got -0.1 instead.",
    );
  });

  it("collects every issue", () => {
    const result = gbdt.safeParse({ maxDepth: 2.5, strategy: "mode", learnignRate: 1 });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.issues.map((i) => i.param)).toEqual(["maxDepth", "strategy", "learnignRate"]);
      expect(result.issues[2]?.message).toContain("Did you mean 'learningRate'?");
    }
  });

  it("throws a KeelError with details", () => {
    try {
      gbdt.parse({ maxDepth: -1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KeelError);
      expect((e as KeelError).code).toBe("KEEL_ERR_INVALID_PARAM");
      expect((e as KeelError).details.owner).toBe("GbdtClassifier");
    }
  });

  it("parses command-line strings by type", () => {
    expect(gbdt.parseStrings({ eta: "0.05", maxDepth: "4", featureRange: "-1,1" })).toMatchObject({
      learningRate: 0.05,
      maxDepth: 4,
      featureRange: [-1, 1],
    });
    expect(() => gbdt.parseStrings({ maxDepth: "deep" })).toThrowError(
      /must be an integer.*Got 'deep'/,
    );
  });

  it("describes itself for docs", () => {
    expect(gbdt.describe()[0]).toMatchObject({
      name: "learningRate",
      aliases: ["eta"],
      constraint: "a number in (0, inf)",
    });
  });
});
