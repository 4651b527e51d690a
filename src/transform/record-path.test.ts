import { describe, expect, it } from "vitest";
import { decodeState, type EstimatorState, encodeState } from "../core/index.js";
import {
  ColumnTransformer,
  DeriveColumns,
  type FittedPipeline,
  KBinsDiscretizer,
  loadFitted,
  OneHotEncoder,
  OrdinalEncoder,
  Pipeline,
  SimpleImputer,
  StandardScaler,
  selectCategorical,
  selectNumeric,
  TargetEncoder,
  transformLoaders,
} from "./index.js";
import { readTelco, sampleRows } from "./testing/index.js";

const telco = readTelco();

/** Every kind of step the serving path must reproduce, on the 19 Telco feature columns. */
function churnPreprocessing(): Pipeline {
  return new Pipeline([
    [
      "derive",
      new DeriveColumns({
        columns: {
          charges_per_month: "total_charges / tenure",
          long_contract: 'contract != "Month-to-month"',
          log_total: "log1p(coalesce(total_charges, 0))",
        },
      }),
    ],
    [
      "cols",
      new ColumnTransformer(
        [
          [
            "num",
            new Pipeline([
              ["impute", new SimpleImputer({ strategy: "median", addIndicator: true })],
              ["scale", new StandardScaler()],
            ]),
            selectNumeric(),
          ],
          ["bins", new KBinsDiscretizer({ nBins: 4, encode: "ordinal" }), ["tenure"]],
          ["target", new TargetEncoder({ seed: 3 }), ["payment_method"]],
          ["ord", new OrdinalEncoder(), ["contract"]],
          [
            "cat",
            new OneHotEncoder({ handleUnknown: "infrequentIfExist", minFrequency: 200 }),
            selectCategorical({ exclude: ["contract", "payment_method"] }),
          ],
        ],
        { remainder: "drop" },
      ),
    ],
  ]);
}

describe("transformRecord equals transform", () => {
  it("on 10,000 Telco rows through a fitted, JSON round-tripped churn pipeline", async () => {
    const x = telco.drop(["churn"]);
    const fitted = await churnPreprocessing().fit(x, telco.column("churn"));
    const json = JSON.stringify(encodeState(fitted.toState() as never));
    const served = loadFitted(
      decodeState(JSON.parse(json)) as unknown as EstimatorState,
      transformLoaders,
    ) as FittedPipeline;

    const rows = sampleRows(x, 10_000, 2026);
    const batch = fitted.transform(rows);
    const names = batch.columnNames;
    expect(names.length).toBeGreaterThan(30);
    expect(served.featureNamesOut()).toEqual(names);
    const columns = names.map((name) => batch.numeric(name));
    let compared = 0;
    for (let i = 0; i < rows.nRows; i++) {
      const record = served.transformRecord(rows.row(i));
      for (let j = 0; j < names.length; j++) {
        const expected = (columns[j] as Float64Array)[i] as number;
        const got = record[names[j] as string];
        const same = Number.isNaN(expected) ? got === null : Object.is(got, expected);
        if (!same)
          expect.fail(`row ${i}, column '${names[j]}': record ${String(got)} vs batch ${expected}`);
        compared++;
      }
    }
    expect(compared).toBe(10_000 * names.length);
  });
});
