import { describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, isKeelError, numericColumn, Rng } from "../../core/index.js";
import { LinearRegression, LogisticRegression } from "../linear/index.js";
import { syntheticClassification } from "../testing/synthetic.js";
import { GbdtClassifier, GbdtRegressor } from "./gbdt-estimator.js";

/** The KeelError `work` throws (the test fails when it does not throw one). */
function failure(work: () => unknown): { code: string; message: string; details: unknown } {
  try {
    work();
  } catch (error) {
    if (isKeelError(error)) return error;
    throw error;
  }
  throw new Error("expected a KeelError");
}

const binary = syntheticClassification(300, 3);
const three = (() => {
  const rng = new Rng(4);
  const x0 = Float64Array.from({ length: 300 }, () => rng.normal());
  const label = Array.from(x0, (v) => (v < -0.5 ? "a" : v < 0.5 ? "b" : "c"));
  return { x: Frame.fromColumns({ x0: numericColumn(x0) }), y: categoricalFromValues(label) };
})();
const regression = (() => {
  const rng = new Rng(5);
  const x0 = Float64Array.from({ length: 300 }, () => rng.normal());
  return {
    x: Frame.fromColumns({ x0: numericColumn(x0) }),
    y: numericColumn(x0.map((v) => 2 * v)),
  };
})();

