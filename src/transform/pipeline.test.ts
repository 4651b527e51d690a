import { describe, expect, it } from "vitest";
import {
  categoricalFromValues,
  decodeState,
  type Estimator,
  type EstimatorState,
  encodeState,
  type FittedModel,
  Frame,
  isKeelError,
  numericColumn,
  type StateLoader,
} from "../core/index.js";
import {
  ColumnTransformer,
  estimatorChecks,
  loadFitted,
  OneHotEncoder,
  Pipeline,
  SimpleImputer,
  StandardScaler,
  selectCategorical,
  selectNumeric,
  transformLoaders,
} from "./index.js";
import { readTelco } from "./testing/index.js";

const telco = readTelco().slice(0, 500);
const x = telco.drop(["churn"]);

function preprocessing() {
  return new ColumnTransformer([
    [
      "num",
      new Pipeline([
        ["impute", new SimpleImputer({ strategy: "median" })],
        ["scale", new StandardScaler()],
      ]),
      selectNumeric(),
    ],
    ["cat", new OneHotEncoder({ handleUnknown: "ignore" }), selectCategorical()],
  ]);
}

/** A tiny model with keel's estimator contract: predicts the mean of `y` over a linear score. */
class MeanModel implements Estimator<FittedMeanModel> {
  readonly type = "MeanModel";
  constructor(readonly params: { readonly shift: number } = { shift: 0 }) {}
  withParams(patch: Readonly<Record<string, unknown>>): MeanModel {
    return new MeanModel({ ...this.params, ...(patch as { shift?: number }) });
  }
  async fit(features: Frame): Promise<FittedMeanModel> {
    await Promise.resolve();
    return new FittedMeanModel(features.columnNames, this.params.shift);
  }
}

