import { resolve } from "node:path";
import type { Logger } from "../core/index.js";
import { KeelError } from "../core/index.js";
import {
  checkFreshness,
  durationSeconds,
  type FreshnessReport,
  type OfflineStoreSettings,
  type OnlineStoreSettings,
  openFeatureStore,
  registeredFeatures,
} from "../features/index.js";
import {
  type AlertDelivery,
  type AlertSink,
  deliverAlert,
  type PipelineStarter,
} from "../monitor/index.js";
import { type MetadataDatabase, MonitoringStore } from "../store/index.js";
import { alertLogOf } from "./alert-log.js";
import type { StepContext } from "./step-context.js";

/**
 * Which time a feature step takes as "now": the wall clock (default; a scheduled daily run
 * materialises up to the moment it runs and judges freshness then) or the run's logical date
 * (a backfill replays past days, and tests drive a simulated clock through it).
 *
 * @example
 * ```ts
 * const clock: FeatureStepClock = "logicalDate";
 * ```
 */
export type FeatureStepClock = "wall" | "logicalDate";

/**
 * Options of the built-in materialisation step (`materializeStep` in a config). Without store
 * settings the step uses the pipeline's feature store (`ctx.features()`: `defineConfig`'s
 * `offlineStore`, `onlineStore` and `project` for a pipeline in `keel.config.ts`); given any,
 * it opens the store they name.
 *
 * @example
 * ```ts
 * const options: MaterializeStepOptions = { views: ["customer_stats"], chunk: "1d", onlineStore: { type: "redis" } };
 * ```
 */
export interface MaterializeStepOptions {
  /** Only these views (default: every online view). */
  readonly views?: readonly string[];
  /** Commit the window in chunks of this duration (`"1d"`, or seconds), each advancing the watermark. */
  readonly chunk?: number | string;
  readonly offlineStore?: OfflineStoreSettings;
  readonly onlineStore?: OnlineStoreSettings;
  /** Namespaces Redis keys as `keel.config.ts`'s `project` does (default: the project directory's name). */
  readonly project?: string;
  readonly clock?: FeatureStepClock;
}

/**
 * Options of the built-in freshness step (`freshnessStep` in a config).
 *
 * @example
 * ```ts
 * const options: FreshnessStepOptions = { sinks: [{ type: "webhook", url: "https://hooks.example/keel" }], cooldownMinutes: 360 };
 * ```
 */
export interface FreshnessStepOptions {
  /** Only these views (default: every online view). */
  readonly views?: readonly string[];
  /** Where alerts go (default: the step's log). `pipeline` sinks are for `keel features freshness`. */
  readonly sinks?: readonly AlertSink[];
  /** The same view alerts a sink at most once per this many minutes (default 60). */
  readonly cooldownMinutes?: number;
  /** Fail the step (after alerting) when a view is stale, so the run shows it. Default false. */
  readonly failOnStale?: boolean;
  readonly clock?: FeatureStepClock;
}

function nowOf(ctx: StepContext<unknown>, clock: FeatureStepClock | undefined): number {
  return clock === "logicalDate" ? ctx.logicalDate.getTime() : Date.now();
}

/**
 * The materialisation step: copies each online view's new rows, from its stored watermark up
 * to now (see {@link FeatureStepClock}), into the online store, as
 * `keel features materialize-incremental` does. Idempotent and resumable as that is.
 *
 * @example
 * ```ts
 * step({ run: (ctx) => ctx.keel.orchestrate.materializeFeatures(ctx, { chunk: "1d" }) });
 * ```
 */
export async function materializeFeatures(
  ctx: StepContext<unknown>,
  options: MaterializeStepOptions = {},
): Promise<{ end: string; views: { view: string; start: string; rows: number }[] }> {
  const end = nowOf(ctx, options.clock);
  // Without store settings of its own, the step uses the pipeline's (defineConfig's in a config).
  const own =
    options.offlineStore !== undefined ||
    options.onlineStore !== undefined ||
    options.project !== undefined;
  const { store, close } = own
    ? await openFeatureStore({
        database: ctx.tracking.database,
        root: ctx.root,
        project: options.project ?? projectOf(ctx.root),
        ...(options.offlineStore === undefined ? {} : { offlineStore: options.offlineStore }),
        ...(options.onlineStore === undefined ? {} : { onlineStore: options.onlineStore }),
      })
    : { store: await ctx.features(), close: async () => {} };
  try {
    const results = await store.materializeIncremental({
      end,
      ...(options.views === undefined ? {} : { views: options.views }),
      ...(options.chunk === undefined
        ? {}
        : { chunkMs: durationSeconds(options.chunk, "materializeStep chunk") * 1000 }),
    });
    for (const r of results) ctx.log.info(`materialised ${r.view}`, { rows: r.rows });
    return {
      end: new Date(end).toISOString(),
      views: results.map((r) => ({
        view: r.view,
        start: new Date(r.start).toISOString(),
        rows: r.rows,
      })),
    };
  } finally {
    await close();
  }
}

