import type { Frame } from "../../core/index.js";
import { rocAuc } from "../../evaluate/index.js";
import {
  type Alert,
  type AlertDelivery,
  type AlertLog,
  deliverAlert,
  type PipelineStarter,
} from "../alerts/index.js";
import type { ReferenceProfile } from "../profile/index.js";
import { type DriftReport, driftReport, driftSummary } from "../report/index.js";
import { type MonitorDefinition, windowMs } from "./monitor-definition.js";

/**
 * Which entries of the window a run judged: one variant, one model version (resolved: `"7"`,
 * never `"reference"`), or all when neither is set.
 *
 * @example
 * ```ts
 * const scope: MonitorScope = { variant: "champion", modelVersion: "7" };
 * ```
 */
export interface MonitorScope {
  readonly variant?: string;
  readonly modelVersion?: string;
}

/** What one monitor run found. */
export interface MonitorRun {
  readonly monitor: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The entries judged (see {@link MonitorScope}); absent: every entry of the window. */
  readonly scope?: MonitorScope;
  readonly rows: number;
  readonly report: DriftReport;
  /** AUC on the window's labelled rows against the baseline, when there were enough labels. */
  readonly performance?: {
    readonly auc: number;
    readonly baseline: number;
    readonly drop: number;
    readonly labelled: number;
    readonly degraded: boolean;
  };
  readonly alerts: readonly Alert[];
  readonly deliveries: readonly AlertDelivery[];
}

/** Where a run's result goes (the metadata store's `MonitoringStore` fits). */
export interface MonitorResultSink {
  recordResult(r: {
    monitor: string;
    windowStart?: number;
    windowEnd?: number;
    createdAt: number;
    datasetDrift: boolean;
    driftShare: number;
    predictionShift?: number;
    summary: unknown;
  }): Promise<void>;
  /**
   * The alert kinds the monitor's latest recorded run raised (undefined when none is recorded).
   * An alert its previous run did not raise is a new occurrence after a resolved one: it goes
   * out after the cooldown, however recently the same alert went before.
   */
  previousAlerts?(monitor: string): Promise<readonly string[] | undefined>;
}

/** What a run needs besides its definition. */
export interface RunMonitorContext {
  readonly reference: Frame | ReferenceProfile;
  /** The window's rows: features, `prediction`, and `label` (1/0, NaN when none yet) if known. */
  readWindow(from: number, to: number): Promise<Frame>;
  /** The baseline AUC for the performance check (the bundle's validation AUC). */
  readonly baselineAuc?: number;
  readonly results?: MonitorResultSink;
  readonly alertLog: AlertLog;
  /** Starts the runs of `pipeline` alert sinks (see `PipelineSink`). */
  readonly startPipeline?: PipelineStarter;
  /** The clock (alert times, cooldowns, the record's time). Default: `Date.now`. */
  readonly now?: () => number;
  /** Where the window ends (a scheduled run's logical date). Default: now. */
  readonly windowEnd?: number;
  /** The entries `readWindow` keeps (recorded with the result and shown in the title). */
  readonly scope?: MonitorScope;
  readonly logger?: import("../../core/index.js").Logger;
}

/**
 * Runs a monitor once over the window ending now: drift report (features and prediction),
 * performance on labelled rows, alerts for dataset drift, a prediction shift above `maxShift`
 * and an AUC drop beyond the tolerance, delivered with cooldown; the result is recorded.
 *
 * @example
 * ```ts
 * const run = await runMonitor(definition, { reference: profile, readWindow, alertLog, results: store });
 * ```
 */
