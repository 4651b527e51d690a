import { describe, expect, it } from "vitest";
import {
  categoricalFromValues,
  Frame,
  isKeelError,
  type KeelError,
  numericColumn,
} from "../core/index.js";
import {
  ColumnTransformer,
  KBinsDiscretizer,
  MinMaxScaler,
  OneHotEncoder,
  OrdinalEncoder,
  Pipeline,
  RobustScaler,
  SimpleImputer,
  StandardScaler,
  TargetEncoder,
} from "./index.js";

const frame = Frame.fromColumns({
  tenure: numericColumn([1, 5, 12, Number.NaN]),
  home: categoricalFromValues(["rent", "own", "rent", null]),
});

async function failure(body: () => unknown): Promise<KeelError> {
  try {
    await body();
  } catch (error) {
    if (isKeelError(error)) return error;
    throw error;
  }
  throw new Error("expected a KeelError");
}

describe("bad input gives a KeelError naming estimator, step path, column and expectation", () => {
  it("unknown column in a ColumnTransformer", async () => {
    const error = await failure(() =>
      new Pipeline([
        ["cols", new ColumnTransformer([["num", new StandardScaler(), ["tenur"]]])],
      ]).fit(frame),
    );
    expect(error.code).toBe("KEEL_ERR_COLUMN_NOT_FOUND");
    expect(error.message).toMatch(
      /step 'cols\.num'.*column 'tenur' is not in the frame.*Did you mean 'tenure'/s,
    );
    expect(error.details).toMatchObject({ stepPath: "cols.num", column: "tenur" });
  });

  it("numeric transformer on a categorical column", async () => {
    const error = await failure(() =>
      new Pipeline([
        [
          "cols",
          new ColumnTransformer([
            ["num", new Pipeline([["scale", new RobustScaler()]]), ["tenure", "home"]],
          ]),
        ],
      ]).fit(frame),
    );
    expect(error.code).toBe("KEEL_ERR_COLUMN_KIND");
    expect(error.message).toBe(
      "step 'cols.num.scale': RobustScaler: column 'home' must be a numeric or boolean column. Got a categorical column instead. Encode it first (OneHotEncoder, OrdinalEncoder) or route it with selectCategorical().",
    );
    expect(error.details).toMatchObject({
      estimator: "RobustScaler",
      stepPath: "cols.num.scale",
      column: "home",
      expected: "a numeric or boolean column",
      got: "categorical",
    });
    const imputer = await failure(() => new SimpleImputer({ strategy: "median" }).fit(frame));
    expect(imputer.message).toMatch(
      /SimpleImputer: column 'home' must be a numeric column for strategy 'median'/,
    );
  });

  it("unseen category with handleUnknown 'error'", async () => {
    const fitted = await new Pipeline([
      ["cols", new ColumnTransformer([["cat", new OneHotEncoder(), ["home"]]])],
    ]).fit(frame);
    const unseen = Frame.fromColumns({
      tenure: numericColumn([3, 4]),
      home: categoricalFromValues(["own", "boat"]),
    });
    const error = await failure(() => fitted.transform(unseen));
    expect(error.code).toBe("KEEL_ERR_UNKNOWN_CATEGORY");
    expect(error.message).toMatch(
      /^step 'cols\.cat': OneHotEncoder: column 'home' has category 'boat' \(row 1\), which was not seen at fit\. Expected one of 'own', 'rent' or missing\. Set handleUnknown/,
    );
    expect(error.details).toMatchObject({
      stepPath: "cols.cat",
      estimator: "OneHotEncoder",
      column: "home",
      value: "boat",
      row: 1,
    });
    const record = await failure(() => fitted.transformRecord({ tenure: 3, home: "boat" }));
    expect(record.code).toBe("KEEL_ERR_UNKNOWN_CATEGORY");
    const ordinal = await failure(() =>
      new OrdinalEncoder().fit(frame.select(["home"])).transform(unseen),
    );
    expect(ordinal.message).toMatch(
      /OrdinalEncoder: column 'home' has category 'boat'.*useEncodedValue/,
    );
  });

  it("transform on a frame missing a fitted column", async () => {
    const fitted = new StandardScaler().fit(frame.select(["tenure"]));
    const error = await failure(() => fitted.transform(frame.select(["home"])));
    expect(error.code).toBe("KEEL_ERR_SCHEMA_MISMATCH");
    expect(error.message).toBe(
      "StandardScaler: column 'tenure' was seen at fit but is missing from the frame (expected columns: 'tenure').",
    );
    const record = await failure(() => fitted.transformRecord({ tenur: 3 }));
    expect(record.message).toBe(
      "StandardScaler: the record has no field 'tenure', which was seen at fit. Did you mean 'tenur'?",
    );
    const nested = await new Pipeline([
      ["prep", new Pipeline([["scale", new StandardScaler()]])],
    ]).fit(frame.select(["tenure"]));
    const deep = await failure(() => nested.transform(frame.select(["home"])));
    expect(deep.details).toMatchObject({
      stepPath: "prep.scale",
      estimator: "StandardScaler",
      column: "tenure",
    });
  });

  it("params out of range, also through dotted paths", async () => {
    expect((await failure(() => new MinMaxScaler({ featureRange: [1, 0] }))).message).toBe(
      "The 'featureRange' parameter of MinMaxScaler must be a pair [low, high] with low < high, each in (-inf, inf). Got [1, 0] instead.",
    );
    expect((await failure(() => new KBinsDiscretizer({ nBins: 1 }))).message).toMatch(
      /'nBins' parameter of KBinsDiscretizer must be an integer in \[2, inf\)\. Got 1/,
    );
    expect((await failure(() => new OneHotEncoder({ minFrequency: 0 }))).code).toBe(
      "KEEL_ERR_INVALID_PARAM",
    );
    expect((await failure(() => new TargetEncoder({ smooth: -1 }))).message).toMatch(
      /'smooth' parameter of TargetEncoder must be 'auto' or a number ≥ 0/,
    );
    const pipeline = new Pipeline([
      ["cols", new ColumnTransformer([["num", new RobustScaler(), ["tenure"]]])],
    ]);
    const error = await failure(() => pipeline.withParams({ "cols.num.quantileRange": [10, 200] }));
    expect(error.message).toBe(
      "step 'cols.num': The 'quantileRange' parameter of RobustScaler must be a pair [low, high] with low < high, each in [0, 100]. Got [10, 200] instead.",
    );
    expect(error.details).toMatchObject({ stepPath: "cols.num", owner: "RobustScaler" });
    expect(
      (await failure(() => new ColumnTransformer([], { remainder: "keep" as "drop" }))).message,
    ).toMatch(/'remainder' parameter of ColumnTransformer/);
  });

  it("a model-only step in the middle of a pipeline", async () => {
    const model = {
      type: "Model",
      params: {},
      withParams: () => model,
      fit: () => ({
        type: "Model",
        featureNamesIn: [],
        task: "binary" as const,
        classes: ["a", "b"],
        predict: () => new Float64Array(0),
        predictProba: () => new Float64Array(0),
        toState: () => ({ type: "Model", version: 1, params: {}, state: null }),
      }),
    };
    const error = await failure(() =>
      new Pipeline([
        ["model", model],
        ["scale", new StandardScaler()],
      ]).fit(frame.select(["tenure"])),
    );
    expect(error.message).toMatch(
      /step 'model' \(Model\) is not a transformer, but only the last step may be a model/,
    );
  });
});

