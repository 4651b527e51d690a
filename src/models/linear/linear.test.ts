import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Frame, numericColumn } from "../../core/index.js";
import { LinearRegression } from "./linear-regression.js";
import { LogisticRegression, loadLogisticRegression } from "./logistic-regression.js";

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures", "linear.json"), "utf8"),
) as {
  x: number[][];
  yBinary: number[];
  yMulti: number[];
  yReg: number[];
  logisticBinary: { coef: number[][]; intercept: number[] };
  logisticMulti: { coef: number[][]; intercept: number[]; proba: number[][] };
  ols: { coef: number[]; intercept: number };
  ridge: { coef: number[]; intercept: number };
};
const x = Frame.fromColumns(
  [0, 1, 2].map((j) => [`x${j}`, numericColumn(fixture.x.map((row) => row[j]!))] as const),
);

// scikit-learn's lbfgs stops on a relative loss change of 64 machine epsilons, which leaves
// its coefficients about 1e-5 from the exact optimum; hence 4 decimals for the logistic models.
describe("linear models match scikit-learn 1.2", () => {
  it("LogisticRegression, binary", () => {
    const model = new LogisticRegression({ C: 1, tol: 1e-9, maxIter: 1000 }).fit(
      x,
      numericColumn(fixture.yBinary),
    );
    const coef = model.coef();
    fixture.logisticBinary.coef[0]!.forEach((c, j) => {
      expect(coef[0]![j]).toBeCloseTo(c, 4);
    });
    expect(model.weights[3]).toBeCloseTo(fixture.logisticBinary.intercept[0]!, 4);
  });

  it("LogisticRegression, multinomial", () => {
    const model = new LogisticRegression({ C: 1, tol: 1e-9, maxIter: 1000 }).fit(
      x,
      numericColumn(fixture.yMulti),
    );
    const proba = model.predictProba(x.head(5));
    fixture.logisticMulti.proba.forEach((row, i) => {
      row.forEach((p, k) => {
        expect(proba[i * 3 + k]).toBeCloseTo(p, 4);
      });
    });
    const again = loadLogisticRegression(model.toState());
    expect(again.predictProba(x)).toEqual(model.predictProba(x));
  });

  it("LinearRegression and ridge", () => {
    const ols = new LinearRegression().fit(x, numericColumn(fixture.yReg));
    fixture.ols.coef.forEach((c, j) => {
      expect(ols.coef[j]).toBeCloseTo(c, 9);
    });
    expect(ols.intercept).toBeCloseTo(fixture.ols.intercept, 9);
    const ridge = new LinearRegression({ alpha: 5 }).fit(x, numericColumn(fixture.yReg));
    fixture.ridge.coef.forEach((c, j) => {
      expect(ridge.coef[j]).toBeCloseTo(c, 9);
    });
    expect(ridge.intercept).toBeCloseTo(fixture.ridge.intercept, 9);
  });

  it("asks for encoding when given a categorical column", () => {
    const bad = x.withColumn("plan", {
      kind: "categorical",
      codes: new Int32Array(60),
      categories: ["a"],
    });
    expect(() => new LinearRegression().fit(bad, numericColumn(fixture.yReg))).toThrow(
      /Column 'plan' must be numeric for a linear model/,
    );
  });
});
