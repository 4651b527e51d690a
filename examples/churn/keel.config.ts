// The churn story as a keel project: a subscription business's warehouse (the schema
// churn_warehouse that simulate.ts writes into data/warehouse.duckdb, or into PostgreSQL when
// KEEL_DB_URL is a postgres:// URL), customer and behavioural features computed from it in
// SQL, a daily feature refresh, a weekly retraining with TPE over gradient-boosted trees,
// validation (5-fold CV, precision at 80% recall, a bias check across segments), a promotion
// policy, a retraining that a drift alert starts, the `churn` deployment (champion and
// challenger with online features, a baseline in shadow) and a monitor over it.
//
// `keel demo` replays weeks of this business on a simulated clock. Copy this directory to start
// your own project: point the views' SQL at your warehouse and keep the rest.
//
//   keel apply                                 # register the feature definitions
//   keel run features-daily --date 2026-02-02  # materialise a day into the online store
//   keel run train-weekly --date 2026-02-02 --param trials=20
//   keel deploy apply                          # store the `churn` deployment declared below
//   keel server                                # serve it (and the dashboard, the schedules)
//   keel monitor run churn-drift

import type { StepContext } from "keel";
import {
  defineConfig,
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  definePipeline,
  freshnessStep,
  materializeStep,
  postgresSource,
  promotionStep,
  sqlSource,
  step,
} from "keel";

/** Each run's training set, holdout and bundle live in a directory of its own under here. */
const WORK = "work";
const DAY_MS = 86_400_000;
/** A customer counts as churned when the churn event falls within this many days of the snapshot. */
const HORIZON_DAYS = 14;
const TARGET = "churned";
const SEGMENTS = ["region", "age_band"] as const;

// The warehouse the features are computed from, where simulate.ts wrote it: PostgreSQL when
// KEEL_DB_URL is a postgres:// URL (keel's working tables go into the warehouse's schema too),
// else the embedded DuckDB file. The views' SQL runs on either. No `onlineStore`: the embedded
// default (SQLite in .keel/), or Redis under keel:churn when KEEL_REDIS_URL is set.
const pgUrl = /^postgres(ql)?:\/\//.test(process.env.KEEL_DB_URL ?? "")
  ? process.env.KEEL_DB_URL
  : undefined;
const offlineStore =
  pgUrl === undefined
    ? ({ type: "duckdb", database: "data/warehouse.duckdb" } as const)
    : ({ type: "postgres", url: pgUrl, schema: "churn_warehouse" } as const);
const warehouseSql = (query: string) =>
  pgUrl === undefined ? sqlSource({ query }) : postgresSource({ query });

const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });

// Each day's features are known at the end of the day: event_timestamp is the next midnight.
const customerProfile = defineFeatureView({
  name: "customer_profile",
  entities: [customer],
  ttl: "1d",
  description: "Tenure, recency, frequency and monetary value (RFM) and the plan",
  source: warehouseSql(`
      SELECT a.customer_id,
             CAST(a.day + INTERVAL '1 day' AS TIMESTAMP) AS event_timestamp,
             CAST(a.day - c.signup_date AS DOUBLE PRECISION) AS tenure_days,
             CAST(a.day - MAX(CASE WHEN a.logins > 0 THEN a.day END) OVER all_days AS DOUBLE PRECISION) AS recency_days,
             CAST(COUNT(CASE WHEN a.logins > 0 THEN 1 END) OVER d30 AS DOUBLE PRECISION) AS frequency_30d,
             CAST(SUM(COALESCE(p.amount, 0)) OVER d30 AS DOUBLE PRECISION) AS monetary_30d,
             c.plan
      FROM churn_warehouse.activity a
      JOIN churn_warehouse.customers c USING (customer_id)
      LEFT JOIN churn_warehouse.payments p ON p.customer_id = a.customer_id AND p.paid_at = a.day
      WINDOW all_days AS (PARTITION BY a.customer_id ORDER BY a.day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
             d30 AS (PARTITION BY a.customer_id ORDER BY a.day ROWS BETWEEN 29 PRECEDING AND CURRENT ROW)`),
  timestampField: "event_timestamp",
  schema: {
    tenure_days: "numeric",
    recency_days: "numeric",
    frequency_30d: "numeric",
    monetary_30d: "numeric",
    plan: "categorical",
  },
  tags: { team: "growth" },
});

