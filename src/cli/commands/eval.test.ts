import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const dir = mkdtempSync(join(tmpdir(), "keel-eval-"));
const model = join(dir, "model");
const policy = (gates: unknown[], cv?: unknown) => {
  const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(cv === undefined ? { gates } : { cv, gates }));
  return file;
};

describe("keel eval on the Telco data", () => {
  beforeAll(async () => {
    const io = captureIo();
    const code = await runCli(
      [
        "train",
        "--data",
        "data/telco_churn.csv",
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--param",
        "nEstimators=30",
        "--out",
        model,
      ],
      io,
    );
    expect(code, io.stderr()).toBe(0);
  });

  it("prints the gate table, writes the report and exits 0 when every gate passes", async () => {
    const io = captureIo();
    const report = join(dir, "out", "report.html");
    const file = policy(
      [
        { metric: "rocAuc", min: 0.8 },
        { metric: "precisionAtRecall", recall: 0.8, min: 0.4 },
        { bias: "equalOpportunityDifference", by: "senior_citizen", max: 0.5 },
        { compare: "champion", metric: "rocAuc", minRelativeImprovement: 0.01, optional: true },
      ],
      { folds: 3, stratified: true },
    );
    const code = await runCli(
      [
        "eval",
        "--model",
        model,
        "--data",
        "data/telco_churn.csv",
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--policy",
        file,
        "--report",
        report,
      ],
      io,
    );
    expect(code, io.stderr()).toBe(0);
    const out = io.stdout();
    // The data is the model's training file: gates read out-of-fold predictions, and say so.
    expect(out).toMatch(
      /^Judged on out-of-fold predictions of 7,?043 rows by the model's recipe refitted in 3 folds, because the evaluation rows are its training rows \(the data file's SHA-256 equals the training data hash in the bundle's lineage \(trained on data\/telco_churn\.csv\)\)\./,
    );
    expect(out).toMatch(/rocAuc ≥ 0\.8\s+0\.8\d+\s+PASS\s+from out-of-fold predictions/);
    expect(out).toMatch(/equalOpportunityDifference\[senior_citizen\] ≤ 0\.5\s+[\d.]+\s+PASS/);
    expect(out).toMatch(/SKIPPED\s+no champion model was given.*\(optional gate: skipped\)/);
    expect(out).toContain("All gates passed.");
    const html = readFileSync(report, "utf8");
    expect(html).toContain("<svg");
    expect(existsSync(join(dir, "out", "report.json"))).toBe(true);
  });

  it("exits 1 when a gate fails, with the same model as champion for the compare gate", async () => {
    const io = captureIo();
    const file = policy(
      [
        { metric: "rocAuc", min: 0.99 },
        { compare: "champion", metric: "rocAuc", minRelativeImprovement: 0.01 },
      ],
      { folds: 2 },
    );
    const code = await runCli(
      [
        "eval",
        "--model",
        model,
        "--champion",
        model,
        "--data",
        "data/telco_churn.csv",
        "--policy",
        file,
        "--json",
      ],
      io,
    );
    expect(code).toBe(1);
    const result = JSON.parse(io.stdout()) as {
      passed: boolean;
      gates: { name: string; status: string; value: number; source?: string }[];
    };
    expect(result.passed).toBe(false);
    expect(result.gates.map((g) => g.status)).toEqual(["fail", "fail"]);
    expect(result.gates[0]!.source).toBe("out-of-fold");
    // Same recipe, same folds, same seeds: the champion's out-of-fold predictions are the same.
    expect(result.gates[1]!.value).toBe(0);
  });

  it("--experiment tracks the evaluation as a run with the report as artifacts", async () => {
    const io = { ...captureIo(), cwd: dir };
    let out = "";
    io.out = (t: string) => {
      out += t;
    };
    const file = policy([{ metric: "rocAuc", min: 0.5 }]);
    const code = await runCli(
      [
        "eval",
        "--model",
        model,
        "--data",
        join(process.cwd(), "data/telco_churn.csv"),
        "--policy",
        file,
        "--experiment",
        "churn-eval",
      ],
      io,
    );
    expect(code, io.stderr()).toBe(0);
    expect(out).toMatch(/note: tracked as run \w+ in experiment 'churn-eval'/);
    expect(existsSync(join(dir, ".keel"))).toBe(true);
  });

  it("a policy naming an unknown metric is a usage error with a did-you-mean (exit 2)", async () => {
    const io = captureIo();
    const file = policy([{ metric: "rocAUC", min: 0.8 }]);
    const code = await runCli(
      ["eval", "--model", model, "--data", "data/telco_churn.csv", "--policy", file],
      io,
    );
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(
      /^error KEEL_ERR_UNKNOWN_METRIC: .*policy-\w+\.json: \$\.gates\[0\]\.metric: unknown metric 'rocAUC'\. Did you mean 'rocAuc'/,
    );
  });
});
