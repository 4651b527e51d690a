import { describe, expect, it } from "vitest";
import {
  type Column,
  type Estimator,
  type FitOptions,
  type FittedModel,
  type Frame,
  isKeelError,
} from "../core/index.js";
import { crossValidate, GroupKFold, rocAuc, StratifiedKFold } from "./index.js";
import {
  ColumnScoreModel,
  churnLikeFrame,
  LeakyTargetEncoder,
  TwoStepPipeline,
} from "./testing/toy-estimators.js";

const frame = churnLikeFrame(400);

describe("crossValidate fits the whole pipeline inside each fold", () => {
  it("a target-leaking transformer scores perfectly when fitted outside CV, honestly inside", async () => {
    const cv = new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 3 });
    // Wrong: fit the transformer on all rows first, then cross-validate only the model.
    const leaked = (
      await new LeakyTargetEncoder().fit(frame.drop(["churn"]), frame.column("churn"))
    )
      .transform(frame.drop(["churn"]))
      .withColumn("churn", frame.column("churn"));
    const outside = await crossValidate(new ColumnScoreModel("leak"), leaked, {
      target: "churn",
      cv,
      metrics: ["rocAuc"],
    });
    expect(outside.mean.rocAuc).toBe(1);
    // Right: the pipeline, transformer included, is fitted on each fold's training rows.
    const pipeline = new TwoStepPipeline(new LeakyTargetEncoder(), new ColumnScoreModel("leak"));
    const inside = await crossValidate(pipeline, frame, {
      target: "churn",
      cv,
      metrics: ["rocAuc"],
    });
    // Validation ids were never seen, so every validation row gets 0.5: no information.
    expect(inside.mean.rocAuc).toBe(0.5);
  });

  it("returns per-fold values, mean, std, out-of-fold predictions and calls onFold", async () => {
    const seen: number[] = [];
    const result = await crossValidate(new ColumnScoreModel("signal"), frame, {
      target: "churn",
      positive: "Yes",
      cv: 4,
      metrics: ["rocAuc", { metric: "precisionAtRecall", recall: 0.8 }, "accuracy", "logLoss"],
      onFold: (f) => {
        seen.push(f.fold);
      },
    });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(result.folds).toHaveLength(4);
    expect(Object.keys(result.mean)).toEqual([
      "rocAuc",
      "precisionAtRecall@0.8",
      "accuracy",
      "logLoss",
    ]);
    const aucs = result.folds.map((f) => f.metrics.rocAuc!);
    expect(result.mean.rocAuc).toBeCloseTo(aucs.reduce((a, b) => a + b) / 4, 12);
    expect(result.std.rocAuc).toBeGreaterThan(0);
    expect(result.folds.reduce((a, f) => a + f.nTest, 0)).toBe(frame.nRows);
    // Out-of-fold probabilities of the positive class reproduce a pooled AUC.
    const proba = result.oof.proba!;
    const y = frame.categorical("churn");
    const yes = y.categories.indexOf("Yes");
    const pooled = rocAuc(
      Array.from(y.codes, (c) => (c === yes ? 1 : 0)),
      Array.from({ length: frame.nRows }, (_, i) => proba[2 * i + 1]!),
    );
    expect(pooled).toBeGreaterThan(0.6);
    expect([...result.oof.fold].every((f) => f >= 0 && f < 4)).toBe(true);
  });

  it("a throwing onFold (a pruned trial) stops the run", async () => {
    let folds = 0;
    const run = crossValidate(new ColumnScoreModel("signal"), frame, {
      target: "churn",
      cv: 5,
      onFold: () => {
        folds++;
        throw new Error("pruned");
      },
    });
    await expect(run).rejects.toThrow("pruned");
    expect(folds).toBe(1);
  });

  it("group splitters get the groups column; unknown metrics name the position", async () => {
    const result = await crossValidate(new ColumnScoreModel("signal"), frame, {
      target: "churn",
      cv: new GroupKFold({ nSplits: 2 }),
      groups: "segment",
      metrics: ["accuracy"],
    });
    expect(result.folds.map((f) => f.nTest).sort()).toEqual(
      [...new Set(["adult", "senior"])]
        .map((s) => frame.toRecords().filter((r) => r.segment === s).length)
        .sort(),
    );
    // The group column decides the folds only: the model never sees it as a feature.
    const seen: (readonly string[])[] = [];
    const inner = new ColumnScoreModel("signal");
    const recording = {
      type: inner.type,
      params: inner.params,
      fit: (x: Frame, y?: Column) => {
        seen.push(x.columnNames);
        return inner.fit(x, y);
      },
      withParams: () => recording,
    };
    await crossValidate(recording, frame, {
      target: "churn",
      cv: new GroupKFold({ nSplits: 2 }),
      groups: "segment",
      metrics: ["accuracy"],
    });
    expect(seen).toHaveLength(2);
    for (const names of seen) expect(names).not.toContain("segment");
    const error = await crossValidate(new ColumnScoreModel("signal"), frame, {
      target: "churn",
      metrics: ["rocAcu"],
    }).catch((e: unknown) => e);
    expect(isKeelError(error, "KEEL_ERR_UNKNOWN_METRIC")).toBe(true);
    expect((error as Error).message).toBe(
      "crossValidate metrics[0]: unknown metric 'rocAcu'. Did you mean 'rocAuc' or 'recall'?",
    );
  });
});

describe("crossValidate with an inner validation split (early-stopped recipes)", () => {
  it("passes each fit a validation part of its own training rows, never the fold's test rows", async () => {
    const fits: { train: number[]; valid: number[] }[] = [];
    const recorder: Estimator<FittedModel> = {
      type: "Recorder",
      params: {},
      fit: (x: Frame, y?: Column, options?: FitOptions) => {
        fits.push({
          train: Array.from(x.numeric("id")),
          valid: Array.from(options?.validation?.x.numeric("id") ?? []),
        });
        return new ColumnScoreModel("signal").fit(x, y);
      },
      withParams: () => recorder,
    };
    const result = await crossValidate(recorder, frame, {
      target: "churn",
      cv: 4,
      validationFraction: 0.2,
      metrics: ["rocAuc"],
    });
    expect(fits).toHaveLength(4);
    for (const [k, fit] of fits.entries()) {
      const test = new Set(
        Array.from(result.oof.fold.entries())
          .filter(([, f]) => f === k)
          .map(([i]) => i),
      );
      expect(fit.valid.length).toBe(Math.ceil(0.2 * (fit.train.length + fit.valid.length)));
      expect(fit.valid.some((id) => test.has(id) || fit.train.includes(id))).toBe(false);
      expect(fit.train.length + fit.valid.length + test.size).toBe(400);
    }
  });
});