const behaviour = defineFeatureView({
  name: "behaviour",
  entities: [customer],
  ttl: "1d",
  description: "Logins, page views and support tickets over the last 7 and 30 days",
  source: warehouseSql(`
      SELECT customer_id,
             CAST(day + INTERVAL '1 day' AS TIMESTAMP) AS event_timestamp,
             CAST(SUM(logins) OVER d7 AS DOUBLE PRECISION) AS logins_7d,
             CAST(SUM(logins) OVER d30 AS DOUBLE PRECISION) AS logins_30d,
             CAST(SUM(page_views) OVER d7 AS DOUBLE PRECISION) AS page_views_7d,
             CAST(SUM(page_views) OVER d30 AS DOUBLE PRECISION) AS page_views_30d,
             CAST(SUM(support_tickets) OVER d7 AS DOUBLE PRECISION) AS tickets_7d,
             CAST(SUM(support_tickets) OVER d30 AS DOUBLE PRECISION) AS tickets_30d
      FROM churn_warehouse.activity
      WINDOW d7 AS (PARTITION BY customer_id ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW),
             d30 AS (PARTITION BY customer_id ORDER BY day ROWS BETWEEN 29 PRECEDING AND CURRENT ROW)`),
  timestampField: "event_timestamp",
  schema: {
    logins_7d: "numeric",
    logins_30d: "numeric",
    page_views_7d: "numeric",
    page_views_30d: "numeric",
    tickets_7d: "numeric",
    tickets_30d: "numeric",
  },
  tags: { team: "growth" },
});

const churnModel = defineFeatureService({
  name: "churn_model",
  features: [customerProfile, behaviour],
});

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The GBDT search space (the JSON form `keel tune --space` reads): small trees for weekly data. */
const SEARCH_SPACE = {
  nEstimators: { low: 20, high: 120 },
  maxDepth: { low: 2, high: 5 },
  learningRate: { low: 0.03, high: 0.3, log: true },
  minChildWeight: { low: 1, high: 20, log: true },
  subsample: { low: 0.6, high: 1 },
};

/** Training params: `trials` TPE trials, `folds`-fold CV, `snapshots` weekly label snapshots. */
const trainParams = { trials: 50, folds: 5, snapshots: 4, seed: 7 };

