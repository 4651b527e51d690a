import { join } from "node:path";
import { createJiti } from "jiti";
import { type LoadedConfig, loadConfig, runConfiguredMonitor } from "../../config/index.js";
import { KeelError, type Progress } from "../../core/index.js";
import { FeatureRegistry, type FeatureStore, openFeatureStore } from "../../features/index.js";
import type { MonitorDefinition } from "../../monitor/index.js";
import {
  backfill,
  findPipeline,
  type PipelineDefinition,
  type PipelineResult,
  PipelineStore,
  runPipeline,
} from "../../orchestrate/index.js";
import {
  analyzeExperiment,
  applyDeployments,
  createPredictionLog,
  type ExperimentAnalysis,
  openServingStore,
  type PredictionLog,
  predictionSinkFor,
  ServingRuntime,
  type ServingStore,
} from "../../serve/index.js";
import { MonitoringStore } from "../../store/index.js";
import { openTracking, type Tracking } from "../../track/index.js";
import { featureStoreOptions } from "../features-project.js";
import { CustomerBook, type CustomerTables } from "./customer-book.js";
import { type DemoCheckpoint, writeCheckpoint } from "./demo-checkpoint.js";
import { churnExampleDir } from "./demo-home.js";
import type { DemoSettings } from "./demo-settings.js";
import { TrafficReplay } from "./traffic-replay.js";
import { type TrainingOutcome, trainingOutcome } from "./training-outcome.js";
import { startWebhookReceiver } from "./webhook-receiver.js";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** The part of `examples/churn/simulate.ts` the demo calls (loaded with jiti at run time). */
interface SimulatorModule {
  simulate(options: Record<string, unknown>): CustomerTables & {
    readonly activity: { readonly customer_id: readonly number[] };
    readonly payments: { readonly customer_id: readonly number[] };
  };
  /** Into a DuckDB file at a path, or into PostgreSQL at a `postgres://` URL. */
  writeWarehouse(sim: unknown, target: string): Promise<void>;
  isPostgresUrl(target: string): boolean;
  readonly WAREHOUSE_SCHEMA: string;
}

/**
 * What `keel demo` needs to tell the story: where, how big, and where its lines go.
 *
 * @example
 * ```ts
 * await runChurnStory({ home, settings: demoSettings(true), signal, say: console.log, progress });
 * ```
 */
export interface ChurnStoryOptions {
  /** A prepared demo home (`prepareDemoHome`). */
  readonly home: string;
  readonly settings: DemoSettings;
  /** Aborted by Ctrl-C: the story stops after the step in progress. */
  readonly signal: AbortSignal;
  /** Continue a stopped story from its checkpoint (`keel demo --resume`) instead of starting one. */
  readonly resume?: DemoCheckpoint;
  /** Prints one timeline line. */
  readonly say: (line: string) => void;
  readonly progress: Progress;
}

/**
 * What the story produced, counted (also written to `demo-summary.json` in the home).
 *
 * @example
 * ```ts
 * const summary = await runChurnStory(options);
 * summary.trainings.filter((t) => t.promoted).length; // ≥ 1
 * ```
 */
