import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Frame, isKeelError, KeelError } from "../../core/index.js";
import { readFrame } from "../../data/index.js";
import { linearPreprocessing } from "../../transform/index.js";
import { GbdtClassifier, GbdtRegressor } from "../gbdt/index.js";
import { LinearRegression, LogisticRegression } from "../linear/index.js";
import { ModelBundle } from "./model-bundle.js";

const TELCO = join(import.meta.dirname, "../../../data/telco_churn.csv");
const ROWS = 10_000;

const lineage = { params: {}, codeVersion: "test", createdAt: "2026-01-01T00:00:00.000Z" };

function expectSameRows(bundle: ModelBundle, x: Frame, batch: Float64Array, width: number): void {
  let mismatches = 0;
  for (let i = 0; i < x.nRows; i++) {
    const one =
      bundle.task === "regression"
        ? Float64Array.of(bundle.predictRecord(x.row(i)))
        : bundle.predictProbaRecord(x.row(i));
    for (let c = 0; c < width; c++) if (one[c] !== batch[i * width + c]) mismatches++;
  }
  expect(mismatches).toBe(0);
  // The batch record path (serving's), whole and in a range that crosses its 512-row pieces.
  const records = x.toRecords();
  const many = (options: { from?: number; to?: number }) =>
    bundle.task === "regression"
      ? bundle.predictValueRecords(records, options)
      : bundle.predictProbaRecords(records, options);
  expect(Buffer.from(many({}).buffer).equals(Buffer.from(batch.buffer))).toBe(true);
  const part = many({ from: 100, to: 1337 });
  expect(
    Buffer.from(part.buffer).equals(
      Buffer.from(batch.buffer, 100 * width * 8, (1337 - 100) * width * 8),
    ),
  ).toBe(true);
}

describe("bundle record path on 10,000 Telco rows", () => {
  let x: Frame;
  let y: Frame;
  beforeAll(async () => {
    const telco = await readFrame(TELCO);
    // 10,000 rows: the file's 7,043 and then its first rows again.
    const index = Array.from({ length: ROWS }, (_, i) => i % telco.nRows);
    const rows = telco.take(index);
    x = rows.drop(["churn"]);
    y = rows.select(["churn", "monthly_charges"]);
  });

  it("GBDT (native categoricals, missing values): predictProbaRecord equals predictProba", () => {
    const model = new GbdtClassifier({ nEstimators: 40, maxDepth: 6, seed: 1 }).fit(
      x,
      y.column("churn"),
    );
    const bundle = new ModelBundle({ model, inputSignature: { columns: x.schema() }, lineage });
    expectSameRows(bundle, x, bundle.predictProba(x), 2);
    const classes = bundle.predict(x);
    for (let i = 0; i < 500; i++) expect(bundle.predictRecord(x.row(i))).toBe(classes[i]);
  });

  it("GBDT with trees too deep to pad (lossguide): every record path equals predictProba", () => {
    const model = new GbdtClassifier({
      nEstimators: 15,
      growPolicy: "lossguide",
      numLeaves: 64,
      maxDepth: 0,
      seed: 2,
    }).fit(x, y.column("churn"));
    const bundle = new ModelBundle({ model, inputSignature: { columns: x.schema() }, lineage });
    expectSameRows(bundle, x, bundle.predictProba(x), 2);
  });

  it("GBDT regressor: predictRecord equals predict", () => {
    const features = x.drop(["monthly_charges"]);
    const model = new GbdtRegressor({ nEstimators: 30, seed: 1 }).fit(
      features,
      y.column("monthly_charges"),
    );
    const bundle = new ModelBundle({
      model,
      inputSignature: { columns: features.schema() },
      lineage,
    });
    expectSameRows(bundle, features, bundle.predict(features), 1);
  });

  it("logistic regression behind impute + scale + one-hot equals predictProba", async () => {
    const preprocessor = await linearPreprocessing().fit(x);
    const model = new LogisticRegression({ maxIter: 200 }).fit(
      preprocessor.transform(x),
      y.column("churn"),
    );
    const bundle = new ModelBundle({
      model,
      preprocessor,
      inputSignature: { columns: x.schema() },
      lineage,
    });
    expectSameRows(bundle, x, bundle.predictProba(x), 2);
  });

  it("linear regression behind the same preprocessing equals predict", async () => {
    const features = x.drop(["monthly_charges"]);
    const preprocessor = await linearPreprocessing().fit(features);
    const model = new LinearRegression().fit(
      preprocessor.transform(features),
      y.column("monthly_charges"),
    );
    const bundle = new ModelBundle({
      model,
      preprocessor,
      inputSignature: { columns: features.schema() },
      lineage,
    });
    expectSameRows(bundle, features, bundle.predict(features), 1);
  });

  it("refuses a string in a numeric field, and a missing field, naming each", () => {
    const model = new GbdtClassifier({ nEstimators: 5, seed: 1 }).fit(x, y.column("churn"));
    const bundle = new ModelBundle({ model, inputSignature: { columns: x.schema() }, lineage });
    const record = { ...x.row(0), tenure: "twelve" } as Record<string, unknown>;
    delete record.contract;
    let caught: unknown;
    try {
      bundle.predictProbaRecord(record as never);
    } catch (error) {
      caught = error;
    }
    expect(isKeelError(caught, "KEEL_ERR_RECORD_INVALID")).toBe(true);
    const error = caught as KeelError;
    expect(error.message).toContain('$.tenure: expected a numeric value, got "twelve"');
    expect(error.message).toContain("$.contract is missing (expected categorical)");
    expect(error.details).toMatchObject({
      count: 2,
      errors: [
        { path: "$.tenure", expected: "numeric", received: "twelve", problem: "wrong kind" },
        { path: "$.contract", expected: "categorical", received: null, problem: "missing" },
      ],
    });
    expect(error).toBeInstanceOf(KeelError);
  });
});
