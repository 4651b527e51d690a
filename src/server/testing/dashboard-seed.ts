import { Readable } from "node:stream";
import type { Alert } from "../../monitor/index.js";
import type { Tracking } from "../../track/index.js";
import { type SeededTraffic, seedDeployment, seedMonitor } from "./ops-seed.js";
import { seedEvaluationReport, seedStudy } from "./study-seed.js";

/** What {@link seedDashboard} created, for the browser test's assertions. @example `seed.runs.baseline` */
export interface DashboardSeed {
  readonly churnExperimentId: string;
  readonly sweepExperimentId: string;
  /** The three named churn runs, by name. */
  readonly runs: Readonly<Record<"baseline" | "deeper" | "tuned", string>>;
  readonly sweepRuns: number;
  /** ROC AUC of the evaluation report logged in v2's run (`tuned`). */
  readonly evaluationAuc: number;
  /** How many trials of the seeded study the median pruner stopped. */
  readonly prunedTrials: number;
  /** Requests logged per variant of deployment `churn`. */
  readonly traffic: SeededTraffic;
  /** Alerts monitor `churn` raised over its 12 windows. */
  readonly alerts: readonly Alert[];
}

/** A 1×1 PNG, to show an image artifact inline. */
const DOT_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/** The final AUC of each named run (the table shows these as latest values). @example `SEED_AUC.tuned; // 0.8791` */
export const SEED_AUC = { baseline: 0.8123, deeper: 0.8456, tuned: 0.8791 } as const;

/**
 * Seeds a keel home for the dashboard's browser test through the tracking library: an
 * experiment `churn` with three runs (20-step learning curves, params, a dataset input, a parent
 * run, a text and an HTML artifact), a model `churn` with two versions and `@champion` moved
 * from v1 to v2 (so it can be rolled back) and an evaluation report in v2's run, a tuning study
 * of 30 trials (some pruned) in experiment `tuning`, deployment `churn` with 45 minutes of canary
 * traffic and monitor `churn` with 12 hourly runs (see ops-seed.ts), and an experiment `sweep` of `sweepRuns` runs for
 * the 10,000-run table. Test-only.
 *
 * @example
 * ```ts
 * const seed = await seedDashboard(tracking, 10_000);
 * ```
 */
export async function seedDashboard(tracking: Tracking, sweepRuns: number): Promise<DashboardSeed> {
  const churn = await tracking.experiments.ensure("churn");
  const ids: Record<string, string> = {};
  const start = Date.UTC(2026, 11, 1, 9, 0, 0);
  let parent: string | undefined;
  for (const [i, [name, auc]] of Object.entries(SEED_AUC).entries()) {
    const run = await tracking.runs.create({
      experimentId: churn,
      runName: name,
      startTime: start + i * 60_000,
      ...(parent === undefined ? {} : { parentRunId: parent }),
      tags: [{ key: "mlflow.source.git.commit", value: `c0ffee${i}` }],
    });
    const id = run.info.runId;
    parent ??= id;
    ids[name] = id;
    const metrics = [];
    for (let step = 0; step < 20; step++) {
      const progress = (step + 1) / 20;
      metrics.push({
        key: "auc",
        value: step === 19 ? auc : 0.5 + (auc - 0.5) * progress ** 0.5,
        timestamp: start + step,
        step,
      });
      metrics.push({
        key: "loss",
        value: 0.7 * (1 - progress) + 0.2 + i * 0.01,
        timestamp: start + step,
        step,
      });
    }
    await tracking.runs.logBatch(id, {
      metrics,
      params: [
        { key: "max_depth", value: String(4 + i * 2) },
        { key: "learning_rate", value: String(0.1 / (i + 1)) },
        { key: "model", value: "gbdt" },
      ],
    });
    await tracking.runs.logInputs(id, [
      {
        name: "telco_churn",
        digest: `d1g3st${i}`,
        source: "data/telco_churn.csv",
        context: "training",
      },
    ]);
    await tracking.artifacts.put(id, "notes.txt", Readable.from([`run ${name}: auc ${auc}\n`]));
    await tracking.artifacts.put(
      id,
      "report/index.html",
      Readable.from([`<h1>Evaluation of ${name}</h1><p>AUC <b>${auc}</b></p>`]),
    );
    await tracking.artifacts.put(
      id,
      "plots/dot.png",
      Readable.from([Buffer.from(DOT_PNG, "base64")]),
    );
    await tracking.runs.update(id, { status: "FINISHED", endTime: start + i * 60_000 + 42_000 });
  }
  await tracking.models.register("churn", {
    runId: ids.baseline!,
    artifactUri: `runs:/${ids.baseline}/model`,
  });
  await tracking.models.register("churn", {
    runId: ids.tuned!,
    artifactUri: `runs:/${ids.tuned}/model`,
  });
  await tracking.models.setAlias("churn", "champion", 1, { actor: "ana", reason: "first model" });
  await tracking.models.setAlias("churn", "champion", 2, {
    actor: "ana",
    reason: "AUC +3.4% over v1",
  });

  const evaluationAuc = await seedEvaluationReport(tracking, ids.tuned!);
  const { pruned } = await seedStudy(tracking);

  const sweep = await tracking.experiments.ensure("sweep");
  for (let i = 0; i < sweepRuns; i++) {
    const run = await tracking.runs.create({
      experimentId: sweep,
      runName: `trial-${i}`,
      startTime: start + i,
    });
    await tracking.runs.logBatch(run.info.runId, {
      metrics: [
        { key: "rmse", value: 1 + ((i * 7919) % 1000) / 1000, timestamp: start, step: 0 },
        { key: "mae", value: ((i * 104729) % 997) / 997, timestamp: start, step: 0 },
      ],
      params: [
        { key: "lr", value: String(((i % 50) + 1) / 1000) },
        { key: "depth", value: String(i % 12) },
      ],
    });
  }
  // Last, so the traffic is as recent as it can be when the tests read its 1-hour window.
  const traffic = await seedDeployment(tracking);
  const alerts = await seedMonitor(tracking);
  return {
    churnExperimentId: churn,
    sweepExperimentId: sweep,
    runs: { baseline: ids.baseline!, deeper: ids.deeper!, tuned: ids.tuned! },
    sweepRuns,
    evaluationAuc,
    prunedTrials: pruned,
    traffic,
    alerts,
  };
}
