import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { PipelineStore } from "../../orchestrate/index.js";
import { openServingStore } from "../../serve/index.js";
import { MonitoringStore } from "../../store/index.js";
import { openTracking } from "../../track/index.js";
import type { ChurnStorySummary } from "../demo/churn-story.js";
import { demoSettings } from "../demo/demo-settings.js";
import { runCli } from "../run.js";
import { captureIo } from "./capture-io.js";

const DAY_MS = 86_400_000;

/**
 * Runs `keel demo --fast --no-serve` in `cwd` (in this process, on the stores the environment
 * names: `KEEL_DB_URL`, `KEEL_REDIS_URL`), checks that it finished, and returns the demo home
 * and the printed timeline (also written to `test-output/demo/<name>.txt` for whoever reads a
 * CI failure). Test-only.
 *
 * @example
 * ```ts
 * const { home, timeline } = await runFastDemo(cwd, "timeline");
 * await expectChurnStory(home, timeline);
 * ```
 */
export async function runFastDemo(
  cwd: string,
  name: string,
): Promise<{ home: string; timeline: string }> {
  const io = captureIo(cwd);
  const code = await runCli(["demo", "--fast", "--no-serve"], io);
  expect(io.stderr()).not.toContain("error");
  expect(code, io.stdout()).toBe(0);
  const timeline = io.stdout();
  mkdirSync(join("test-output", "demo"), { recursive: true });
  writeFileSync(join("test-output", "demo", `${name}.txt`), timeline);
  return { home: join(cwd, "keel-demo"), timeline };
}

/**
 * Asserts that a `keel demo --fast` home holds every stage of the churn story, read back from
 * the metadata store through the library (not the demo's own words): a `features-daily` run a
 * replayed day and a `train-weekly` run a replayed Monday, all succeeded; the configured TPE
 * trials of every training as nested runs; at least one promotion and one refusal with its
 * reason; a drift alert after the business change, delivered to the webhook, and the
 * retraining it started; predictions of both variants with fed-back labels; the A/B analysis
 * with AUC intervals. The store is the one the environment names (`KEEL_DB_URL`, else the
 * home's SQLite file). Test-only.
 *
 * @example
 * ```ts
 * await expectChurnStory(home, timeline);
 * ```
 */
export async function expectChurnStory(home: string, timeline: string): Promise<void> {
  const settings = demoSettings(true);
  const start = Date.parse(`${settings.start}T00:00:00Z`);
  const change = start + settings.changeWeek * 7 * DAY_MS;
  const replayedDays = (settings.weeks - settings.replayFromWeek) * 7;
  const summary = JSON.parse(
    readFileSync(join(home, "demo-summary.json"), "utf8"),
  ) as ChurnStorySummary;
  expect(summary.completed).toBe(true);

  const tracking = await openTracking({ root: home });
  try {
    // Pipeline runs: one features-daily per replayed day, one train-weekly per replayed
    // Monday, every one succeeded.
    const pipelines = new PipelineStore(tracking.database);
    const daily = await pipelines.listRuns({ pipeline: "features-daily", limit: 1000 });
    const weekly = await pipelines.listRuns({ pipeline: "train-weekly", limit: 1000 });
    const retrains = await pipelines.listRuns({ pipeline: "retrain-on-drift", limit: 1000 });
    expect(daily).toHaveLength(replayedDays);
    expect(weekly).toHaveLength(replayedDays / 7);
    expect([...daily, ...weekly, ...retrains].every((r) => r.status === "succeeded")).toBe(true);

    // Every training ran the configured number of TPE trials, each a tracked nested run.
    const trainings = summary.trainings;
    expect(trainings).toHaveLength(weekly.length + retrains.length);
    for (const t of trainings) expect(t.trials).toBe(settings.trials);
    // Each trial a nested run of its pipeline's tune step run (one tree per training).
    const churn = await tracking.experiments.getByName("churn");
    expect(churn).toBeDefined();
    const runs = await tracking.runs.search({
      experimentIds: [churn?.experimentId ?? ""],
      maxResults: 1000,
    });
    const tuneRuns = new Set(
      runs.items
        .filter((r) => r.data.tags.some((t) => t.key === "keel.pipeline.step"))
        .map((r) => r.info.runId),
    );
    expect(tuneRuns.size).toBe(trainings.length);
    const trials = runs.items.filter((r) =>
      r.data.tags.some((t) => t.key === "mlflow.parentRunId"),
    );
    expect(trials).toHaveLength(trainings.length * settings.trials);
    expect(trials.every((r) => tuneRuns.has(r.info.parentRunId ?? ""))).toBe(true);

    // At least one promotion and one refusal, each with its reason on the version.
    const versions = (await tracking.models.searchVersions({ filter: "name = 'churn'" })).items;
    const decisions = versions.map(
      (v) => v.tags.find((t) => t.key === "keel.promotion")?.value ?? "",
    );
    expect(decisions.some((d) => d.startsWith("promoted:"))).toBe(true);
    const refused = decisions.filter((d) => d.startsWith("not promoted:"));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((d) => /failed|needed more than/.test(d))).toBe(true);
    const history = await tracking.models.aliasHistory("churn", "champion");
    expect(history.length).toBeGreaterThan(0);
    expect(timeline).toContain("PROMOTED");
    expect(timeline).toContain("REFUSED");

    // A drift alert after the business change, and a retraining the alert started after it.
    const deliveries = await new MonitoringStore(tracking.database).list({
      monitor: "churn-drift",
      limit: 1000,
    });
    const afterChange = deliveries.filter((d) => d.at >= change && d.status === "delivered");
    expect(afterChange.some((d) => d.sink.startsWith("webhook:"))).toBe(true);
    const started = afterChange.filter((d) => d.sink === "pipeline:retrain-on-drift");
    expect(started.length).toBeGreaterThan(0);
    const retrain = retrains.find(
      (r) =>
        r.trigger === "trigger:monitor:churn-drift" &&
        r.logicalDate.getTime() >= change &&
        r.status === "succeeded",
    );
    expect(retrain).toBeDefined();
    expect(summary.webhookDeliveries).toBeGreaterThan(0);

    // Predictions of both variants in the log, with fed-back labels, and the A/B analysis
    // with confidence intervals for both.
    const serving = openServingStore(tracking.database);
    for (const variant of ["champion", "challenger"]) {
      const logged = await serving.readPredictions({ deployment: "churn", variant });
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.some((p) => p.label !== undefined)).toBe(true);
    }
    const ab = summary.experiment;
    expect(ab?.sampleRatio.mismatch).toBe(false);
    for (const v of ab?.variants ?? []) {
      const auc = v.metrics?.auc;
      expect(auc, `${v.name} has an AUC interval`).toBeDefined();
      expect(auc?.lower).toBeLessThanOrEqual(auc?.value ?? Number.NaN);
      expect(auc?.upper).toBeGreaterThanOrEqual(auc?.value ?? Number.NaN);
    }
    expect(ab?.variants).toHaveLength(2);
  } finally {
    await tracking.close();
  }
}