// The training steps, shared by the weekly schedule and the drift-triggered retraining.
const trainingSteps = {
  // Point-in-time training set: a row per customer subscribed at each of the last weekly
  // snapshots whose label is known by the logical date (churned within 14 days: yes/no),
  // joined with the features as of that snapshot. The newest snapshot is the holdout. The
  // entity rows' SQL runs on the offline store's engine, so it too is DuckDB and PostgreSQL alike.
  "training-set": step({
    cache: false,
    run: async (ctx: StepContext) => {
      // The project's feature store as registered, on the config's stores (closed after the step).
      const store = await ctx.features();
      const known = ctx.logicalDate.getTime() - HORIZON_DAYS * DAY_MS;
      // Mondays 00:00 UTC on or before the last date whose 14-day outcome is known.
      const lastMonday =
        known - (((new Date(known).getUTCDay() + 6) % 7) * DAY_MS + (known % DAY_MS));
      const n = Number(ctx.params.snapshots);
      const snapshots = Array.from({ length: n }, (_, i) =>
        isoDay(lastMonday - (n - 1 - i) * 7 * DAY_MS),
      );
      const frame = await store.getHistoricalFeatures({
        entityRows: {
          sql: `
            SELECT c.customer_id, CAST(s.snap AS TIMESTAMP) AS event_timestamp, c.region, c.age_band,
                   CASE WHEN ch.churned_at IS NOT NULL AND ch.churned_at < s.snap + INTERVAL '${HORIZON_DAYS} days'
                        THEN 'yes' ELSE 'no' END AS ${TARGET}
            FROM (VALUES ${snapshots.map((d) => `(DATE '${d}')`).join(", ")}) AS s(snap)
            JOIN churn_warehouse.customers c ON c.signup_date < s.snap
            LEFT JOIN churn_warehouse.churn ch ON ch.customer_id = c.customer_id
            WHERE ch.churned_at IS NULL OR ch.churned_at >= s.snap
            ORDER BY s.snap, c.customer_id`,
        },
        features: { service: "churn_model" },
      });
      if (frame === undefined) throw new Error("the offline store returned no training set");
      // Timestamps are epoch ms in a Float64Array, like numbers.
      const times = frame.column("event_timestamp").values as Float64Array;
      const newest = Date.parse(`${snapshots.at(-1)}T00:00:00Z`);
      const train: number[] = [];
      const holdout: number[] = [];
      for (let i = 0; i < frame.nRows; i++)
        ((times[i] as number) >= newest ? holdout : train).push(i);
      const dir = `${WORK}/${isoDay(ctx.logicalDate.getTime())}-${ctx.runId.slice(0, 8)}`;
      const { mkdir } = await import("node:fs/promises");
      await mkdir(`${ctx.root}/${dir}`, { recursive: true });
      const rows = frame.drop(["event_timestamp"]);
      await ctx.keel.data.writeFrame(rows.take(train), `${ctx.root}/${dir}/train.csv`);
      await ctx.keel.data.writeFrame(rows.take(holdout), `${ctx.root}/${dir}/holdout.csv`);
      const labels = rows
        .take(train)
        .toRecords()
        .filter((r) => r[TARGET] === "yes").length;
      ctx.log.info("training set", {
        snapshots: snapshots.join(","),
        train: train.length,
        holdout: holdout.length,
      });
      return {
        dir,
        train: `${dir}/train.csv`,
        rows: train.length,
        positives: labels,
        holdout: `${dir}/holdout.csv`,
        holdoutRows: holdout.length,
        snapshots,
      };
    },
  }),
  // Data checks on the training rows: features present, in range, labels known.
  "data-checks": step({
    after: ["training-set"],
    cache: false,
    run: async (ctx: StepContext) => {
      const { data } = ctx.keel;
      const { train } = ctx.inputs["training-set"] as { train: string };
      const frame = await data.readFrame(`${ctx.root}/${train}`);
      const checks = data.parseChecks(
        {
          checks: [
            { check: "rowCount", min: 200 },
            { check: "allowedValues", column: TARGET, values: ["yes", "no"] },
            { check: "notNull", column: "tenure_days" },
            { check: "notNull", column: "logins_30d" },
            { check: "range", column: "tenure_days", min: 0 },
            { check: "range", column: "tickets_30d", min: 0 },
            { check: "allowedValues", column: "plan", values: ["basic", "plus", "pro"] },
          ],
        },
        "train-weekly data checks",
      );
      const report = await data.runChecks(frame, checks, { source: "train-weekly data checks" });
      const failed = report.results
        .filter((r) => !r.passed)
        .map((r) => `${r.check}(${r.column ?? ""})`);
      if (failed.length > 0) throw new Error(`data checks failed: ${failed.join(", ")}`);
      return { checks: report.results.length, passed: report.results.length };
    },
  }),
  // TPE over the GBDT's parameters, each trial scored by stratified k-fold CV (a nested run of
  // this step's tracked run); the best parameters are refitted on all training rows into a
  // bundle whose monitoring reference is the holdout (the newest labelled week, which the
  // model never saw): in-sample scores of older weeks would make the prediction baseline drift
  // with time alone.
  tune: step({
    after: ["training-set", "data-checks"],
    cache: false,
    run: async (ctx: StepContext) => {
      const { data, track } = ctx.keel;
      const { train, holdout, dir } = ctx.inputs["training-set"] as Record<string, string>;
      const file = `${ctx.root}/${train}`;
      const schema = { plan: "categorical" } as const;
      const training = (await data.readFrame(file, { schema })).drop(["customer_id", ...SEGMENTS]);
      const run = await ctx.trackedRun({ experiment: "churn" });
      const tuned = await track.tuneGbdt(training, {
        target: TARGET,
        positive: "yes",
        nTrials: Number(ctx.params.trials),
        cv: Number(ctx.params.folds),
        seed: Number(ctx.params.seed),
        space: SEARCH_SPACE,
        tracking: { tracking: ctx.tracking, run },
        signal: ctx.signal,
      });
      // Stopped (Ctrl-C) before its trials were done: fail the step rather than register the
      // best so far; a resumed run tunes again.
      ctx.signal.throwIfAborted();
      await track.saveTrainedModel(`${ctx.root}/${dir}/model`, {
        model: tuned.model,
        x: training.drop([TARGET]),
        target: TARGET,
        positive: "yes",
        params: tuned.params,
        metrics: { "valid.auc": tuned.bestValue, "cv.rocAuc": tuned.bestValue },
        reference: await data.readFrame(`${ctx.root}/${holdout}`, { schema }),
        data: file,
        trainedOn: train,
        codeVersion: "examples/churn",
        createdAt: ctx.logicalDate,
        run,
      });
      await run.end();
      return {
        runId: run.id,
        cvAuc: tuned.bestValue,
        trials: tuned.study.trials.length,
        completed: tuned.trials.COMPLETE,
        bundle: `${dir}/model`,
      };
    },
  }),
  // The business metric and the bias check on the holdout: precision when 80% of churners are
  // caught and, at that threshold, per segment the recall gap between groups (equal
  // opportunity difference) and the gap between their flag rates (demographic parity).
  evaluate: step({
    after: ["training-set", "tune"],
    cache: false,
    run: async (ctx: StepContext) => {
      const { models, evaluate } = ctx.keel;
      const { bundle, runId } = ctx.inputs.tune as { bundle: string; runId: string };
      const file = (ctx.inputs["training-set"] as { holdout: string }).holdout;
      const model = await models.loadModel(`${ctx.root}/${bundle}`);
      const holdout = await models.readBundleData(model.inputSignature, `${ctx.root}/${file}`);
      const p = evaluate.predictionsOf(model, holdout, { target: TARGET, positive: "yes" });
      const y = evaluate.binaryLabels(p);
      const score = p.score as Float64Array;
      const auc = evaluate.rocAuc(y, score);
      const precision = evaluate.precisionAtRecall(y, score, 0.8);
      const threshold = evaluate.thresholdAtRecall(y, score, 0.8);
      const flagged = score.map((s) => (s >= threshold ? 1 : 0));
      const bias: Record<string, { recallGap: number; flagRateGap: number }> = {};
      for (const segment of [...SEGMENTS, "plan"]) {
        const groups = evaluate.labelsOf(holdout.column(segment)).map((v) => v ?? "missing");
        const options = { sensitive: { [segment]: groups }, minGroupSize: 30 };
        bias[segment] = {
          recallGap: evaluate.equalOpportunityDifference(y, flagged, options),
          flagRateGap: evaluate.demographicParityDifference(y, flagged, options),
        };
      }
      await ctx.tracking.runs.logMetric(runId, {
        key: "holdout.rocAuc",
        value: auc,
        step: 0,
        timestamp: ctx.logicalDate.getTime(),
      });
      await ctx.tracking.runs.logMetric(runId, {
        key: "holdout.precisionAtRecall80",
        value: precision,
        step: 0,
        timestamp: ctx.logicalDate.getTime(),
      });
      return { auc, precisionAtRecall80: precision, threshold, bias };
    },
  }),
  // A logistic regression on the same rows, registered as 'churn-baseline' @current: the
  // deployment scores every request with it in shadow (logged, never answered with), so the
  // shadow agreement on the dashboard shows on live traffic what the GBDT adds.
  baseline: step({
    after: ["training-set", "data-checks"],
    cache: false,
    run: async (ctx: StepContext) => {
      const { data, models, transform, track } = ctx.keel;
      const { train, holdout, dir } = ctx.inputs["training-set"] as Record<string, string>;
      const schema = { plan: "categorical" } as const;
      const rows = (await data.readFrame(`${ctx.root}/${train}`, { schema })).drop([
        "customer_id",
        ...SEGMENTS,
      ]);
      const x = rows.drop([TARGET]);
      // Linear models take imputed, scaled, one-hot columns; the bundle keeps the recipe.
      const preprocessor = await transform.linearPreprocessing().fit(x);
      const estimator = new models.LogisticRegression({ positiveClass: "yes", maxIter: 500 });
      const model = await estimator.fit(preprocessor.transform(x), rows.column(TARGET));
      const run = await ctx.trackedRun({ experiment: "churn-baseline" });
      await track.saveTrainedModel(`${ctx.root}/${dir}/baseline`, {
        model,
        preprocessor,
        x,
        target: TARGET,
        positive: "yes",
        params: estimator.params,
        reference: await data.readFrame(`${ctx.root}/${holdout}`, { schema }),
        trainedOn: train,
        codeVersion: "examples/churn",
        createdAt: ctx.logicalDate,
        run,
      });
      await run.end();
      const version = await ctx.registerModel("churn-baseline", {
        artifactUri: `runs:/${run.id}/model`,
        runId: run.id,
      });
      await ctx.tracking.models.setAlias("churn-baseline", "current", version.version, {
        actor: `pipeline:${ctx.pipeline}`,
        reason: `trained for ${isoDay(ctx.logicalDate.getTime())}`,
      });
      return { baselineUri: `models:/churn-baseline/${version.version}`, version: version.version };
    },
  }),
  // A new version of 'churn', and @challenger on it: it gets the challenger's share of traffic.
  register: step({
    after: ["tune", "evaluate"],
    cache: false,
    run: async (ctx: StepContext) => {
      const { runId } = ctx.inputs.tune as { runId: string };
      const version = await ctx.registerModel("churn", {
        artifactUri: `runs:/${runId}/model`,
        runId,
      });
      await ctx.tracking.models.setAlias("churn", "challenger", version.version, {
        actor: `pipeline:${ctx.pipeline}`,
        reason: `trained for ${isoDay(ctx.logicalDate.getTime())} [pipeline ${ctx.pipeline} run ${ctx.runId}]`,
      });
      return { modelUri: `models:/churn/${version.version}`, version: version.version };
    },
  }),
  // The promotion policy: @champion moves only if AUC on the same holdout improves by more
  // than 1% (relative) and every gate passes: precision at 80% recall above the base churn
  // rate (about 6%: better than flagging customers at random), and across regions and across
  // age bands flag rates within 0.1 of each other at the 0.12 threshold (demographic parity).
  // A few hundred customers a group move that gap by several points by chance, so each bias
  // gate judges its 95% bootstrap interval: it fails only when the whole interval is above
  // 0.1; a point value above with 0.1 inside the interval passes as inconclusive. (Churn risk
  // really differs by region, so the four-fifths ratio of flag rates would refuse most models.)
  promote: promotionStep({
    after: ["training-set", "register"],
    model: "churn",
    // This run's holdout, the file the training-set step wrote and named in its output.
    holdout: { fromStep: "training-set" },
    metric: "rocAuc",
    minImprovement: 0.01,
    threshold: 0.12,
    gates: [
      { metric: "precisionAtRecall", recall: 0.8, min: 0.08 },
      { bias: "demographicParityDifference", by: "region", max: 0.1, interval: true },
      { bias: "demographicParityDifference", by: "age_band", max: 0.1, interval: true },
    ],
    nResamples: 200,
  }),
};

