import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFrame } from "../../data/index.js";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

// The copy committed in the repository, so the test does not depend on a folder beside it.
const TELCO = join(import.meta.dirname, "..", "..", "..", "data", "telco_churn.csv");

describe("keel train / keel predict on Telco", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keel-train-"));
    // The first 800 rows keep the test fast; unseen.csv adds a category training never saw.
    const lines = (await readFile(TELCO, "utf8")).trimEnd().split("\n");
    await writeFile(join(dir, "train.csv"), `${lines.slice(0, 801).join("\n")}\n`);
    const unseen = lines[801]!.split(",");
    unseen[17] = '"Crypto"'; // payment_method
    await writeFile(
      join(dir, "score.csv"),
      `${[lines[0], ...lines.slice(801, 851), unseen.join(",")].join("\n")}\n`,
    );
    // The 11 customers with tenure 0: total_charges is blank in every one of them.
    const zero = lines.slice(1).filter((l) => l.split(",")[5] === "0");
    await writeFile(join(dir, "tenure-zero.csv"), `${[lines[0], ...zero].join("\n")}\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("trains a GBDT bundle and writes P(positive) per input row", async () => {
    const io = captureIo(dir);
    const code = await runCli(
      [
        "train",
        "--data",
        "train.csv",
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--param",
        "nEstimators=20",
        "--out",
        "model",
        "--json",
      ],
      io,
    );
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const summary = JSON.parse(io.stdout()) as {
      task: string;
      metrics: Record<string, number>;
      classes: string[];
    };
    expect(summary.task).toBe("binary");
    expect(summary.classes).toEqual(["No", "Yes"]);
    expect(summary.metrics["train.auc"]).toBeGreaterThan(0.8);

    const scored = captureIo(dir);
    expect(
      await runCli(
        ["predict", "--model", "model", "--data", "score.csv", "--out", "scores.csv"],
        scored,
      ),
    ).toBe(0);
    expect(scored.stderr()).toContain(
      "1 categorical value(s) unseen at training were treated as missing (payment_method: 1)",
    );
    const rows = (await readFile(join(dir, "scores.csv"), "utf8")).trimEnd().split("\n");
    expect(rows[0]).toBe("prediction");
    expect(rows).toHaveLength(52);
    for (const row of rows.slice(1)) expect(Number(row)).toBeGreaterThanOrEqual(0);
  });

  it("scores a batch with the bundle's column kinds (the 11 tenure-0 rows)", async () => {
    const io = captureIo(dir);
    const code = await runCli(
      ["predict", "--model", "model", "--data", "tenure-zero.csv", "--out", "zero.csv"],
      io,
    );
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const rows = (await readFile(join(dir, "zero.csv"), "utf8")).trimEnd().split("\n");
    expect(rows).toHaveLength(12);
  });

  it("prints training metrics equal to predicting the training set, and the time split with --verbose", async () => {
    const args = ["train", "--data", "train.csv", "--target", "churn", "--positive", "Yes"];
    const io = captureIo(dir);
    const more = ["--param", "nEstimators=15", "--out", "verbose-model", "--json", "--verbose"];
    expect(await runCli([...args, ...more], io)).toBe(0);
    const { metrics } = JSON.parse(io.stdout()) as { metrics: Record<string, number> };
    const split = io.stderr();
    for (const phase of ["read", "preprocess", "fit", "metrics", "bundle write", "total"])
      expect(split).toMatch(
        new RegExp(`^  ${phase} +\\d+\\.\\d{3} s .*cpu +\\d+\\.\\d{3} s$`, "m"),
      );
    // The same metrics from the bundle predicting the training file again.
    const scored = captureIo(dir);
    const predictArgs = ["predict", "--model", "verbose-model", "--data", "train.csv"];
    expect(await runCli([...predictArgs, "--out", "train-scored.csv"], scored)).toBe(0);
    const rows = (await readFile(join(dir, "train-scored.csv"), "utf8")).trimEnd().split("\n");
    expect(rows[0]).toBe("prediction");
    const churn = (await readFrame(join(dir, "train.csv"))).categorical("churn");
    let logLoss = 0;
    rows.slice(1).forEach((row, i) => {
      const p = Number(row);
      logLoss -= churn.categories[churn.codes[i]!] === "Yes" ? Math.log(p) : Math.log(1 - p);
    });
    logLoss /= rows.length - 1;
    expect(metrics["train.logLoss"]).toBeCloseTo(logLoss, 9);
  });

  it("reads --valid with the training columns' kinds (the tenure-0 rows as validation)", async () => {
    const io = captureIo(dir);
    const code = await runCli(
      [
        "train",
        "--data",
        "train.csv",
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--valid",
        "tenure-zero.csv",
        "--param",
        "nEstimators=5",
        "--out",
        "valid-model",
        "--json",
      ],
      io,
    );
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const summary = JSON.parse(io.stdout()) as { metrics: Record<string, number> };
    expect(summary.metrics["valid.logLoss"]).toBeGreaterThan(0);
  });

  it("writes p_<class> columns and the label for multiclass", async () => {
    const io = captureIo(dir);
    expect(
      await runCli(
        [
          "train",
          "--data",
          "train.csv",
          "--target",
          "contract",
          "--param",
          "nEstimators=10",
          "--out",
          "multi",
        ],
        io,
      ),
    ).toBe(0);
    expect(
      await runCli(
        ["predict", "--model", "multi", "--data", "score.csv", "--out", "multi.csv"],
        captureIo(dir),
      ),
    ).toBe(0);
    const header = (await readFile(join(dir, "multi.csv"), "utf8")).split("\n")[0];
    expect(header).toBe("p_Month-to-month,p_One year,p_Two year,prediction");
  });

  it("trains the linear baseline with its preprocessing in the bundle", async () => {
    const io = captureIo(dir);
    expect(
      await runCli(
        [
          "train",
          "--data",
          "train.csv",
          "--target",
          "monthly_charges",
          "--model",
          "linear",
          "--out",
          "lin",
        ],
        io,
      ),
    ).toBe(0);
    expect(io.stdout()).toContain("LinearRegression (regression)");
    // The logistic recipe converges on all of Telco (collinear one-hot columns) without a warning.
    const logistic = captureIo(dir);
    const args = ["train", "--data", TELCO, "--target", "churn", "--positive", "Yes"];
    expect(await runCli([...args, "--model", "linear", "--out", "logit"], logistic)).toBe(0);
    expect(logistic.stderr()).toBe("");
    const capped = captureIo(dir);
    expect(
      await runCli(
        [...args, "--model", "linear", "--param", "max_iter=20", "--out", "logit20"],
        capped,
      ),
    ).toBe(0);
    expect(capped.stderr()).toContain("did not converge in 20 iterations");
    expect(
      await runCli(
        ["predict", "--model", "lin", "--data", "score.csv", "--out", "lin.csv"],
        captureIo(dir),
      ),
    ).toBe(0);
  });

  it("fails in one line with exit 2 on bad input", async () => {
    const cases: [string[], string][] = [
      [
        ["--target", "chrn"],
        "error KEEL_ERR_TARGET_INVALID: --target in train.csv: column 'chrn' is not in the frame",
      ],
      [
        ["--target", "churn", "--positive", "Maybe"],
        "error KEEL_ERR_TARGET_INVALID: The positive class 'Maybe' never occurs",
      ],
      [
        ["--target", "churn", "--param", "maxDepth=-1"],
        "error KEEL_ERR_INVALID_PARAM: The 'maxDepth' parameter of Gbdt must be an integer in [0, inf). Got -1 instead.",
      ],
      [
        ["--target", "churn", "--positive", "Yes", "--param", "positiveClass=No"],
        "error KEEL_ERR_USAGE: --positive 'Yes' and --param positiveClass=No name different positive classes",
      ],
      [
        ["--target", "churn", "--param", "pos_label=Yes", "--param", "positive=No"],
        "error KEEL_ERR_INVALID_PARAM: The 'positiveClass' parameter of Gbdt is given twice (as 'pos_label' and as 'positive').",
      ],
      [
        ["--target", "churn", "--task", "multiclass"],
        "error KEEL_ERR_USAGE: --task multiclass needs at least three classes; the target has 2 ('No', 'Yes'). Use --task binary.",
      ],
      [
        ["--target", "payment_method", "--task", "binary"],
        "error KEEL_ERR_USAGE: --task binary needs exactly two classes; the target has 4",
      ],
      [
        ["--target", "churn", "--param", "evalMetric=rmse"],
        "error KEEL_ERR_INVALID_PARAM: The 'evalMetric' parameter 'rmse' does not fit a binary task",
      ],
      [
        ["--target", "churn", "--param", 'classWeight={"Yes":2,"yes":1}'],
        "error KEEL_ERR_INVALID_PARAM: The 'classWeight' parameter names a class the target lacks: 'yes'",
      ],
    ];
    for (const [args, message] of cases) {
      const io = captureIo(dir);
      expect(await runCli(["train", "--data", "train.csv", ...args, "--out", "bad"], io)).toBe(2);
      expect(io.stderr()).toContain(message);
      expect(io.stderr().trimEnd().split("\n").length).toBeLessThanOrEqual(2);
    }
  });
});

describe("keel models import", () => {
  it("turns an XGBoost JSON model into a bundle keel predict reads", async () => {
    const dir = await mkdtemp(join(tmpdir(), "keel-import-"));
    try {
      const fixture = join(
        import.meta.dirname,
        "..",
        "..",
        "models",
        "interop",
        "fixtures",
        "xgb-binary.json",
      );
      const io = captureIo(dir);
      expect(
        await runCli(["models", "import", "--format", "xgboost-json", fixture, "--out", "xgb"], io),
      ).toBe(0);
      expect(io.stdout()).toContain("Imported 25 trees (binary)");
      await writeFile(join(dir, "x.csv"), "f0,f1,f2,f3,f4\n0.1,0.2,,0.4,0.5\n0.3,-1,0.7,0.1,0.2\n");
      expect(
        await runCli(
          ["predict", "--model", "xgb", "--data", "x.csv", "--out", "p.csv"],
          captureIo(dir),
        ),
      ).toBe(0);
      expect((await readFile(join(dir, "p.csv"), "utf8")).split("\n")[0]).toBe("prediction");
      const manifest = JSON.parse(await readFile(join(dir, "xgb", "keel-model.json"), "utf8")) as {
        lineage: { params: object; importedFrom: string };
      };
      expect(manifest.lineage).toMatchObject({ params: {}, importedFrom: "XGBoost JSON (binary)" });
      const refused = captureIo(dir);
      expect(
        await runCli(
          [
            "models",
            "import",
            "--format",
            "xgboost-json",
            fixture.replace("binary", "categorical"),
            "--out",
            "c",
          ],
          refused,
        ),
      ).toBe(2);
      expect(refused.stderr()).toContain(
        "error KEEL_ERR_MODEL_IMPORT: XGBoost JSON $.learner.gradient_booster.model.trees[0].split_type[1]: node 1 splits feature 'c' as a categorical",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