export interface ChurnStorySummary {
  readonly completed: boolean;
  readonly days: number;
  readonly pipelineRuns: Readonly<Record<string, number>>;
  readonly trainings: readonly (TrainingOutcome & { readonly day: string })[];
  readonly alerts: readonly {
    readonly day: string;
    readonly kind: string;
    readonly message: string;
  }[];
  readonly webhookDeliveries: number;
  readonly predictions: Readonly<Record<string, number>>;
  readonly feedbackLabels: number;
  readonly experiment?: ExperimentAnalysis;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function pct(x: number): string {
  return `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
}

/**
 * The churn story end to end on simulated weeks: simulate the business into the warehouse,
 * register the features, then day by day on the simulated clock backfill `features-daily` and
 * `train-weekly`, replay scoring traffic against the `churn` deployment (online features, 90/10
 * sticky split, every prediction logged), feed labels back after the label delay, run the
 * `churn-drift` monitor (whose pipeline sink starts `retrain-on-drift`), and report the A/B
 * experiment weekly. Each line of the timeline goes to `say`.
 *
 * @example
 * ```ts
 * const summary = await runChurnStory({ home: "keel-demo", settings, signal, say, progress });
 * ```
 */
export async function runChurnStory(options: ChurnStoryOptions): Promise<ChurnStorySummary> {
  const { home, settings, say } = options;
  const resume = options.resume;
  const started = Date.now();
  const simulator = (await createJiti(import.meta.url).import(
    join(churnExampleDir(), "simulate.ts"),
  )) as SimulatorModule;
  const sim = simulator.simulate({
    seed: settings.seed,
    customers: settings.customers,
    weeks: settings.weeks,
    changeWeek: settings.changeWeek,
    start: settings.start,
  });
  const startMs = Date.parse(`${settings.start}T00:00:00Z`);
  // The warehouse follows the metadata store, as the example's keel.config.ts reads it: into
  // PostgreSQL when KEEL_DB_URL is a postgres:// URL, else the home's DuckDB file.
  const dbUrl = process.env.KEEL_DB_URL ?? "";
  const onPostgres = simulator.isPostgresUrl(dbUrl);
  const warehouse = onPostgres
    ? `PostgreSQL schema ${simulator.WAREHOUSE_SCHEMA}`
    : `data/warehouse.duckdb (schema ${simulator.WAREHOUSE_SCHEMA})`;
  if (resume !== undefined)
    say(
      `resuming at ${isoDay(startMs + resume.nextDay * DAY_MS)}, after ${resume.nextDay - settings.replayFromWeek * 7} of ${(settings.weeks - settings.replayFromWeek) * 7} simulated days${resume.scored ? " (that day's traffic already scored)" : ""}; the warehouse, runs, models and predictions so far are kept  [keel demo --resume]`,
    );
  else
    await simulator.writeWarehouse(
      sim,
      onPostgres ? dbUrl : join(home, "data", "warehouse.duckdb"),
    );
  if (resume === undefined)
    say(
      `simulated ${settings.weeks} weeks from ${settings.start}: ${sim.customers.customer_id.length} customers, ${sim.activity.customer_id.length} customer-days of logins/page views/tickets, ${sim.payments.customer_id.length} payments, ${sim.churn.customer_id.length} churns; the pro plan's price rises and support has an outage from ${isoDay(startMs + settings.changeWeek * 7 * DAY_MS)}  [examples/churn/simulate.ts → ${warehouse}]`,
    );
  const hook = await startWebhookReceiver();
  const previousHook = process.env.KEEL_DEMO_WEBHOOK_URL;
  process.env.KEEL_DEMO_WEBHOOK_URL = hook.url;
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({ cwd: home });
  } finally {
    if (previousHook === undefined) delete process.env.KEEL_DEMO_WEBHOOK_URL;
    else process.env.KEEL_DEMO_WEBHOOK_URL = previousHook;
  }
  const tracking = await openTracking({ root: home });
  const closers: (() => Promise<void>)[] = [hook.close, () => tracking.close()];
  try {
    const database = tracking.database;
    if (resume === undefined) {
      const changes = await new FeatureRegistry(database).apply(loaded.config, "keel demo");
      say(
        `registered ${changes.length} feature definitions (entity customer, views customer_profile and behaviour with a 1-day TTL, service churn_model)  [features: keel apply]`,
      );
    }
    const features = await openFeatureStore(featureStoreOptions(loaded, database));
    closers.unshift(features.close);
    const story = new Story(
      options,
      loaded,
      tracking,
      features.store,
      new CustomerBook(sim, settings.labelDelayDays),
    );
    closers.unshift(() => story.close());
    return await story.run(startMs, started);
  } finally {
    for (const close of closers) await close();
  }
}

/** The state of one story as it runs. */
class Story {
  readonly #o: ChurnStoryOptions;
  readonly #loaded: LoadedConfig;
  readonly #tracking: Tracking;
  readonly #pipelines: PipelineStore;
  readonly #serving: ServingStore;
  readonly #log: PredictionLog;
  readonly #monitor: MonitorDefinition;
  readonly #features: FeatureStore;
  #runtime: ServingRuntime | undefined;
  /** Training runs whose outcome the timeline has told. */
  readonly #told: Set<string>;
  readonly #traffic: TrafficReplay;
  readonly #trainings: (TrainingOutcome & { day: string })[];
  readonly #alerts: { day: string; kind: string; message: string }[];

