import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKeelError } from "../../core/index.js";
import { readFrame } from "../../data/index.js";
import { GbdtClassifier } from "../gbdt/gbdt-estimator.js";
import { readBundleData } from "./bundle-data.js";
import { ModelBundle } from "./model-bundle.js";

const TELCO = join(import.meta.dirname, "..", "..", "..", "data", "telco_churn.csv");

describe("readBundleData: scoring with the bundle's own schema", () => {
  let dir = "";
  let bundle: ModelBundle;
  let tenureZero = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keel-bundle-data-"));
    const lines = (await readFile(TELCO, "utf8")).trimEnd().split("\n");
    // The customers with tenure 0 have not been billed yet: total_charges is blank in all 11.
    const zero = lines.slice(1).filter((l) => l.split(",")[5] === "0");
    expect(zero).toHaveLength(11);
    tenureZero = join(dir, "tenure-zero.csv");
    await writeFile(tenureZero, `${[lines[0], ...zero].join("\n")}\n`);
    const train = await readFrame(TELCO, { sql: "SELECT * FROM data LIMIT 1000" });
    const x = train.drop(["churn"]);
    const model = new GbdtClassifier({ nEstimators: 10, positiveClass: "Yes" }).fit(
      x,
      train.column("churn"),
    );
    bundle = new ModelBundle({
      model,
      inputSignature: { columns: x.schema(), target: "churn" },
      lineage: { params: {}, codeVersion: "test", createdAt: "2026-01-01T00:00:00.000Z" },
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads the 11 tenure-0 Telco rows (every total_charges blank) as missing numbers", async () => {
    // Inferred from this batch alone the column is not numeric, and the model refuses it.
    const inferred = await readFrame(tenureZero);
    expect(inferred.column("total_charges").kind).not.toBe("numeric");
    expect(() => bundle.predictProba(inferred)).toThrow(/total_charges/);
    const frame = await readBundleData(bundle.inputSignature, tenureZero);
    expect(frame.column("total_charges").kind).toBe("numeric");
    const proba = bundle.predictProba(frame);
    expect(proba).toHaveLength(22);
    for (const p of proba) expect(p).toBeGreaterThanOrEqual(0);
    // The target is not in the signature: it is inferred as usual.
    expect(frame.column("churn").kind).toBe("categorical");
  });

  it("keeps numeric-looking categories categorical and reads an empty boolean column", async () => {
    const training = join(dir, "plans.csv");
    await writeFile(
      training,
      `plan,vip,amount,y\n${Array.from(
        { length: 40 },
        (_, i) => `${["basic", "10", "20"][i % 3]},${i % 2 === 0},${i},${i % 4 === 0 ? "a" : "b"}`,
      ).join("\n")}\n`,
    );
    const train = await readFrame(training);
    expect(train.schema().map((c) => c.kind)).toEqual([
      "categorical",
      "boolean",
      "numeric",
      "categorical",
    ]);
    const x = train.drop(["y"]);
    const signature = { columns: x.schema(), target: "y" };
    const batch = join(dir, "batch.csv");
    await writeFile(batch, "amount,plan,vip,extra\n3,10,,x\n5,20,,y\n");
    const frame = await readBundleData(signature, batch);
    expect(frame.column("plan").kind).toBe("categorical");
    expect(frame.column("vip").kind).toBe("boolean");
    expect(frame.column("amount").kind).toBe("numeric");
    const model = new GbdtClassifier({ nEstimators: 3 }).fit(x, train.column("y"));
    expect(model.predictProba(frame)).toHaveLength(4);
  });

  it("leaves a missing column to the bundle's one error naming every missing column", async () => {
    const partial = join(dir, "partial.csv");
    await writeFile(partial, "tenure,contract\n3,One year\n");
    const frame = await readBundleData(bundle.inputSignature, partial);
    try {
      bundle.predictProba(frame);
      expect.unreachable();
    } catch (error) {
      expect(isKeelError(error) && error.code).toBe("KEEL_ERR_SCHEMA_MISMATCH");
    }
  });

  it("applies a query over the file", async () => {
    const frame = await readBundleData(bundle.inputSignature, TELCO, {
      sql: "SELECT * FROM data WHERE tenure = 0",
    });
    expect(frame.nRows).toBe(11);
    expect(frame.column("total_charges").kind).toBe("numeric");
  });
});