export default defineConfig({
  project: "churn",
  offlineStore,
  entities: [customer],
  featureViews: [customerProfile, behaviour],
  featureServices: [churnModel],
  pipelines: [
    // Every day at 01:00 UTC: yesterday's features into the online store, then a freshness check.
    definePipeline({
      name: "features-daily",
      schedule: "0 1 * * *",
      steps: {
        // Up to the run's logical date: a scheduled run's fire time, a backfilled day's date.
        materialize: materializeStep({ clock: "logicalDate" }),
        freshness: freshnessStep({
          after: ["materialize"],
          failOnStale: true,
          clock: "logicalDate",
        }),
      },
    }),
    // Every Monday at 03:00 UTC.
    definePipeline({
      name: "train-weekly",
      schedule: "0 3 * * 1",
      params: trainParams,
      steps: trainingSteps,
    }),
    // Started by the churn-drift monitor's pipeline sink (params `reason`, `alertKind`).
    definePipeline({
      name: "retrain-on-drift",
      params: { ...trainParams, reason: "", alertKind: "" },
      steps: trainingSteps,
    }),
  ],
  // `keel deploy apply` stores it once @champion and @challenger exist; `keel server` serves it
  // at POST /v1/deployments/churn/predict. A request names the customer, the deployment reads
  // their features from the online store (values the request sends for them are replaced).
  deployments: [
    {
      name: "churn",
      variants: [
        { name: "champion", model: "models:/churn@champion", weight: 90 },
        { name: "challenger", model: "models:/churn@challenger", weight: 10 },
      ],
      // A customer stays on one variant, so the A/B comparison is per customer.
      stickyKey: "customer_id",
      // Scored on every request after the answer went out; its outputs are only logged.
      shadow: [{ name: "baseline", model: "models:/churn-baseline@current" }],
      features: { service: "churn_model", entityKey: "customer_id" },
    },
  ],
  monitors: [
    {
      name: "churn-drift",
      deployment: "churn",
      reference: "models:/churn@champion",
      // Only the champion variant's predictions made by the version @champion points at now:
      // the challenger's 10% is another model, and after a promotion the old champion's
      // predictions would be judged against the new one's reference as a shift.
      variant: "champion",
      modelVersion: "reference",
      // Run daily over the last 7 days: a day's ~150 requests are too few for Wasserstein
      // distances to stay under 0.1 by chance.
      window: "weekly",
      // Dataset drift when 2 of the 11 features drift (Evidently's default share, 0.5, would
      // wait for six: a support outage moves the two ticket counts, a price the monetary value),
      // each by a normalised Wasserstein distance of 0.15: a week of ~1,000 predictions moves
      // logins and page views by up to 0.12 with no change; the outage moves tickets by 0.4–0.8.
      // A window holding fewer than 1,000 of the champion's predictions (the day after a
      // promotion) is "insufficient data": no verdict, no alert. On 1,000 rows the mean of
      // scores around 0.06 moves by about 4% by chance, well inside the 10% alert.
      drift: { driftShare: 0.15, threshold: 0.15, minRows: 1000 },
      prediction: { maxShift: 0.1 },
      performance: { tolerance: 0.05, minLabels: 100 },
      alerts: {
        sinks: [
          { type: "file", path: "alerts.jsonl" },
          {
            type: "webhook",
            url: process.env.KEEL_DEMO_WEBHOOK_URL ?? "http://127.0.0.1:8787/alerts",
            attempts: 2,
            backoffMs: 100,
          },
          { type: "pipeline", pipeline: "retrain-on-drift" },
        ],
        // At most one alert of a kind (and one retraining) a week.
        cooldownMinutes: 7 * 24 * 60,
      },
    },
  ],
});
