// The churn story's weekly retraining as a pipeline:
//   ingest → validate → train → evaluate → promote
// `keel run churn-retrain` runs it for the latest Monday, `keel backfill churn-retrain --from
// 2025-01-01 --to 2025-12-31` replays a year of Mondays on a simulated clock, and an unchanged
// week is served from the cache. Steps reach the keel SDK through `ctx.keel`.
import { defineConfig, definePipeline, promotionStep, step } from "keel";

const DATA = "../../data/telco_churn.csv";
const WORK = ".keel/work";
const HOLDOUT = `${WORK}/holdout.csv`;

/** Weeks since the first Monday of 2025: the simulated history grows by 100 customers a week. */
function weekOf(date: Date): number {
  return Math.max(0, Math.floor((date.getTime() - Date.UTC(2025, 0, 6)) / (7 * 86_400_000)));
}

const churnRetrain = definePipeline({
  name: "churn-retrain",
  schedule: { cron: "0 3 * * 1", timezone: "Europe/Berlin" },
  params: { nEstimators: 60, maxDepth: 4, learningRate: 0.1, baseRows: 2000, rowsPerWeek: 100 },
  steps: {
    // The customers known by the logical date; every fifth customer is the fixed holdout.
    ingest: step({
      inputs: [DATA],
      run: async (ctx) => {
        const { data } = ctx.keel;
        const all = await data.readFrame(`${ctx.root}/${DATA}`);
        const known = Math.min(
          all.nRows,
          Number(ctx.params.baseRows) + Number(ctx.params.rowsPerWeek) * weekOf(ctx.logicalDate),
        );
        const train: number[] = [];
        const holdout: number[] = [];
        for (let i = 0; i < all.nRows; i++)
          (i % 5 === 0 ? holdout : i < known ? train : []).push(i);
        const dir = `${WORK}/${ctx.logicalDate.toISOString().slice(0, 10)}`;
        const { mkdir } = await import("node:fs/promises");
        await mkdir(`${ctx.root}/${dir}`, { recursive: true });
        await data.writeFrame(all.take(train), `${ctx.root}/${dir}/train.csv`);
        await data.writeFrame(all.take(holdout), `${ctx.root}/${HOLDOUT}`);
        ctx.log.info("ingested", { train: train.length, holdout: holdout.length });
        return { train: `${dir}/train.csv`, rows: train.length };
      },
    }),
    // Data checks; rows without total charges are rejected into the dead-letter table.
    validate: step({
      after: ["ingest"],
      inputs: ["../../data/telco-checks.json"],
      run: async (ctx) => {
        const { data } = ctx.keel;
        const { train } = ctx.inputs.ingest as { train: string };
        const frame = await data.readFrame(`${ctx.root}/${train}`);
        const charges = frame.numeric("total_charges");
        const rejected: number[] = [];
        for (let i = 0; i < frame.nRows; i++)
          if (Number.isNaN(charges[i] ?? Number.NaN)) rejected.push(i);
        await ctx.rejectRecords(frame.take(rejected).toRecords(), "total_charges is missing");
        const keep = [...Array(frame.nRows).keys()].filter((i) => !rejected.includes(i));
        const clean = frame.take(keep);
        const checks = await data.loadChecks(`${ctx.root}/../../data/telco-checks.json`);
        const report = await data.runChecks(clean, checks, { source: "telco-checks.json" });
        const failed = report.results
          .filter((r) => !r.passed)
          .map((r) => `${r.check}${r.column ? `(${r.column})` : ""}`);
        if (failed.length > 0) throw new Error(`data checks failed: ${failed.join(", ")}`);
        const cleanFile = train.replace(/train\.csv$/, "clean.csv");
        await data.writeFrame(clean, `${ctx.root}/${cleanFile}`);
        return { clean: cleanFile, rows: clean.nRows, rejected: rejected.length };
      },
    }),
    // A GBDT on the week's clean rows, tracked and registered as a new version of 'churn'.
    train: step({
      after: ["validate"],
      retries: 1,
      run: async (ctx) => {
        const { data, models, track } = ctx.keel;
        const { clean } = ctx.inputs.validate as { clean: string };
        const file = `${ctx.root}/${clean}`;
        const frame = await data.readFrame(file);
        const x = frame.drop(["churn"]);
        const estimator = new models.GbdtClassifier({
          nEstimators: Number(ctx.params.nEstimators),
          maxDepth: Number(ctx.params.maxDepth),
          learningRate: Number(ctx.params.learningRate),
          positiveClass: "Yes",
          seed: 0,
        });
        const model = await estimator.fit(x, frame.column("churn"));
        const run = await ctx.trackedRun({ experiment: "churn-retrain" });
        // The bundle (signature, reference profile, lineage) and the run's params, input and artifact.
        await track.saveTrainedModel(`${ctx.root}/${clean.replace(/clean\.csv$/, "model")}`, {
          model,
          x,
          target: "churn",
          positive: "Yes",
          params: estimator.params,
          data: file,
          trainedOn: clean,
          codeVersion: "examples/retrain",
          createdAt: ctx.logicalDate,
          run,
        });
        const version = await ctx.registerModel("churn", {
          artifactUri: `runs:/${run.id}/model`,
          runId: run.id,
        });
        await run.end();
        return { modelUri: `models:/churn/${version.version}`, runId: run.id };
      },
    }),
    // The challenger's holdout AUC, logged on its run.
    evaluate: step({
      after: ["train"],
      run: async (ctx) => {
        const { serve, evaluate, models } = ctx.keel;
        const { modelUri, runId } = ctx.inputs.train as { modelUri: string; runId: string };
        const { bundle } = await serve.loadModelRef(ctx.tracking, ctx.root, modelUri);
        const holdout = await models.readBundleData(
          bundle.inputSignature,
          `${ctx.root}/${HOLDOUT}`,
        );
        const predictions = evaluate.predictionsOf(bundle, holdout, {
          target: "churn",
          positive: "Yes",
        });
        const auc = evaluate.resolveMetric("rocAuc").compute(predictions);
        await ctx.tracking.runs.logMetric(runId, {
          key: "holdout.rocAuc",
          value: auc,
          step: 0,
          timestamp: Date.now(),
        });
        return { modelUri, auc };
      },
    }),
    // Move @champion only if every gate passes and AUC improves by more than 1% (relative).
    promote: promotionStep({
      after: ["evaluate"],
      model: "churn",
      holdout: HOLDOUT,
      metric: "rocAuc",
      minImprovement: 0.01,
      gates: [{ metric: "rocAuc", min: 0.75 }],
      nResamples: 200,
    }),
  },
});

export default defineConfig({ project: "churn-retrain", pipelines: [churnRetrain] });