/**
 * The freshness step: checks the online views against their freshness targets (see
 * `checkFreshness`) and delivers one alert per stale view through the sinks, recorded in the
 * metadata store like a monitor's (cooldown per view and sink). Returns which views are stale
 * and what each sink did; with `failOnStale` the step then fails.
 *
 * @example
 * ```ts
 * step({ after: ["materialize"], run: (ctx) => ctx.keel.orchestrate.checkFeatureFreshness(ctx, { sinks }) });
 * ```
 */
export async function checkFeatureFreshness(
  ctx: StepContext<unknown>,
  options: FreshnessStepOptions = {},
): Promise<{
  checkedAt: string;
  stale: string[];
  deliveries: { view: string; sink: string; status: string; error: string | null }[];
}> {
  const features = await registeredFeatures({ database: ctx.tracking.database, root: ctx.root });
  const report = await checkFreshness(features, {
    now: nowOf(ctx, options.clock),
    ...(options.views === undefined ? {} : { views: options.views }),
  });
  const deliveries = await deliverFreshnessAlerts(report, {
    database: ctx.tracking.database,
    // A file sink's relative path is relative to the project, as everywhere in a config.
    sinks: (options.sinks ?? [{ type: "log" }]).map((sink) =>
      sink.type === "file" ? { ...sink, path: resolve(ctx.root, sink.path) } : sink,
    ),
    ...(options.cooldownMinutes === undefined ? {} : { cooldownMinutes: options.cooldownMinutes }),
    logger: ctx.log,
    // On a simulated clock the cooldown runs on it too.
    ...(options.clock === "logicalDate" ? { now: () => report.checkedAt } : {}),
  });
  const stale = report.stale.map((s) => s.view);
  if (options.failOnStale && stale.length > 0)
    throw new KeelError(
      "KEEL_ERR_FEATURES_STALE",
      `${stale.length} feature view(s) are stale: ${report.alerts.map((a) => a.message).join("; ")}`,
      { details: { views: stale } },
    );
  return {
    checkedAt: new Date(report.checkedAt).toISOString(),
    stale,
    deliveries: deliveries.map((d) => ({
      view: d.monitor.replace(/^features:/, ""),
      sink: d.sink,
      status: d.status,
      error: d.error ?? null,
    })),
  };
}

/**
 * Delivers a freshness report's alerts (one per stale view) through the sinks with the
 * monitoring module's `deliverAlert`, recording each delivery in the metadata store (so
 * `keel monitor alerts` lists them and cooldowns hold across runs). Used by the freshness
 * step and by `keel features freshness`.
 *
 * @example
 * ```ts
 * await deliverFreshnessAlerts(report, { database, sinks: [{ type: "log" }] });
 * ```
 */
export async function deliverFreshnessAlerts(
  report: FreshnessReport,
  options: {
    readonly database: MetadataDatabase;
    readonly sinks: readonly AlertSink[];
    readonly cooldownMinutes?: number;
    readonly logger?: Logger;
    readonly startPipeline?: PipelineStarter;
    /** The clock of the delivery records and cooldowns (default: the wall clock). */
    readonly now?: () => number;
  },
): Promise<AlertDelivery[]> {
  const log = alertLogOf(new MonitoringStore(options.database));
  const out: AlertDelivery[] = [];
  for (const alert of report.alerts) {
    out.push(
      ...(await deliverAlert(alert, options.sinks, {
        log,
        cooldownMs: (options.cooldownMinutes ?? 60) * 60_000,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.startPipeline ? { startPipeline: options.startPipeline } : {}),
        ...(options.now ? { now: options.now } : {}),
      })),
    );
  }
  return out;
}

/** The default project name, as `keel.config.ts` without `project` gets it: the directory's name. */
function projectOf(root: string): string {
  return (
    root
      .replace(/[\\/]+$/, "")
      .split(/[\\/]/)
      .pop() ?? root
  );
}
