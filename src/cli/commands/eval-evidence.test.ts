import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const dir = mkdtempSync(join(tmpdir(), "keel-eval-evidence-"));
const file = (name: string) => join(dir, name);

interface EvalJson {
  passed: boolean;
  evidence: { candidate: { source: string; statement: string } };
  gates: { name: string; status: string; value: number | null; source?: string; reason?: string }[];
  notes: string[];
}

async function evalJson(args: string[]): Promise<{ code: number; result: EvalJson; err: string }> {
  const io = captureIo(dir);
  const code = await runCli(["eval", ...args, "--json"], io);
  return { code, result: JSON.parse(io.stdout() || "null") as EvalJson, err: io.stderr() };
}

function writePolicy(name: string, policy: unknown): string {
  writeFileSync(file(name), JSON.stringify(policy));
  return file(name);
}

async function train(args: string[]): Promise<void> {
  const io = captureIo(dir);
  const code = await runCli(["train", "--target", "churn", "--positive", "Yes", ...args], io);
  expect(code, io.stderr()).toBe(0);
}

describe("keel eval judges a model on rows it never saw", () => {
  beforeAll(async () => {
    // Telco split 80/20 (seeded); the training part's labels are shuffled among its rows.
    const [header, ...rows] = readFileSync("data/telco_churn.csv", "utf8").trim().split("\n");
    let s = 7;
    const rand = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const order = rows.map((_, i) => i).sort((a, b) => ((a * 7919) % 7043) - ((b * 7919) % 7043));
    const trainRows = order.slice(0, 5600).map((i) => rows[i]!);
    const holdoutRows = order.slice(5600).map((i) => rows[i]!);
    const labels = trainRows.map((r) => r.slice(0, r.indexOf(",")));
    for (let i = labels.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [labels[i], labels[j]] = [labels[j]!, labels[i]!];
    }
    const shuffled = trainRows.map((r, i) => `${labels[i]}${r.slice(r.indexOf(","))}`);
    writeFileSync(file("train.csv"), `${[header, ...trainRows].join("\n")}\n`);
    writeFileSync(file("shuffled.csv"), `${[header, ...shuffled].join("\n")}\n`);
    // The same training rows in another order and file: only the row fingerprint can tell.
    writeFileSync(
      file("shuffled-copy.csv"),
      `${[header, ...[...shuffled].reverse()].join("\n")}\n`,
    );
    writeFileSync(file("holdout.csv"), `${[header, ...holdoutRows].join("\n")}\n`);
    await train(["--data", "shuffled.csv", "--param", "nEstimators=30", "--out", "broken"]);
    await train(["--data", "train.csv", "--param", "nEstimators=30", "--out", "good"]);
  });

  it("a model trained on shuffled labels FAILs rocAuc ≥ 0.8 however the policy is written", async () => {
    const policies = [
      { gates: [{ metric: "rocAuc", min: 0.8 }] },
      { cv: { folds: 3 }, gates: [{ metric: "rocAuc", min: 0.8 }] },
      {
        cv: { folds: 4, stratified: false, seed: 3 },
        threshold: 0.3,
        gates: [
          { metric: "precisionAtRecall", recall: 0.8, min: 0.1, optional: true },
          { metric: "rocAuc", min: 0.8, optional: true },
        ],
      },
    ];
    for (const [i, policy] of policies.entries()) {
      const p = writePolicy(`broken-${i}.json`, policy);
      for (const data of ["holdout.csv", "shuffled.csv", "shuffled-copy.csv"]) {
        const { code, result, err } = await evalJson([
          "--model",
          "broken",
          "--data",
          data,
          "--policy",
          p,
        ]);
        expect(code, `${data} ${JSON.stringify(policy)} ${err}`).toBe(1);
        const gate = result.gates.find((g) => g.name === "rocAuc ≥ 0.8")!;
        expect(gate.status).toBe("fail");
        expect(gate.value!).toBeLessThan(0.6);
        expect(gate.source).toBe(data === "holdout.csv" ? "holdout" : "out-of-fold");
      }
    }
  });

  it("the same recipe on real labels passes on the holdout (the gate can pass)", async () => {
    const p = writePolicy("good.json", {
      cv: { folds: 3 },
      gates: [{ metric: "rocAuc", min: 0.8 }],
    });
    const { code, result } = await evalJson([
      "--model",
      "good",
      "--data",
      "holdout.csv",
      "--policy",
      p,
    ]);
    expect(code).toBe(0);
    expect(result.evidence.candidate.source).toBe("holdout");
    expect(result.evidence.candidate.statement).toMatch(
      /^the model's own predictions of 1443 rows it was not trained on \(\d of \d+ sampled rows match the training rows' sample in the bundle's lineage, no more than chance: [\d.]+% of the training rows repeat one another\)$/,
    );
    expect(result.notes.join("\n")).toMatch(/CV of the training recipe .* estimates the recipe/);
  });

  it("the row fingerprint finds training rows in another file and order", async () => {
    const { result } = await evalJson(["--model", "good", "--data", "train.csv"]);
    expect(result.evidence.candidate.source).toBe("out-of-fold");
    const copy = await evalJson(["--model", "broken", "--data", "shuffled-copy.csv"]);
    expect(copy.result.evidence.candidate.statement).toMatch(
      /because the evaluation rows are its training rows \((\d+) of \1 sampled rows match the training rows' sample/,
    );
  });

  it("an early-stopped model is cross-validated with an inner validation split", async () => {
    await train([
      "--data",
      "train.csv",
      "--valid",
      "holdout.csv",
      "--param",
      "nEstimators=60",
      "--param",
      "earlyStoppingRounds=5",
      "--out",
      "early",
    ]);
    const p = writePolicy("early.json", {
      cv: { folds: 3 },
      gates: [{ metric: "rocAuc", min: 0.7 }],
    });
    const { code, result, err } = await evalJson([
      "--model",
      "early",
      "--data",
      "train.csv",
      "--policy",
      p,
    ]);
    expect(code, err).toBe(0);
    expect(result.evidence.candidate.statement).toMatch(
      /each fold held out 20% of its training rows for early stopping/,
    );
  });

  it("an imported XGBoost model: CV skipped with a note, gates read its holdout predictions", async () => {
    const fixture = join(import.meta.dirname, "..", "..", "models", "interop", "fixtures");
    const io = captureIo(dir);
    expect(
      await runCli(
        [
          "models",
          "import",
          "--format",
          "xgboost-json",
          join(fixture, "xgb-binary.json"),
          "--out",
          "xgb",
        ],
        io,
      ),
      io.stderr(),
    ).toBe(0);
    const { x, prediction } = JSON.parse(
      readFileSync(join(fixture, "xgb-binary.predictions.json"), "utf8"),
    ) as { x: (number | null)[][]; prediction: number[] };
    const lines = x.map(
      (row, i) =>
        `${row.map((v) => v ?? "").join(",")},${(prediction[i]! > 0.5) !== (i % 7 === 0) ? 1 : 0}`,
    );
    writeFileSync(file("xgb.csv"), `f0,f1,f2,f3,f4,y\n${lines.join("\n")}\n`);
    const p = writePolicy("xgb.json", {
      cv: { folds: 3 },
      gates: [{ metric: "rocAuc", min: 0.5 }],
    });
    const { code, result, err } = await evalJson([
      "--model",
      "xgb",
      "--data",
      "xgb.csv",
      "--target",
      "y",
      "--policy",
      p,
    ]);
    expect(code, err).toBe(0);
    expect(result.evidence.candidate.source).toBe("holdout");
    expect(result.notes.join("\n")).toMatch(
      /cv skipped: an imported model \(xgboost binary:logistic\) has no keel training recipe to refit/,
    );
  });

  it("a linear bundle on its training rows: no out-of-sample predictions, every gate fails", async () => {
    await train(["--data", "holdout.csv", "--model", "linear", "--out", "linear"]);
    const p = writePolicy("linear.json", {
      cv: { folds: 3 },
      gates: [
        { metric: "rocAuc", min: 0.5 },
        { compare: "champion", metric: "rocAuc", minAbsoluteImprovement: 0, optional: true },
      ],
    });
    const own = await evalJson(["--model", "linear", "--data", "holdout.csv", "--policy", p]);
    expect(own.code).toBe(1);
    expect(own.result.evidence.candidate.source).toBe("unavailable");
    expect(own.result.gates.map((g) => g.status)).toEqual(["fail", "skipped"]);
    expect(own.result.gates[0]!.reason).toMatch(
      /^the evaluation rows are its training rows \(.*\) and the model's recipe cannot be refitted for out-of-fold predictions \(a LogisticRegression bundle with a fitted preprocessor records no unfitted recipe to refit yet\); evaluate it on rows it was not trained on$/,
    );
    // On rows it never saw, the same bundle is judged on its own predictions.
    const other = await evalJson(["--model", "linear", "--data", "train.csv", "--policy", p]);
    expect(other.code, other.err).toBe(0);
    expect(other.result.evidence.candidate.source).toBe("holdout");
    expect(other.result.notes.join("\n")).toMatch(/cv skipped: a LogisticRegression bundle/);
  });

  it("--threshold and expectedCost: the cost follows the decision threshold", async () => {
    const p = writePolicy("cost.json", {
      gates: [{ metric: "expectedCost", costMatrix: { Yes: { No: 5 }, No: { Yes: 1 } }, max: 10 }],
    });
    const at = async (threshold: string) =>
      (
        await evalJson([
          "--model",
          "good",
          "--data",
          "holdout.csv",
          "--policy",
          p,
          "--threshold",
          threshold,
        ])
      ).result.gates[0]!.value!;
    const low = await at("0.2");
    const high = await at("0.8");
    // Missed churners cost five times a wasted offer: flagging more (a low threshold) is cheaper.
    expect(low).toBeLessThan(high);
    const bad = captureIo(dir);
    expect(
      await runCli(["eval", "--model", "good", "--data", "holdout.csv", "--threshold", "1.5"], bad),
    ).toBe(2);
    expect(bad.stderr()).toMatch(
      /--threshold must be a probability strictly between 0 and 1\. Got '1\.5'/,
    );
  });

  it("policy mistakes name the file and JSON path, and the model's task is checked", async () => {
    const p = writePolicy("wrong.json", {
      gates: [
        { metric: "rmse", max: 1 },
        { bias: "disparateImpactRatio", by: "female", max: 0.8 },
      ],
    });
    const io = captureIo(dir);
    expect(
      await runCli(["eval", "--model", "good", "--data", "holdout.csv", "--policy", p], io),
    ).toBe(2);
    expect(io.stderr()).toMatch(
      /KEEL_ERR_POLICY_INVALID: .*wrong\.json: invalid validation policy: \$\.gates\[0\]\.metric: metric 'rmse' is for regression models; this model's task is binary; \$\.gates\[1\]\.max: disparateImpactRatio is fairer when higher/,
    );
  });
});
