import { describe, expect, it } from "vitest";
import type { Estimator, Fitted, FittedTransformer, Frame } from "../core/index.js";
import {
  ColumnTransformer,
  DatetimeFeatures,
  KBinsDiscretizer,
  MinMaxScaler,
  OneHotEncoder,
  OrdinalEncoder,
  Pipeline,
  RobustScaler,
  SimpleImputer,
  StandardScaler,
  selectCategorical,
  selectNumeric,
  TargetEncoder,
} from "./index.js";
import { type FixtureCase, fixtureColumn, fixtureFrame, loadFixtures } from "./testing/index.js";

const fixtures = loadFixtures();

// biome-ignore lint/suspicious/noExplicitAny: constructors take each estimator's own params type
type AnyParams = any;
const ESTIMATORS: Record<string, (params: AnyParams) => Estimator<Fitted>> = {
  SimpleImputer: (p) => new SimpleImputer(p),
  StandardScaler: (p) => new StandardScaler(p),
  MinMaxScaler: (p) => new MinMaxScaler(p),
  RobustScaler: (p) => new RobustScaler(p),
  OneHotEncoder: (p) => new OneHotEncoder(p),
  OrdinalEncoder: (p) => new OrdinalEncoder(p),
  KBinsDiscretizer: (p) => new KBinsDiscretizer(p),
  TargetEncoder: (p) => new TargetEncoder(p),
  DatetimeFeatures: (p) => new DatetimeFeatures(p),
  "Pipeline:SimpleImputer+OneHotEncoder": (p) =>
    new Pipeline([
      ["impute", new SimpleImputer(p)],
      ["onehot", new OneHotEncoder()],
    ]),
  "ColumnTransformer:churn": () =>
    new ColumnTransformer([
      [
        "num",
        new Pipeline([
          ["impute", new SimpleImputer({ strategy: "median" })],
          ["scale", new StandardScaler()],
        ]),
        selectNumeric(),
      ],
      ["cat", new OneHotEncoder({ handleUnknown: "ignore" }), selectCategorical()],
    ]),
};

/** |a − b| ≤ 1e-9 · max(|a|, |b|), with an absolute floor of 1e-12 for values that should be 0. */
function close(actual: number, expected: number | null): boolean {
  if (expected === null) return Number.isNaN(actual);
  return (
    Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(actual), Math.abs(expected)) + 1e-12
  );
}

function compare(output: Frame, expected: FixtureCase["expected"]): void {
  expect(output.columnNames).toEqual(expected.names);
  expected.columns.forEach((column, j) => {
    const actual = output.numeric(expected.names[j] as string);
    const bad = column.findIndex((v, i) => !close(actual[i] as number, v));
    expect(
      bad,
      `column '${expected.names[j]}' row ${bad}: keel ${actual[bad]} vs scikit-learn ${column[bad]}`,
    ).toBe(-1);
  });
}

describe(`scikit-learn ${fixtures.sklearn} fixtures`, () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const make = ESTIMATORS[c.estimator];
    expect(make, `no factory for ${c.estimator}`).toBeDefined();
    const estimator = (make as (p: AnyParams) => Estimator<Fitted>)(c.params);
    const fitFrame = fixtureFrame(fixtures, c.fit);
    const y = c.y === undefined ? undefined : fixtureColumn(c.y);
    const fitted = (await estimator.fit(fitFrame, y)) as FittedTransformer;
    const applied = fixtureFrame(fixtures, c.apply);
    expect(fitted.featureNamesOut()).toEqual(c.expected.names);
    compare(fitted.transform(applied), c.expected);
    if (c.expectedFitTransform !== undefined) {
      const { output } = await (estimator as TargetEncoder).fitTransform(fitFrame, y);
      compare(output, c.expectedFitTransform);
    }
  });
});