describe("hard inputs scikit-learn refuses are refused with keel's clear errors", () => {
  it("±Infinity names the column, row, row count and value, at fit, transform and per record", async () => {
    const infinite = frame.withColumn("tenure", numericColumn([1, Number.POSITIVE_INFINITY, 3, 4]));
    const atFit = await failure(() => new StandardScaler().fit(infinite.select(["tenure"])));
    expect(atFit.code).toBe("KEEL_ERR_NON_FINITE");
    expect(atFit.message).toBe(
      "StandardScaler: column 'tenure' holds Infinity at row 1 of 4; expected finite numbers (NaN for missing). Replace or drop infinite values before this step.",
    );
    expect(atFit.details).toMatchObject({ column: "tenure", row: 1, rows: 4, value: "Infinity" });
    const fitted = new MinMaxScaler().fit(frame.select(["tenure"]));
    const atTransform = await failure(() => fitted.transform(infinite));
    expect(atTransform.code).toBe("KEEL_ERR_NON_FINITE");
    const atRecord = await failure(() =>
      fitted.transformRecord({ tenure: Number.NEGATIVE_INFINITY }),
    );
    expect(atRecord.message).toMatch(
      /MinMaxScaler: column 'tenure' holds -Infinity; expected finite/,
    );
    const encoder = new OneHotEncoder().fit(frame.select(["tenure"]));
    const asCategory = await failure(() =>
      encoder.transformRecord({ tenure: Number.POSITIVE_INFINITY }),
    );
    expect(asCategory.code).toBe("KEEL_ERR_NON_FINITE");
  });

  it("fitting on 0 rows names the estimator and the columns, through Pipeline and ColumnTransformer too", async () => {
    const empty = frame.slice(0, 0);
    const direct = await failure(() => new RobustScaler().fit(empty.select(["tenure"])));
    expect(direct.code).toBe("KEEL_ERR_EMPTY_INPUT");
    expect(direct.message).toBe(
      "RobustScaler: cannot fit on 0 rows (columns 'tenure'); fit needs at least 1 row.",
    );
    const nested = await failure(() =>
      new Pipeline([
        ["cols", new ColumnTransformer([["num", new SimpleImputer(), ["tenure"]]])],
      ]).fit(empty),
    );
    expect(nested.code).toBe("KEEL_ERR_EMPTY_INPUT");
    // Transforming an empty batch is fine: it gives an empty batch.
    expect(new StandardScaler().fit(frame.select(["tenure"])).transform(empty).nRows).toBe(0);
  });

  it("OrdinalEncoder refuses codes that a seen category already has", async () => {
    const clash = await failure(() =>
      new OrdinalEncoder({ handleUnknown: "useEncodedValue", unknownValue: 1 }).fit(
        frame.select(["home"]),
      ),
    );
    expect(clash.code).toBe("KEEL_ERR_INVALID_PARAM");
    expect(clash.message).toMatch(
      /OrdinalEncoder: unknownValue = 1 is already the code of category 'rent' in column 'home'/,
    );
    const missing = await failure(() =>
      new OrdinalEncoder({ encodedMissingValue: 2 }).fit(frame.select(["home"])),
    );
    expect(missing.message).toMatch(
      /encodedMissingValue = 2 is already the code of category missing/,
    );
    // Outside the codes is fine, and so is a missing code for a column without missing values.
    new OrdinalEncoder({ handleUnknown: "useEncodedValue", unknownValue: -1 }).fit(
      frame.select(["home"]),
    );
    new OrdinalEncoder({ encodedMissingValue: 0 }).fit(frame.select(["tenure"]).slice(0, 3));
  });

  it("TargetEncoder refuses an infinite target", async () => {
    const error = await failure(() =>
      new TargetEncoder({ targetType: "continuous" }).fit(
        frame.select(["home"]),
        numericColumn([1, 2, Number.POSITIVE_INFINITY, 4]),
      ),
    );
    expect(error.code).toBe("KEEL_ERR_NON_FINITE");
  });

  it("KBinsDiscretizer puts a value on an edge in the upper bin and one just below in the lower", () => {
    const fitted = new KBinsDiscretizer({ nBins: 3, strategy: "uniform", encode: "ordinal" }).fit(
      Frame.fromColumns({ v: numericColumn([0, 1, 2, 3]) }),
    );
    const out = fitted.transform(
      Frame.fromColumns({ v: numericColumn([0.99999, 1, 1.9999999999999998, 2, 3, -1, 9]) }),
    );
    expect(Array.from(out.numeric("v"))).toEqual([0, 1, 1, 2, 2, 0, 2]);
    // The quantile example: scikit-learn 1.2.1 gives [0, 0, 1, 2, 3, 3].
    const big = Frame.fromColumns({
      v: numericColumn([100000, 100001, 100002, 100003, 100004, 100005]),
    });
    const quantile = new KBinsDiscretizer({ nBins: 4, encode: "ordinal" }).fit(big);
    expect(Array.from(quantile.transform(big).numeric("v"))).toEqual([0, 0, 1, 2, 3, 3]);
  });

  it("StandardScaler standardises a constant column of ten 0.1s to 0, as scikit-learn", () => {
    const tenths = Frame.fromColumns({ x: numericColumn(new Float64Array(10).fill(0.1)) });
    const fitted = new StandardScaler().fit(tenths);
    expect(fitted.scale[0]).toBe(1);
    for (const v of fitted.transform(tenths).numeric("x")) expect(Math.abs(v)).toBeLessThan(1e-15);
  });
});
