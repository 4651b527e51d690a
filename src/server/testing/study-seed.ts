import { Readable } from "node:stream";
import { Frame, Rng } from "../../core/index.js";
import { buildReport, checkGates, fromProba } from "../../evaluate/index.js";
import { type Tracking, TrackingStudyStorage } from "../../track/index.js";
import { createStudy, MedianPruner, TpeSampler, TrialPruned } from "../../tune/index.js";

/** The seeded study's name and size. @example `SEED_STUDY.name; // "churn-gbdt"` */
export const SEED_STUDY = { name: "churn-gbdt", trials: 30 } as const;

/**
 * Runs a real tuning study on the tracking store (as `keel tune --experiment` does): 30 TPE
 * trials over a learning rate (log scale), a depth and a booster, each reporting a 10-step
 * learning curve, with a median pruner that stops the poor ones early. Returns how many trials
 * were pruned. Test-only.
 *
 * @example
 * ```ts
 * const { pruned } = await seedStudy(tracking);
 * ```
 */
export async function seedStudy(tracking: Tracking): Promise<{ pruned: number }> {
  const study = await createStudy({
    name: SEED_STUDY.name,
    direction: "maximize",
    sampler: new TpeSampler({ seed: 7 }),
    pruner: new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 2 }),
    storage: new TrackingStudyStorage(tracking, { experiment: "tuning" }),
  });
  await study.optimize(
    (trial) => {
      const lr = trial.suggestFloat("learning_rate", 1e-3, 0.3, { log: true });
      const depth = trial.suggestInt("max_depth", 2, 10);
      const booster = trial.suggestCategorical("booster", ["gbtree", "dart"]);
      // A smooth surface with its peak near lr 0.05, depth 6, and dart slightly better.
      const peak =
        0.9 -
        0.04 * (Math.log10(lr) - Math.log10(0.05)) ** 2 -
        0.004 * (depth - 6) ** 2 +
        (booster === "dart" ? 0.01 : 0);
      let auc = 0.5;
      for (let step = 0; step < 10; step++) {
        auc = 0.5 + (peak - 0.5) * (1 - 0.7 ** (step + 1));
        trial.report(auc, step);
        if (trial.shouldPrune()) throw new TrialPruned(`pruned at step ${step}`);
      }
      return auc;
    },
    { nTrials: SEED_STUDY.trials },
  );
  return { pruned: study.trials.filter((t) => t.state === "PRUNED").length };
}

/**
 * Writes a real evaluation report (`evaluation/report.json`, as `keel eval --experiment` logs
 * it) into a run's artifacts: 2,000 synthetic holdout rows of a binary churn model with a
 * `senior_citizen` segment column, scored by keel's evaluate module with two metric gates and
 * a bias gate. Returns the report's ROC AUC. Test-only.
 *
 * @example
 * ```ts
 * const auc = await seedEvaluationReport(tracking, runId);
 * ```
 */
export async function seedEvaluationReport(tracking: Tracking, runId: string): Promise<number> {
  const rng = new Rng(11);
  const n = 2000;
  const labels: string[] = [];
  const senior: string[] = [];
  const proba = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const isSenior = rng.next() < 0.2;
    const churn = rng.next() < (isSenior ? 0.4 : 0.25);
    // A score that separates the classes, a little less well for seniors.
    const signal = (churn ? 1 : -1) * (isSenior ? 0.8 : 1.3) + rng.normal();
    const p = 1 / (1 + Math.exp(-signal));
    labels.push(churn ? "Yes" : "No");
    senior.push(isSenior ? "1" : "0");
    proba[2 * i] = 1 - p;
    proba[2 * i + 1] = p;
  }
  const predictions = fromProba("binary", ["No", "Yes"], labels, proba, { positive: "Yes" });
  const frame = Frame.fromRecords(senior.map((s) => ({ senior_citizen: s })));
  const gates = checkGates(
    {
      gates: [
        { metric: "rocAuc", min: 0.75 },
        { metric: "brierScore", max: 0.1 },
        { bias: "equalOpportunityDifference", by: "senior_citizen", max: 0.1 },
      ],
    },
    { predictions, frame },
  );
  const report = buildReport({
    predictions,
    frame,
    segments: ["senior_citizen"],
    minGroupSize: 50,
    gates,
    title: "Evaluation of models:/churn/2 on holdout.csv",
  });
  await tracking.artifacts.put(
    runId,
    "evaluation/report.json",
    Readable.from([JSON.stringify(report, null, 2)]),
  );
  return report.metrics.rocAuc ?? Number.NaN;
}