  constructor(
    o: ChurnStoryOptions,
    loaded: LoadedConfig,
    tracking: Tracking,
    features: FeatureStore,
    book: CustomerBook,
  ) {
    this.#o = o;
    this.#loaded = loaded;
    this.#tracking = tracking;
    this.#told = new Set(o.resume?.toldRuns ?? []);
    this.#trainings = [...(o.resume?.trainings ?? [])];
    this.#alerts = [...(o.resume?.alerts ?? [])];
    this.#pipelines = new PipelineStore(tracking.database);
    this.#serving = openServingStore(tracking.database);
    this.#log = createPredictionLog(predictionSinkFor(tracking.database, this.#serving), {
      batchSize: 2000,
      flushIntervalMs: 200,
    });
    this.#traffic = new TrafficReplay({
      book,
      serving: this.#serving,
      log: this.#log,
      deployment: "churn",
      requestsPerDay: o.settings.requestsPerDay,
      labelDelayDays: o.settings.labelDelayDays,
      seed: o.settings.seed,
      ...(o.resume ? { state: o.resume.traffic } : {}),
    });
    this.#features = features;
    const monitor = (loaded.config.monitors ?? []).find((m) => m.name === "churn-drift");
    if (monitor === undefined)
      throw new KeelError(
        "KEEL_ERR_CONFIG_INVALID",
        `${loaded.file} declares no monitor 'churn-drift'`,
        { details: { file: loaded.file } },
      );
    this.#monitor = monitor;
  }

  #pipeline(name: string): PipelineDefinition<unknown> {
    return findPipeline(this.#loaded.pipelines, name) as PipelineDefinition<unknown>;
  }

  get #trainParams(): Record<string, unknown> {
    const s = this.#o.settings;
    return { trials: s.trials, folds: s.folds, snapshots: s.snapshots, seed: s.seed };
  }

  #stamp(ms: number, hour: string): string {
    const d = new Date(ms);
    return `${isoDay(ms)} ${WEEKDAYS[d.getUTCDay()]} ${hour}`;
  }

  async run(startMs: number, started: number): Promise<ChurnStorySummary> {
    const { settings, say, progress, signal } = this.#o;
    const first = settings.replayFromWeek * 7;
    const last = settings.weeks * 7;
    let d = this.#o.resume?.nextDay ?? first;
    // Day d's schedules ran and its traffic was scored before the stop: its monitor is next.
    let scored = this.#o.resume?.scored ?? false;
    progress.start(last - first, "simulated days");
    progress.advance(d - first, { week: Math.floor(d / 7) });
    if (this.#o.resume === undefined) await this.#checkpoint(d, false, false);
    else if ((await this.#serving.findDeployment("churn")) !== undefined) await this.#serve();
    let completed = true;
    for (; d < last; d++) {
      if (signal.aborted) {
        completed = false;
        break;
      }
      const dayMs = startMs + d * DAY_MS;
      const resumed = scored;
      if (!scored) {
        if (d % 7 === 0) await this.#weekHeader(dayMs, d / 7, d / 7 >= settings.changeWeek);
        await this.#scheduled(dayMs);
        if (signal.aborted) {
          completed = false;
          break;
        }
        if (this.#runtime !== undefined) {
          await this.#traffic.scoreDay(this.#runtime, dayMs);
          await this.#traffic.feedBack(dayMs);
        }
        await this.#checkpoint(d, true, false);
      }
      scored = false;
      if (this.#runtime !== undefined) {
        if (!(await this.#runMonitor(dayMs, resumed))) {
          completed = false;
          break;
        }
        if (d % 7 === 6) await this.#abReport(dayMs);
      }
      await this.#checkpoint(d + 1, false, d + 1 === last);
      progress.advance(1, { week: Math.floor(d / 7) });
    }
    progress.finish();
    const summary = await this.#summary(completed, last - first);
    say(
      `${completed ? "story complete" : "story interrupted"} in ${((Date.now() - started) / 1000).toFixed(0)} s: ${Object.entries(
        summary.pipelineRuns,
      )
        .map(([p, n]) => `${n} ${p} runs`)
        .join(
          ", ",
        )}; ${summary.trainings.filter((t) => t.promoted).length} promotions, ${summary.trainings.filter((t) => t.promoted === false).length} refusals; ${summary.alerts.length} alerts`,
    );
    return summary;
  }

  /** Records how far the story got, for `keel demo --resume`. */
  async #checkpoint(nextDay: number, scored: boolean, completed: boolean): Promise<void> {
    await writeCheckpoint(this.#o.home, {
      format: 1,
      settings: this.#o.settings,
      nextDay,
      scored,
      completed,
      trainings: this.#trainings,
      alerts: this.#alerts,
      toldRuns: [...this.#told],
      traffic: this.#traffic.state(),
    });
  }

  async #weekHeader(dayMs: number, week: number, changed: boolean): Promise<void> {
    const champion = await this.#aliasVersion("champion");
    const auc =
      champion === undefined
        ? undefined
        : this.#trainings.find((t) => t.version === champion)?.holdoutAuc;
    this.#o.say(
      `── week ${week} (${isoDay(dayMs)})${changed ? " · after the price increase and support outage" : ""} · champion ${champion === undefined ? "none yet" : `v${champion}${auc === undefined ? "" : ` (holdout AUC ${auc.toFixed(3)})`}`}`,
    );
  }

  async #aliasVersion(alias: string): Promise<number | undefined> {
    try {
      return (await this.#tracking.models.resolve(`models:/churn@${alias}`)).version;
    } catch {
      return undefined;
    }
  }

  /** The day's scheduled runs, on the simulated clock: features at 01:00, training on Mondays at 03:00. */
  async #scheduled(dayMs: number): Promise<void> {
    const from = new Date(dayMs);
    const to = new Date(dayMs + DAY_MS - 1);
    const common = {
      store: this.#pipelines,
      root: this.#loaded.root,
      tracking: this.#tracking,
      from,
      to,
      signal: this.#o.signal,
    };
    await backfill(this.#pipeline("features-daily"), {
      ...common,
      onRun: (_, r) => {
        if ("run" in r && r.run.status !== "succeeded" && !this.#o.signal.aborted)
          this.#o.say(
            `  ${this.#stamp(dayMs, "01:00")}  features-daily ${r.run.status}: ${r.run.error ?? ""}  [orchestrate → features]`,
          );
      },
    });
    const results: PipelineResult[] = [];
    const skipped: string[] = [];
    await backfill(this.#pipeline("train-weekly"), {
      ...common,
      params: this.#trainParams,
      onRun: (_, r) => {
        if ("run" in r) results.push(r);
        // Finished before a stop, not yet told: tell it now.
        else if (!this.#told.has(r.skipped.runId)) skipped.push(r.skipped.runId);
      },
    });
    for (const runId of skipped) results.unshift(await this.#result(runId));
    for (const r of results) await this.#afterTraining(r, this.#stamp(dayMs, "03:00"), dayMs);
  }

  async #result(runId: string): Promise<PipelineResult> {
    return { run: await this.#pipelines.getRun(runId), steps: await this.#pipelines.steps(runId) };
  }

  async #afterTraining(
    result: PipelineResult,
    stamp: string,
    dayMs: number,
  ): Promise<TrainingOutcome> {
    const t = trainingOutcome(result);
    // A run a stop interrupted is resumed, and told, by `keel demo --resume`.
    if (t.status !== "succeeded" && this.#o.signal.aborted) return t;
    this.#told.add(t.runId);
    this.#trainings.push({ ...t, day: isoDay(dayMs) });
    const say = this.#o.say;
    if (t.status !== "succeeded") {
      say(`  ${stamp}  ${t.pipeline} ${t.status}: ${t.error ?? ""}  [orchestrate]`);
      return t;
    }
    const fixed = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "n/a");
    const bias = Object.entries(t.bias ?? {})
      .map(([k, v]) => `${k} ${fixed(v.flagRateGap)}/${fixed(v.recallGap)}`)
      .join(", ");
    say(
      `  ${stamp}  ${t.pipeline}: point-in-time training set → data checks → ${t.trials} TPE trials × ${this.#o.settings.folds}-fold CV (best CV AUC ${t.cvAuc?.toFixed(3)}) → holdout AUC ${t.holdoutAuc?.toFixed(3)}, precision at 80% recall ${t.precisionAtRecall80?.toFixed(3)}, flag-rate/recall gaps by ${bias}  [features → tune → evaluate]`,
    );
    say(
      `  ${" ".repeat(stamp.length)}  v${t.version} registered as @challenger; ${t.promoted ? "PROMOTED" : "REFUSED"}: ${t.reason}  [track registry → orchestrate promotionStep]`,
    );
    await this.#deploy(stamp);
    return t;
  }

  /**
   * Applies the config's deployments (as `keel deploy apply` does) once a champion exists and
   * starts serving them; afterwards reloads the aliases a training moved.
   */
  async #deploy(stamp: string): Promise<void> {
    if (this.#runtime !== undefined) {
      for (const ref of this.#runtime.aliasRefs()) await this.#runtime.reload(ref);
      return;
    }
    if ((await this.#aliasVersion("champion")) === undefined) return;
    const { deployments, root, file } = this.#loaded;
    const applied = await applyDeployments(deployments, this.#serving, this.#tracking, {
      cwd: root,
      file,
      by: { actor: "keel demo", reason: "the first champion exists" },
    });
    await this.#serve();
    for (const a of applied) {
      const { spec } = a;
      this.#o.say(
        `  ${" ".repeat(stamp.length)}  deployment ${spec.name} ${a.action === "create" ? "created" : a.action} from keel.config.ts and live: ${spec.variants.map((v) => `${v.name} ${v.model} ${v.weight}%`).join(", ")}${spec.stickyKey ? `, sticky on ${spec.stickyKey}` : ""}${(spec.shadow ?? []).map((sh) => `, shadow ${sh.name} ${sh.model}`).join("")}${spec.features ? `, online features of ${spec.features.service ?? "its references"}` : ""}  [serve applyDeployments = keel deploy apply]`,
      );
    }
  }

  /** Serves the config's deployments (applied before) with the simulated clock's features. */
  async #serve(): Promise<void> {
    this.#runtime = await ServingRuntime.open({
      tracking: this.#tracking,
      cwd: this.#loaded.root,
      deployments: this.#loaded.deployments,
      store: this.#serving,
      log: this.#log,
      features: this.#features,
      canaryTickMs: 0,
    });
  }

  /**
   * 23:00: the churn-drift monitor over the last week of the champion's own predictions, and
   * the retraining an alert starts. False when a stop interrupted that retraining. `resumed`:
   * the day is being finished after a stop, so a monitor run already recorded for this moment
   * is not repeated and a retraining it started is resumed.
   */
  async #runMonitor(dayMs: number, resumed: boolean): Promise<boolean> {
    const now = dayMs + 23 * HOUR_MS;
    const stamp = this.#stamp(dayMs, "23:00");
    const champion = await this.#aliasVersion("champion");
    if (champion === undefined) return true;
    const [last] = await new MonitoringStore(this.#tracking.database).listResults({
      monitor: this.#monitor.name,
      limit: 1,
    });
    if (resumed && last?.windowEnd === now) {
      for (const r of await this.#untoldRetrainings()) {
        const result =
          r.run.status === "succeeded"
            ? r
            : await runPipeline(this.#pipeline(r.run.pipeline), {
                store: this.#pipelines,
                root: this.#loaded.root,
                tracking: this.#tracking,
                resume: r.run.runId,
                signal: this.#o.signal,
              });
        if (this.#o.signal.aborted) return false;
        await this.#afterTraining(result, stamp, dayMs);
      }
      return true;
    }
    const run = await runConfiguredMonitor(this.#monitor, {
      root: this.#loaded.root,
      pipelines: this.#loaded.pipelines,
      database: this.#tracking.database,
      windowEnd: now,
      now: () => now,
      pipelineParams: this.#trainParams,
      signal: this.#o.signal,
    });
    // The retraining an alert started was stopped: `--resume` finishes it.
    if (this.#o.signal.aborted) return false;
    const quiet: string[] = [];
    for (const alert of run.alerts) {
      this.#alerts.push({ day: isoDay(dayMs), kind: alert.kind, message: alert.message });
      const mine = run.deliveries.filter((d) => d.kind === alert.kind);
      if (mine.length > 0 && mine.every((d) => d.status === "suppressed")) {
        quiet.push(alert.kind);
        continue;
      }
      const sent = mine.map((d) => `${d.sink.split(":")[0]} ${d.status}`).join(", ");
      this.#o.say(
        `  ${stamp}  ALERT churn-drift ${alert.kind}: ${alert.message}; sinks: ${sent}  [monitor runConfiguredMonitor]`,
      );
    }
    if (quiet.length > 0)
      this.#o.say(
        `  ${stamp}  churn-drift: ${quiet.join(" and ")} again (alerts suppressed by the 7-day cooldown)  [monitor]`,
      );
    for (const r of await this.#untoldRetrainings()) await this.#afterTraining(r, stamp, dayMs);
    if (run.alerts.length === 0 && new Date(dayMs).getUTCDay() === 0) {
      const p = run.report.prediction;
      this.#o.say(
        run.report.status === "insufficient data"
          ? `  ${stamp}  churn-drift: ${run.rows} predictions of v${champion}, under the monitor's minRows (${run.report.minRows}): no verdict yet  [monitor]`
          : `  ${stamp}  churn-drift: ${run.rows} predictions of v${champion}, ${run.report.driftedColumns} of ${run.report.testedColumns} columns drifted${p && p.relativeShift !== null ? `, mean prediction ${pct(p.relativeShift)} vs training` : ""}: no alert  [monitor]`,
      );
    }
    return true;
  }

  /** The runs of `retrain-on-drift` not told yet, oldest first. */
  async #untoldRetrainings(): Promise<PipelineResult[]> {
    const runs = await this.#pipelines.listRuns({ pipeline: "retrain-on-drift", limit: 1000 });
    const out: PipelineResult[] = [];
    for (const run of runs.reverse())
      if (!this.#told.has(run.runId)) out.push(await this.#result(run.runId));
    return out;
  }

  /**
   * The A/B comparison by alias, every version pooled: @champion moves almost weekly and
   * labels arrive 14 days after a prediction, so no single version has labels yet when it is
   * replaced (the default, newest version only, would report no AUC at all).
   */
  #analyze(): Promise<ExperimentAnalysis> {
    return analyzeExperiment(this.#serving, "churn", { positiveLabel: "yes", versions: "all" });
  }

  async #abReport(dayMs: number): Promise<void> {
    const analysis = await this.#analyze();
    const parts = analysis.variants.map((v) => {
      const auc = v.metrics?.auc;
      const versions = v.modelVersions.map((m) => `v${m.version}`);
      return `${v.name} (${versions.length > 2 ? `${versions[0]}…${versions.at(-1)}` : versions.join(", ")}) ${v.requests} requests (${(v.share * 100).toFixed(0)}%), ${v.labelled} labelled${auc ? `, AUC ${auc.value.toFixed(3)} [${auc.lower.toFixed(3)}, ${auc.upper.toFixed(3)}]` : ""}`;
    });
    const diff = analysis.variants[1]?.versusControl?.auc;
    this.#o.say(
      `  ${this.#stamp(dayMs, "23:59")}  A/B churn: ${parts.join(" | ")}${diff ? `; challenger − champion AUC ${diff.difference.toFixed(3)} [${diff.lower.toFixed(3)}, ${diff.upper.toFixed(3)}], p ${diff.pValue.toFixed(2)}` : ""}; SRM p ${analysis.sampleRatio.pValue.toFixed(2)}  [serve analyzeExperiment, versions pooled per alias]`,
    );
  }

  async #summary(completed: boolean, days: number): Promise<ChurnStorySummary> {
    const pipelineRuns: Record<string, number> = {};
    for (const p of this.#loaded.pipelines)
      pipelineRuns[p.name] = (
        await this.#pipelines.listRuns({ pipeline: p.name, limit: 100_000 })
      ).length;
    let experiment: ExperimentAnalysis | undefined;
    if (this.#runtime !== undefined) experiment = await this.#analyze();
    return {
      completed,
      days,
      pipelineRuns,
      trainings: this.#trainings,
      alerts: this.#alerts,
      webhookDeliveries: (
        await new MonitoringStore(this.#tracking.database).list({
          monitor: this.#monitor.name,
          limit: 100_000,
        })
      ).filter((d) => d.sink.startsWith("webhook:") && d.status === "delivered").length,
      predictions: this.#traffic.predictions,
      feedbackLabels: this.#traffic.feedback,
      ...(experiment ? { experiment } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.#runtime !== undefined) await this.#runtime.close();
    else await this.#log.close();
  }
}