class FittedMeanModel implements FittedModel {
  readonly type = "MeanModel";
  readonly task = "binary" as const;
  readonly classes = ["No", "Yes"];
  constructor(
    readonly featureNamesIn: readonly string[],
    readonly shift: number,
  ) {}
  predictProba(features: Frame): Float64Array {
    const out = new Float64Array(features.nRows * 2);
    for (let i = 0; i < features.nRows; i++) {
      let s = this.shift;
      for (const name of this.featureNamesIn) s += features.numeric(name)[i] ?? 0;
      const p = 1 / (1 + Math.exp(-s));
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  }
  predict(features: Frame): Float64Array {
    const p = this.predictProba(features);
    return Float64Array.from({ length: features.nRows }, (_, i) =>
      (p[2 * i + 1] ?? 0) > 0.5 ? 1 : 0,
    );
  }
  toState(): EstimatorState {
    return {
      type: this.type,
      version: 1,
      params: { shift: this.shift },
      state: { names: [...this.featureNamesIn] },
    };
  }
}

const loadMeanModel: StateLoader<FittedMeanModel> = (state) =>
  new FittedMeanModel((state.state as { names: string[] }).names, state.params.shift as number);

describe("ColumnTransformer and Pipeline", () => {
  it("names outputs like scikit-learn's get_feature_names_out", async () => {
    const fitted = await preprocessing().fit(x);
    const names = fitted.featureNamesOut();
    expect(names.slice(0, 3)).toEqual(["num__female", "num__senior_citizen", "num__partner"]);
    expect(names).toContain("cat__contract_One year");
    expect(names).toContain("cat__internet_service_No");
    expect(fitted.transform(x).columnNames).toEqual(names);
  });

  it("passes estimatorChecks", async () => {
    await estimatorChecks(() => preprocessing(), { data: x, missing: "filled" });
    await estimatorChecks(() => new Pipeline([["prep", preprocessing()]]), {
      data: x,
      missing: "filled",
    });
  });

  it("addresses nested params by dotted path and never mutates", async () => {
    const pipeline = new Pipeline([
      ["cols", preprocessing()],
      ["model", new MeanModel()],
    ]);
    expect(pipeline.params["cols.num.scale.withMean"]).toBe(true);
    const tuned = pipeline.withParams({ "cols.num.scale.withMean": false, "model.shift": 2 });
    expect(tuned.params["cols.num.scale.withMean"]).toBe(false);
    expect(tuned.params["model.shift"]).toBe(2);
    expect(pipeline.params["cols.num.scale.withMean"]).toBe(true);
    expect(() => pipeline.withParams({ "cols.num.scale.withMeen": false })).toThrow(/withMean/);
    expect(() => pipeline.withParams({ "colz.num": 1 })).toThrow(
      /no step named 'colz'.*Did you mean 'cols'/,
    );
  });

  it("ends in a model: predicts by preprocessing first, and round-trips through JSON", async () => {
    const pipeline = new Pipeline([
      ["cols", preprocessing()],
      ["model", new MeanModel({ shift: -3 })],
    ]);
    const fitted = await pipeline.fit(x, telco.column("churn"));
    expect(fitted.finalStepKind).toBe("model");
    expect(fitted.task).toBe("binary");
    const proba = fitted.predictProba(x);
    const one = fitted.predictProbaRecord(x.row(4));
    expect(Array.from(one)).toEqual([proba[8], proba[9]]);
    expect(() => fitted.transform(x)).toThrow(/predict/);
    const loaders = { ...transformLoaders, MeanModel: loadMeanModel };
    const json = JSON.stringify(encodeState(fitted.toState() as never));
    const again = loadFitted(decodeState(JSON.parse(json)) as unknown as EstimatorState, loaders);
    expect(again.type).toBe("Pipeline");
    expect(Array.from((again as typeof fitted).predictProba(x))).toEqual(Array.from(proba));
    expect(() => loadFitted(fitted.toState(), transformLoaders)).toThrow(
      /No loader for fitted type 'MeanModel'/,
    );
  });

  it("passes estimatorChecks when it ends in a model", async () => {
    await estimatorChecks(
      () =>
        new Pipeline([
          ["cols", preprocessing()],
          ["model", new MeanModel({ shift: -1 })],
        ]),
      {
        data: x,
        y: telco.column("churn"),
        loaders: { ...transformLoaders, MeanModel: loadMeanModel },
        missing: "filled",
        // MeanModel is a test double that weighs nothing.
        sampleWeight: "ignored",
      },
    );
  });

  it("passes the remainder through and selects by regex", async () => {
    const frame = Frame.fromColumns({
      a_1: numericColumn([1, 2, 3]),
      a_2: numericColumn([4, 5, 6]),
      b: categoricalFromValues(["x", "y", null]),
    });
    const ct = new ColumnTransformer([["a", new StandardScaler(), /^a_/]], {
      remainder: "passthrough",
    });
    const fitted = await ct.fit(frame);
    expect(fitted.featureNamesOut()).toEqual(["a__a_1", "a__a_2", "remainder__b"]);
    expect(fitted.transformRecord({ a_1: 2, a_2: 4, b: "y" })).toEqual({
      a__a_1: 0,
      a__a_2: -Math.sqrt(1.5),
      remainder__b: "y",
    });
  });

  it("names the step path, estimator and column in errors", async () => {
    const bad = new Pipeline([
      ["cols", new ColumnTransformer([["num", new StandardScaler(), ["tenure", "contract"]]])],
    ]);
    const error = await bad.fit(x).catch((e: unknown) => e);
    expect(isKeelError(error, "KEEL_ERR_COLUMN_KIND")).toBe(true);
    expect(String((error as Error).message)).toMatch(
      /step 'cols\.num': StandardScaler: column 'contract' must be a numeric/,
    );
    expect((error as { details: Record<string, unknown> }).details).toMatchObject({
      stepPath: "cols.num",
      estimator: "StandardScaler",
      column: "contract",
    });

    const fitted = await preprocessing().fit(x);
    expect(() => fitted.transform(x.drop(["tenure"]))).toThrow(
      /step 'num'.*'tenure' was seen at fit but is missing/,
    );
    const missingCol = await new ColumnTransformer([["num", new StandardScaler(), ["tenur"]]])
      .fit(x)
      .catch((e: unknown) => e);
    expect(isKeelError(missingCol, "KEEL_ERR_COLUMN_NOT_FOUND")).toBe(true);
    expect(String((missingCol as Error).message)).toMatch(/'tenur'.*Did you mean 'tenure'/);
  });
});
