import { describe, expect, it } from "vitest";
import { numericColumn } from "../core/index.js";
import { rowFingerprint, trainingOverlap, validateModel } from "./index.js";
import {
  ColumnScoreModel,
  churnLikeFrame,
  LeakyTargetEncoder,
  TwoStepPipeline,
} from "./testing/toy-estimators.js";

const target = { target: "churn", positive: "Yes" };

/** A frame with a column `noise` that says nothing about churn. */
function withNoise(n: number, seed: number) {
  const frame = churnLikeFrame(n, seed);
  return frame.withColumn(
    "noise",
    numericColumn(Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 31) % 1000) / 1000)),
  );
}

describe("validateModel: where the numbers come from", () => {
  const train = withNoise(900, 5);
  const holdout = withNoise(600, 6);
  const y = train.column("churn");

  it("on a holdout, gates score the model's own predictions, never the recipe's CV", async () => {
    // A broken fitted model (it reads noise) whose recipe, refitted, would do well: the
    // shuffled-label case of the issue. Whatever the policy says, the model's rocAuc gates.
    const broken = await new ColumnScoreModel("noise").fit(train.drop(["churn"]), y);
    const recipe = new ColumnScoreModel("signal");
    for (const cv of [undefined, { folds: 3 }]) {
      const result = await validateModel(holdout, {
        ...target,
        policy: { ...(cv ? { cv } : {}), gates: [{ metric: "rocAuc", min: 0.6 }] },
        candidate: { model: broken, recipe, seen: { share: 0, how: "hash differs" } },
      });
      expect(result.passed).toBe(false);
      expect(result.gates.results[0]!.source).toBe("holdout");
      expect(result.gates.results[0]!.value).toBeLessThan(0.56);
      expect(result.evidence.candidate).toEqual({
        source: "holdout",
        rows: 600,
        statement: "the model's own predictions of 600 rows it was not trained on (hash differs)",
      });
      if (cv) {
        // The recipe's CV is there, labelled, and would have passed: it is not what gates read.
        expect(result.recipeCv!.mean.rocAuc).toBeGreaterThan(0.6);
        expect(result.notes.join("\n")).toMatch(/estimates the recipe, not this fitted model/);
      } else {
        expect(result.recipeCv).toBeUndefined();
      }
    }
  });

  it("a batch the recipe cannot be cross-validated on is still judged, with the reason noted", async () => {
    // Four holdout rows cannot make five folds: the recipe CV (which no gate reads) is skipped
    // with its reason instead of failing the whole evaluation.
    const model = await new ColumnScoreModel("signal").fit(train.drop(["churn"]), y);
    const small = holdout.take(Int32Array.from([0, 1, 2, 3]));
    const result = await validateModel(small, {
      ...target,
      policy: { cv: { folds: 5 }, gates: [{ metric: "accuracy", min: 0 }] },
      candidate: {
        model,
        recipe: new ColumnScoreModel("signal"),
        seen: { share: 0, how: "hash differs" },
      },
    });
    expect(result.recipeCv).toBeUndefined();
    expect(result.notes.join("\n")).toMatch(
      /cv skipped: the evaluation rows cannot be cross-validated \(/,
    );
    expect(result.gates.results[0]!.source).toBe("holdout");
  });

  it("on its training rows, gates score out-of-fold predictions of the recipe", async () => {
    // The recipe memorises each training row's answer: in-sample rocAuc is 1, out-of-fold 0.5.
    const recipe = new TwoStepPipeline(new LeakyTargetEncoder(), new ColumnScoreModel("leak"));
    const model = await recipe.fit(train.drop(["churn"]), y);
    for (const cv of [undefined, { folds: 4 }]) {
      const result = await validateModel(train, {
        ...target,
        policy: { ...(cv ? { cv } : {}), gates: [{ metric: "rocAuc", min: 0.8 }] },
        candidate: { model, recipe, seen: { share: 1, how: "same data hash" } },
      });
      expect(result.passed).toBe(false);
      const gate = result.gates.results[0]!;
      expect(gate.source).toBe("out-of-fold");
      expect(gate.value).toBeCloseTo(0.5, 6);
      expect(result.evidence.candidate.source).toBe("out-of-fold");
      expect(result.evidence.candidate.statement).toMatch(
        new RegExp(
          `^out-of-fold predictions of 900 rows by the model's recipe refitted in ${cv?.folds ?? 5} folds, because the evaluation rows are its training rows \\(same data hash\\)$`,
        ),
      );
      expect(result.predictions!.yTrue.length).toBe(900);
    }
  });

  it("on its training rows without a refittable recipe, every gate fails and says why", async () => {
    const model = await new ColumnScoreModel("signal").fit(train.drop(["churn"]), y);
    const result = await validateModel(train, {
      ...target,
      policy: {
        gates: [
          { metric: "rocAuc", min: 0.5 },
          { metric: "accuracy", min: 0.1, optional: true },
        ],
      },
      candidate: {
        model,
        noRecipe: "an imported model has no keel training recipe to refit",
        seen: { share: 0.4, how: "40 of 100 sampled rows match" },
      },
    });
    expect(result.passed).toBe(false);
    expect(result.predictions).toBeUndefined();
    expect(result.gates.results.map((g) => g.status)).toEqual(["fail", "skipped"]);
    expect(result.gates.results[0]!.reason).toBe(
      "the evaluation rows overlap its training rows (~40%) (40 of 100 sampled rows match) and the model's recipe cannot be refitted for out-of-fold predictions (an imported model has no keel training recipe to refit); evaluate it on rows it was not trained on",
    );
  });

  it("champion and candidate are scored on the same rows, each by the rule", async () => {
    const recipe = new TwoStepPipeline(new LeakyTargetEncoder(), new ColumnScoreModel("leak"));
    const candidate = await recipe.fit(train.drop(["churn"]), y);
    const champion = await new ColumnScoreModel("signal").fit(train.drop(["churn"]), y);
    const result = await validateModel(train, {
      ...target,
      policy: { gates: [{ compare: "champion", metric: "rocAuc", minAbsoluteImprovement: 0 }] },
      candidate: { model: candidate, recipe, seen: { share: 1, how: "same hash" } },
      champion: { model: champion, seen: { share: 0, how: "trained elsewhere" } },
      bootstrap: { nResamples: 50 },
    });
    const gate = result.gates.results[0]!;
    expect([gate.source, gate.championSource]).toEqual(["out-of-fold", "holdout"]);
    expect(gate.comparison!.nRows).toBe(900);
    // The memorising candidate is worse than the champion out of sample, though it is perfect in sample.
    expect(gate.status).toBe("fail");
    expect(result.evidence.champion!.source).toBe("holdout");
  });

  it("a model whose lineage records no training data is taken as unseen, and says so", async () => {
    const model = await new ColumnScoreModel("signal").fit(train.drop(["churn"]), y);
    const result = await validateModel(holdout, {
      ...target,
      policy: { gates: [] },
      candidate: { model },
    });
    expect(result.evidence.candidate.source).toBe("holdout");
    expect(result.notes[0]).toMatch(/lineage records no training data.*taken as unseen/);
  });
});

describe("rowFingerprint and trainingOverlap", () => {
  it("tell training rows from new ones whatever the row or column order", () => {
    const a = withNoise(3000, 1);
    const b = withNoise(3000, 2);
    const fingerprint = rowFingerprint(a.drop(["churn"]));
    expect(fingerprint.complete).toBe(true);
    expect(trainingOverlap(fingerprint, a).share).toBe(1);
    const reordered = a
      .select(["noise", "segment", "churn", "signal", "id"])
      .take(Int32Array.from({ length: 3000 }, (_, i) => 2999 - i));
    expect(trainingOverlap(fingerprint, reordered).share).toBe(1);
    expect(trainingOverlap(fingerprint, b).share).toBe(0);
  });

  it("estimates a partial overlap from a sample of a large table", () => {
    const big = withNoise(40_000, 3);
    const fingerprint = rowFingerprint(big.drop(["churn"]));
    expect(fingerprint.complete).toBe(false);
    expect(fingerprint.rows).toBe(40_000);
    // The same seed gives the same first rows; ids from 10,000 on are moved out of range, so
    // half of the 20,000 evaluation rows are training rows.
    const prefix = withNoise(20_000, 3);
    const mixed = prefix.withColumn(
      "id",
      numericColumn(Array.from(prefix.numeric("id"), (v) => (v >= 10_000 ? v + 1e6 : v))),
    );
    const half = trainingOverlap(fingerprint, mixed);
    expect(half.share).toBeGreaterThan(0.4);
    expect(half.share).toBeLessThan(0.6);
    expect(trainingOverlap(fingerprint, prefix).share).toBe(1);
    expect(half.how).toMatch(/sampled rows match/);
  });

  it("matches no more frequent than the training data's own repeats are chance, not a leak", () => {
    // Two coarse features: a fresh sample repeats training rows all the time, as new customers
    // with the same features would.
    const coarse = (seed: number) =>
      churnLikeFrame(2000, seed)
        .select(["segment"])
        .withColumn(
          "band",
          numericColumn(
            Array.from(churnLikeFrame(2000, seed).numeric("signal"), (v) => Math.round(v * 4)),
          ),
        );
    const fingerprint = rowFingerprint(coarse(1));
    expect(fingerprint.duplicateShare).toBeGreaterThan(0.99);
    const overlap = trainingOverlap(fingerprint, coarse(2));
    expect(overlap.measured).toBeGreaterThan(0.99);
    expect(overlap.share).toBe(0);
    expect(overlap.how).toMatch(
      /no more than chance: 100% of the training rows repeat one another$/,
    );
  });
});
