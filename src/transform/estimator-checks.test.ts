import { describe, expect, it } from "vitest";
import { Frame, numericColumn, timestampColumn } from "../core/index.js";
import {
  ColumnTransformer,
  DatetimeFeatures,
  DeriveColumns,
  ESTIMATOR_CHECK_NAMES,
  estimatorChecks,
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
import { readTelco } from "./testing/index.js";

const telco = readTelco().slice(0, 300);
const numeric = telco.select(["tenure", "monthly_charges", "total_charges"]);
const categorical = telco.select(["contract", "internet_service", "payment_method"]);
const dates = Frame.fromColumns({
  at: timestampColumn(Array.from({ length: 200 }, (_, i) => Date.UTC(2020, 0, 1) + i * 37_000_000)),
  n: numericColumn(Array.from({ length: 200 }, (_, i) => i)),
});

describe("estimatorChecks", () => {
  it.each([
    ["SimpleImputer mean", () => new SimpleImputer(), numeric, "filled"],
    [
      "SimpleImputer mostFrequent + indicator",
      () => new SimpleImputer({ strategy: "mostFrequent", addIndicator: true }),
      telco.select(["tenure", "contract"]),
      "filled",
    ],
    ["StandardScaler", () => new StandardScaler(), numeric, "kept"],
    [
      "MinMaxScaler",
      () => new MinMaxScaler({ featureRange: [-1, 1], clip: true }),
      numeric,
      "kept",
    ],
    ["RobustScaler", () => new RobustScaler(), numeric, "kept"],
    [
      "OneHotEncoder",
      () => new OneHotEncoder({ handleUnknown: "ignore", minFrequency: 20 }),
      categorical,
      "filled",
    ],
    ["OrdinalEncoder", () => new OrdinalEncoder(), categorical, "kept"],
    ["KBinsDiscretizer", () => new KBinsDiscretizer({ nBins: 4 }), numeric, "allowed"],
    [
      "DatetimeFeatures",
      () => new DatetimeFeatures({ cyclic: true }),
      dates.select(["at"]),
      "allowed",
    ],
    [
      "DeriveColumns",
      () =>
        new DeriveColumns({
          columns: { ratio: "total_charges / tenure", flag: 'contract == "One year"' },
        }),
      telco.select(["tenure", "total_charges", "contract"]),
      "allowed",
    ],
    [
      "ColumnTransformer",
      () =>
        new ColumnTransformer(
          [
            [
              "num",
              new Pipeline([
                ["impute", new SimpleImputer()],
                ["scale", new RobustScaler()],
              ]),
              selectNumeric(),
            ],
            [
              "cat",
              new OneHotEncoder({ handleUnknown: "ignore" }),
              selectCategorical({ exclude: ["churn"] }),
            ],
          ],
          { remainder: "drop" },
        ),
      telco,
      "filled",
    ],
  ] as const)("%s", async (name, factory, data, missing) => {
    // DeriveColumns computes on its input and passes ±Infinity through (documented).
    const nonFinite = name === "DeriveColumns" ? "kept" : "rejected";
    const passed = await estimatorChecks(factory, { data, missing, nonFinite });
    expect(passed).toEqual([...ESTIMATOR_CHECK_NAMES]);
  });

  it("TargetEncoder (supervised, seeded cross-fitting)", async () => {
    const passed = await estimatorChecks(() => new TargetEncoder(), {
      data: categorical,
      y: telco.column("churn"),
      missing: "filled",
    });
    expect(passed).toHaveLength(ESTIMATOR_CHECK_NAMES.length);
  });

  it("reports every failing check of a broken estimator", async () => {
    // Declares NaN as rejected, but StandardScaler keeps it: that check must fail.
    await expect(
      estimatorChecks(() => new StandardScaler(), { data: numeric, missing: "rejected" }),
    ).rejects.toThrow(
      /StandardScaler failed 1 estimator check\(s\):\n- missing values are handled as documented/,
    );
  });
});
