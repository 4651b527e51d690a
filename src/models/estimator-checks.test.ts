import { describe, expect, it } from "vitest";
import {
  type Column,
  type Estimator,
  type FittedModel,
  type Frame,
  isKeelError,
  numericColumn,
  Rng,
  stringColumn,
} from "../core/index.js";
import {
  ESTIMATOR_CHECK_NAMES,
  estimatorChecks,
  Pipeline,
  SimpleImputer,
  StandardScaler,
  transformLoaders,
} from "../transform/index.js";
import {
  GbdtClassifier,
  GbdtRegressor,
  LinearRegression,
  LogisticRegression,
  modelLoaders,
} from "./index.js";
import { syntheticClassification } from "./testing/synthetic.js";

// Small seeded data: GBDT gets a categorical column and missing values; the linear models
// need complete numeric input, so they get the numeric columns without NaN.
const { x: mixed, y: labels } = syntheticClassification(120, 3);
const rng = new Rng(5);
const numeric = mixed
  .select(["x0"])
  .withColumn("x2", numericColumn(Float64Array.from({ length: 120 }, () => rng.normal())));
const amount = numericColumn(
  Float64Array.from(
    { length: 120 },
    (_, i) => 2 * numeric.numeric("x0")[i]! - numeric.numeric("x2")[i]! + 0.1 * rng.normal(),
  ),
);
const loaders = { ...transformLoaders, ...modelLoaders };

describe("estimatorChecks on every model", () => {
  it.each([
    ["GbdtClassifier", () => new GbdtClassifier({ nEstimators: 8 }), mixed, labels, "allowed"],
    ["GbdtRegressor", () => new GbdtRegressor({ nEstimators: 8 }), mixed, amount, "allowed"],
    ["LogisticRegression", () => new LogisticRegression(), numeric, labels, "rejected"],
    ["LinearRegression", () => new LinearRegression(), numeric, amount, "rejected"],
  ] as const)("%s", async (_name, factory, data: Frame, y: Column, missing) => {
    const passed = await estimatorChecks(factory, { data, y, loaders, missing, recordRows: 40 });
    expect(passed).toEqual([...ESTIMATOR_CHECK_NAMES]);
  });

  it("a Pipeline ending in a model (its predictRecord, sampleWeight passed to the model)", async () => {
    const factory = () =>
      new Pipeline([
        ["impute", new SimpleImputer()],
        ["scale", new StandardScaler()],
        ["model", new LogisticRegression()],
      ]);
    const data = mixed.select(["x0", "x1"]);
    const passed = await estimatorChecks(factory, { data, y: labels, loaders, missing: "filled" });
    expect(passed).toEqual([...ESTIMATOR_CHECK_NAMES]);
  });

  it("reports a model that drops sampleWeight", async () => {
    const ignoresWeights = (): Estimator<FittedModel> => ({
      type: "LinearRegression",
      params: {},
      withParams: () => ignoresWeights(),
      fit: (x, y, options) =>
        new LinearRegression().fit(x, y, { ...options, sampleWeight: undefined }),
    });
    await expect(
      estimatorChecks(ignoresWeights, { data: numeric, y: amount, loaders, missing: "rejected" }),
    ).rejects.toThrow(
      /failed 1 estimator check\(s\):\n- invalid sample weights are a clear KeelError: sampleWeight with NaN at row 1 was accepted/,
    );
  });
});

describe("models refuse empty and infinite input with the transforms' errors", () => {
  const models = [
    ["GbdtClassifier", () => new GbdtClassifier({ nEstimators: 3 }), labels],
    ["GbdtRegressor", () => new GbdtRegressor({ nEstimators: 3 }), amount],
    ["LogisticRegression", () => new LogisticRegression(), labels],
    ["LinearRegression", () => new LinearRegression(), amount],
  ] as const;

  const caught = (body: () => unknown): unknown => {
    try {
      body();
    } catch (error) {
      return error;
    }
    throw new Error("expected an error");
  };

  it.each(models)("%s refuses 0 rows with KEEL_ERR_EMPTY_INPUT", (name, factory, y) => {
    const error = caught(() => factory().fit(numeric.slice(0, 0), firstRows(y, 0)));
    expect(isKeelError(error, "KEEL_ERR_EMPTY_INPUT")).toBe(true);
    expect(String(error)).toContain(`${name}: cannot fit on 0 rows (columns 'x0', 'x2')`);
  });

  it.each(models)("%s names column, row and value of ±Infinity", (name, factory, y) => {
    const x2 = Float64Array.from(numeric.numeric("x2"));
    x2[17] = Number.NEGATIVE_INFINITY;
    const poisoned = numeric.withColumn("x2", numericColumn(x2));
    const atFit = caught(() => factory().fit(poisoned, y));
    const atPredict = caught(() => factory().fit(numeric, y).predict(poisoned));
    for (const error of [atFit, atPredict]) {
      expect(isKeelError(error, "KEEL_ERR_NON_FINITE")).toBe(true);
      if (!isKeelError(error)) continue;
      expect(error.message).toContain(`${name}: column 'x2' holds -Infinity at row 17 of 120`);
      expect(error.details).toMatchObject({ column: "x2", row: 17, value: "-Infinity" });
    }
  });

  it("GBDT reports the frame row on the compiled-kernel path (512+ rows) too", () => {
    const big = syntheticClassification(600, 4);
    const model = new GbdtClassifier({ nEstimators: 3 }).fit(big.x, big.y);
    const x0 = Float64Array.from(big.x.numeric("x0"));
    x0[550] = Number.POSITIVE_INFINITY;
    const error = caught(() => model.predictProba(big.x.withColumn("x0", numericColumn(x0))));
    expect(isKeelError(error, "KEEL_ERR_NON_FINITE")).toBe(true);
    expect(String(error)).toContain("column 'x0' holds Infinity at row 550 of 600");
  });

  it("GbdtClassifier.predictRecord refuses Infinity naming the field", () => {
    const model = new GbdtClassifier({ nEstimators: 3 }).fit(mixed, labels);
    const error = caught(() => model.predictRecord({ x0: Number.POSITIVE_INFINITY, x1: 0 }));
    expect(isKeelError(error, "KEEL_ERR_NON_FINITE")).toBe(true);
    expect(String(error)).toContain("GbdtClassifier: column 'x0' holds Infinity;");
  });
});

describe("GBDT category order", () => {
  it("sorts string categories by code point, as transform and Python do", () => {
    // UTF-16 order puts the emoji (a surrogate pair, 0xD83D…) before U+FF01; code points do not.
    const words = ["\u{1F600}", "\uFF01", "a"];
    const x = mixed.withColumn(
      "word",
      stringColumn(Array.from({ length: 120 }, (_, i) => words[i % 3]!)),
    );
    const model = new GbdtClassifier({ nEstimators: 2 }).fit(x, labels);
    expect(model.features.find((f) => f.name === "word")?.categories).toEqual([
      "a",
      "\uFF01",
      "\u{1F600}",
    ]);
  });
});

function firstRows(column: Column, k: number): Column {
  return mixed.withColumn("y", column).slice(0, k).column("y");
}
