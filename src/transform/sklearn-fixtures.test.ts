import { describe, expect, it } from "vitest";
import {
  type Estimator,
  type Fitted,
  type FittedTransformer,
  type Frame,
  isKeelError,
  pairwiseSum,
} from "../core/index.js";
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

describe(`inputs scikit-learn ${fixtures.sklearn} refuses are refused with a KeelError`, () => {
  it.each(fixtures.refusals.map((r) => [r.name, r] as const))("%s", async (_name, r) => {
    const make = ESTIMATORS[r.estimator] as (p: AnyParams) => Estimator<Fitted>;
    const frame = fixtureFrame(fixtures, r.fit);
    const error = await Promise.resolve()
      .then(() => make(r.params).fit(frame))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error, `scikit-learn: ${r.sklearnError}`).toBeDefined();
    expect(isKeelError(error), String(error)).toBe(true);
    expect((error as { code: string }).code).toBe(r.keelCode);
    const message = (error as Error).message;
    if (r.keelCode === "KEEL_ERR_NON_FINITE") {
      // Names the column, the row and the value, as scikit-learn's "Input X contains infinity".
      expect(message).toMatch(/column '(wave|tiny|n)' holds -?Infinity at row \d+ of \d+/);
    }
    if (r.keelCode === "KEEL_ERR_EMPTY_INPUT") expect(message).toMatch(/cannot fit on 0 rows/);
    if (r.keelCode === "KEEL_ERR_INVALID_PARAM") {
      expect(message).toMatch(/(unknownValue|encodedMissingValue) = \d+ is already the code/);
    }
  });
});

describe("pairwiseSum reproduces NumPy's sums bit for bit", () => {
  it.each(fixtures.sums.map((c) => [`${c.dataset}.${c.column}`, c] as const))("%s", (_n, c) => {
    const values = fixtureFrame(fixtures, { dataset: c.dataset, columns: [c.column] }).numeric(
      c.column,
    );
    expect(pairwiseSum(values, { nanAsZero: true })).toBe(c.nansum);
    if (c.sum !== null) expect(pairwiseSum(values)).toBe(c.sum);
    else expect(pairwiseSum(values)).toBeNaN();
  });
});