export async function runMonitor(
  definition: MonitorDefinition,
  ctx: RunMonitorContext,
): Promise<MonitorRun> {
  const now = (ctx.now ?? Date.now)();
  const windowEnd = ctx.windowEnd ?? now;
  const windowStart = windowEnd - windowMs(definition);
  const frame = await ctx.readWindow(windowStart, windowEnd);
  const features = frame.has("label") ? frame.drop(["label"]) : frame;
  const report = driftReport(ctx.reference, features, {
    ...definition.drift,
    prediction:
      definition.prediction === false
        ? false
        : { maxShift: definition.prediction?.maxShift ?? 0.1 },
    title: `Monitor ${definition.name}: ${new Date(windowStart).toISOString()} – ${new Date(windowEnd).toISOString()}${scopeText(ctx.scope)}`,
  });
  const performance = performanceCheck(definition, frame, ctx.baselineAuc);
  const alerts: Alert[] = [];
  const base = { monitor: definition.name };
  if (report.datasetDrift) {
    alerts.push({
      ...base,
      kind: "dataset-drift",
      fingerprint: driftedColumns(report).join(","),
      message: `${report.driftedColumns} of ${report.testedColumns} columns drifted (share ${report.driftShare.toFixed(2)})`,
      details: driftSummary(report),
    });
  }
  if (report.prediction?.shifted && report.prediction.relativeShift !== null) {
    const p = { ...report.prediction, relativeShift: report.prediction.relativeShift };
    alerts.push({
      ...base,
      kind: "prediction-shift",
      fingerprint: (p.meanCurrent ?? p.meanReference) > p.meanReference ? "up" : "down",
      message: `mean ${p.column} moved ${(p.relativeShift * 100).toFixed(1)}% (${p.meanReference.toPrecision(4)} → ${(p.meanCurrent ?? Number.NaN).toPrecision(4)}), above ${(p.maxShift * 100).toFixed(0)}%`,
      details: { ...p, drift: undefined },
    });
  }
  if (performance?.degraded) {
    alerts.push({
      ...base,
      kind: "performance-drop",
      fingerprint: "auc",
      message: `AUC ${performance.auc.toFixed(3)} on ${performance.labelled} labelled rows, ${performance.drop.toFixed(3)} below ${performance.baseline.toFixed(3)}`,
      details: performance,
    });
  }
  const deliveries: AlertDelivery[] = [];
  const previous = alerts.length ? await ctx.results?.previousAlerts?.(definition.name) : undefined;
  for (const alert of alerts) {
    if (!definition.alerts) continue;
    // Still firing since the last run: the repeat interval holds it back; resolved in between: news.
    const ongoing = previous === undefined || previous.includes(alert.kind);
    deliveries.push(
      ...(await deliverAlert(alert, definition.alerts.sinks, {
        log: ctx.alertLog,
        cooldownMs: (definition.alerts.cooldownMinutes ?? 60) * 60_000,
        repeatMs: ongoing ? (definition.alerts.repeatMinutes ?? 1440) * 60_000 : 0,
        ...(ctx.logger ? { logger: ctx.logger } : {}),
        ...(ctx.startPipeline ? { startPipeline: ctx.startPipeline } : {}),
        ...(ctx.now ? { now: ctx.now } : {}),
      })),
    );
  }
  await ctx.results?.recordResult({
    monitor: definition.name,
    windowStart,
    windowEnd,
    createdAt: now,
    datasetDrift: report.datasetDrift,
    driftShare: report.driftShare,
    ...(typeof report.prediction?.relativeShift === "number"
      ? { predictionShift: report.prediction.relativeShift }
      : {}),
    summary: {
      ...driftSummary(report),
      rows: frame.nRows,
      scope: ctx.scope ?? null,
      prediction: report.prediction ?? null,
      performance: performance ?? null,
      alerts: alerts.map((a) => a.kind),
      // The overlay histograms (reference vs window shares), for the dashboard's monitoring page.
      charts: report.charts,
    },
  });
  return {
    monitor: definition.name,
    windowStart,
    windowEnd,
    ...(ctx.scope ? { scope: ctx.scope } : {}),
    rows: frame.nRows,
    report,
    ...(performance ? { performance } : {}),
    alerts,
    deliveries,
  };
}

function scopeText(scope: MonitorScope | undefined): string {
  const parts = [
    scope?.variant === undefined ? "" : `variant ${scope.variant}`,
    scope?.modelVersion === undefined ? "" : `model version ${scope.modelVersion}`,
  ].filter(Boolean);
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}

function driftedColumns(report: DriftReport): string[] {
  return Object.entries(report.columns)
    .filter(([, c]) => c.drifted)
    .map(([name]) => name)
    .sort();
}

function performanceCheck(
  definition: MonitorDefinition,
  frame: Frame,
  baseline: number | undefined,
) {
  if (
    definition.performance === false ||
    baseline === undefined ||
    !frame.has("label") ||
    !frame.has("prediction")
  )
    return undefined;
  const labels = frame.numeric("label");
  const scores = frame.numeric("prediction");
  const y: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (Number.isNaN(labels[i] as number) || Number.isNaN(scores[i] as number)) continue;
    y.push(labels[i] as number);
    s.push(scores[i] as number);
  }
  const minLabels = definition.performance?.minLabels ?? 100;
  if (y.length < minLabels || new Set(y).size < 2) return undefined;
  const auc = rocAuc(Float64Array.from(y), Float64Array.from(s));
  const drop = baseline - auc;
  return {
    auc,
    baseline,
    drop,
    labelled: y.length,
    degraded: drop > (definition.performance?.tolerance ?? 0.05),
  };
}