describe("every GBDT parameter acts or is refused", () => {
  it.each([
    ["logloss", "multiclass"],
    ["auc", "multiclass"],
    ["rmse", "multiclass"],
    ["mlogloss", "binary"],
    ["rmse", "binary"],
  ])("refuses evalMetric %s on a %s classifier", (evalMetric, task) => {
    const data = task === "binary" ? binary : three;
    const error = failure(() =>
      new GbdtClassifier({ evalMetric, nEstimators: 5 }).fit(data.x, data.y, {
        validation: { x: data.x, y: data.y },
      }),
    );
    expect(error.code).toBe("KEEL_ERR_INVALID_PARAM");
    expect(error.message).toContain(`'${evalMetric}' does not fit a ${task} task`);
  });

  it.each(["auc", "error", "mlogloss", "logloss"])("refuses evalMetric %s on a regressor", (m) => {
    const error = failure(() =>
      new GbdtRegressor({ evalMetric: m, nEstimators: 5 }).fit(regression.x, regression.y),
    );
    expect(error.code).toBe("KEEL_ERR_INVALID_PARAM");
    expect(error.details).toMatchObject({ param: "evalMetric", task: "regression" });
  });

  it("keeps boosting with a metric that fits the task", () => {
    const model = new GbdtClassifier({
      evalMetric: "auc",
      nEstimators: 20,
      earlyStoppingRounds: 5,
    }).fit(binary.x, binary.y, { validation: { x: binary.x, y: binary.y } });
    expect(model.evalHistory.length).toBeGreaterThan(5);
  });

  it.each([
    ["NaN", Number.NaN, /Got NaN at row 7/],
    ["Infinity", Number.POSITIVE_INFINITY, /Got Infinity at row 7/],
    ["a negative", -1, /Got -1 at row 7/],
  ])("refuses %s sample weight in every model", (_, bad, message) => {
    const w = new Float64Array(300).fill(1);
    w[7] = bad;
    for (const fit of [
      () => new GbdtClassifier({ nEstimators: 2 }).fit(binary.x, binary.y, { sampleWeight: w }),
      () =>
        new GbdtRegressor({ nEstimators: 2 }).fit(regression.x, regression.y, { sampleWeight: w }),
      () => new LinearRegression().fit(regression.x, regression.y, { sampleWeight: w }),
      () => new LogisticRegression().fit(three.x, three.y, { sampleWeight: w }),
    ]) {
      const error = failure(fit);
      expect(error.code).toBe("KEEL_ERR_INVALID_ARGUMENT");
      expect(error.message).toMatch(message);
    }
  });

  it("refuses all-zero sample weights", () => {
    const error = failure(() =>
      new GbdtClassifier({ nEstimators: 2 }).fit(binary.x, binary.y, {
        sampleWeight: new Float64Array(300),
      }),
    );
    expect(error.message).toMatch(/0 for all 300 rows/);
  });

  it("refuses negative labels under the poisson objective", () => {
    const error = failure(() =>
      new GbdtRegressor({ objective: "poisson", nEstimators: 2 }).fit(regression.x, regression.y),
    );
    expect(error.code).toBe("KEEL_ERR_TARGET_INVALID");
    expect(error.message).toMatch(/'poisson' objective needs labels of at least 0/);
  });

  it("refuses classWeight together with scalePosWeight, which would multiply", () => {
    const error = failure(() =>
      new GbdtClassifier({ classWeight: "balanced", scalePosWeight: 3, nEstimators: 2 }).fit(
        binary.x,
        binary.y,
      ),
    );
    expect(error.code).toBe("KEEL_ERR_INVALID_PARAM");
    expect(error.details).toMatchObject({ param: "scalePosWeight" });
    expect(error.message).toContain("classWeight");
  });

  it("refuses a classWeight naming a class the target lacks", () => {
    const error = failure(() =>
      new GbdtClassifier({ classWeight: { yes: 2, maybe: 3 }, nEstimators: 2 }).fit(
        binary.x,
        binary.y,
      ),
    );
    expect(error.code).toBe("KEEL_ERR_INVALID_PARAM");
    expect(error.details).toMatchObject({ param: "classWeight", unknown: ["maybe"] });
  });

  it("refuses classifier-only params on a regressor and scalePosWeight off binary", () => {
    expect(
      failure(() =>
        new GbdtRegressor({ classWeight: "balanced", nEstimators: 2 }).fit(
          regression.x,
          regression.y,
        ),
      ).details,
    ).toMatchObject({ param: "classWeight" });
    expect(
      failure(() => new GbdtClassifier({ scalePosWeight: 3, nEstimators: 2 }).fit(three.x, three.y))
        .details,
    ).toMatchObject({ param: "scalePosWeight", task: "multiclass" });
  });

  it("caps depthwise trees at numLeaves, as XGBoost's max_leaves does", () => {
    const leaves = (params: Record<string, unknown>): number => {
      const model = new GbdtClassifier({ nEstimators: 3, maxDepth: 6, ...params }).fit(
        binary.x,
        binary.y,
      );
      const e = model.ensemble;
      let most = 0;
      for (let t = 0; t < e.roots.length; t++) {
        const end = t + 1 < e.roots.length ? e.roots[t + 1]! : e.feature.length;
        let n = 0;
        for (let i = e.roots[t]!; i < end; i++) if (e.feature[i] === -1) n++;
        most = Math.max(most, n);
      }
      return most;
    };
    expect(leaves({})).toBeGreaterThan(8);
    expect(leaves({ max_leaves: 5 })).toBe(5);
    expect(leaves({ numLeaves: 8, growPolicy: "lossguide" })).toBe(8);
  });

  it("refuses an objective that does not fit the number of classes instead of swapping it", () => {
    const binaryOnThree = failure(() =>
      new GbdtClassifier({ objective: "binary", nEstimators: 2 }).fit(three.x, three.y),
    );
    expect(binaryOnThree.code).toBe("KEEL_ERR_INVALID_PARAM");
    expect(binaryOnThree.message).toMatch(/'binary' fits a two-class target; this one has 3/);
    const softmaxOnTwo = failure(() =>
      new GbdtClassifier({ objective: "softmax", nEstimators: 2 }).fit(binary.x, binary.y),
    );
    expect(softmaxOnTwo.details).toMatchObject({ param: "objective", received: "softmax" });
  });

  it("refuses huberDelta unless the objective is huber", () => {
    for (const fit of [
      () => new GbdtClassifier({ huber_slope: 0.5, nEstimators: 2 }).fit(binary.x, binary.y),
      () => new GbdtRegressor({ huberDelta: 0.5, nEstimators: 2 }).fit(regression.x, regression.y),
    ]) {
      expect(failure(fit).details).toMatchObject({ param: "huberDelta" });
    }
    const huber = new GbdtRegressor({ objective: "huber", huberDelta: 0.5, nEstimators: 2 });
    expect(huber.fit(regression.x, regression.y).ensemble.roots.length).toBe(2);
  });

  it("early-stops on a validation batch that holds one class, and names an unknown one", () => {
    const only = [...Array(3).keys()].map(() => "a");
    const model = new GbdtClassifier({ nEstimators: 5, earlyStoppingRounds: 2 }).fit(
      three.x,
      three.y,
      { validation: { x: three.x.slice(0, 3), y: categoricalFromValues(only) } },
    );
    expect(model.evalHistory.length).toBeGreaterThan(0);
    const error = failure(() =>
      new GbdtClassifier({ nEstimators: 2 }).fit(three.x, three.y, {
        validation: { x: three.x.slice(0, 1), y: categoricalFromValues(["z"]) },
      }),
    );
    expect(error.message).toMatch(
      /^The validation data has class 'z' at row 0, which the training/,
    );
  });

  it("names the validation data when it lacks a training column", () => {
    const error = failure(() =>
      new GbdtClassifier({ nEstimators: 2 }).fit(binary.x, binary.y, {
        validation: { x: binary.x.drop([binary.x.columnNames[0]!]), y: binary.y },
      }),
    );
    expect(error.code).toBe("KEEL_ERR_SCHEMA_MISMATCH");
    expect(error.message).toMatch(/^The validation data lacks 1 column\(s\) the model needs: 'x0'/);
  });

  it("refuses maxDepth 0 under depthwise growth without a leaf cap", () => {
    const error = failure(() =>
      new GbdtClassifier({ maxDepth: 0, nEstimators: 2 }).fit(binary.x, binary.y),
    );
    expect(error.details).toMatchObject({ param: "maxDepth" });
  });
});
