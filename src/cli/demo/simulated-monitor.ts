import type { Frame } from "../../core/index.js";
import {
  type Alert,
  type MonitorDefinition,
  type MonitorRun,
  profileFromState,
  runMonitor,
  windowMs,
} from "../../monitor/index.js";
import { alertLogOf, type PipelineResult } from "../../orchestrate/index.js";
import {
  type LoggedPrediction,
  loadModelRef,
  predictionLogFrame,
  type ServingStore,
} from "../../serve/index.js";
import type { MonitoringStore } from "../../store/index.js";
import type { Tracking } from "../../track/index.js";

/**
 * One simulated day of replayed traffic: its simulated midnight and the real span its
 * predictions were logged in.
 *
 * @example
 * ```ts
 * const day: LoggedDay = { simFrom: Date.parse("2026-03-16"), realFrom: t0, realTo: t1 };
 * ```
 */
export interface LoggedDay {
  readonly simFrom: number;
  readonly realFrom: number;
  readonly realTo: number;
}

/**
 * What {@link runMonitorAt} needs: the monitor, where its data lives, the simulated moment,
 * and how to start the pipeline of a `pipeline` alert sink.
 *
 * @example
 * ```ts
 * const options: SimulatedMonitorOptions = { definition, tracking, root, serving, monitoring, loggedDays, variant: "champion", now, startRun };
 * ```
 */
export interface SimulatedMonitorOptions {
  readonly definition: MonitorDefinition;
  readonly tracking: Tracking;
  readonly root: string;
  readonly serving: ServingStore;
  readonly monitoring: MonitoringStore;
  readonly loggedDays: readonly LoggedDay[];
  /** Only this variant's predictions: the reference profile is that model's. */
  readonly variant: string;
  /** The simulated time of the run (epoch ms). */
  readonly now: number;
  /**
   * Fewer predictions of the reference model in the window than this and the run is skipped:
   * right after a promotion the window holds the previous champion's scores, which its new
   * reference would misjudge as a shift.
   */
  readonly minRows: number;
  /** Starts a pipeline for an alert at the simulated moment; resolves when it ends. */
  readonly startRun: (
    pipeline: string,
    alert: Alert,
    params: Readonly<Record<string, unknown>>,
  ) => Promise<PipelineResult>;
}

/**
 * Runs a monitor of the config at a simulated moment, as `keel monitor run` does at the real
 * one: the reference profile of the monitor's model, the window of the prediction log, alerts
 * delivered with the cooldown measured on the simulated clock, results recorded. The
 * prediction log stamps entries with the real time (`ServingRuntime.predict` takes no time), so
 * the simulated window is mapped to the real spans its days were replayed in. Only the
 * reference model's own predictions count. Returns nothing when the reference model has no
 * profile or the window holds fewer than `minRows` of its predictions.
 *
 * @example
 * ```ts
 * const result = await runMonitorAt({ ...options, now: day + 23 * 3_600_000 });
 * result?.run.alerts; // what fired
 * result?.retrainings; // the runs its pipeline sink started
 * ```
 */
export async function runMonitorAt(
  options: SimulatedMonitorOptions,
): Promise<{ run: MonitorRun; retrainings: PipelineResult[] } | undefined> {
  const { definition, serving, monitoring, now } = options;
  const { bundle, version } = await loadModelRef(
    options.tracking,
    options.root,
    definition.reference,
  );
  if (bundle.referenceProfile === undefined) return undefined;
  const reference = profileFromState(bundle.referenceProfile, definition.reference);
  const windowRows = async (from: number, to: number): Promise<LoggedPrediction[]> => {
    const rows: LoggedPrediction[] = [];
    for (const day of options.loggedDays.filter((l) => l.simFrom >= from && l.simFrom < to))
      rows.push(
        ...(await serving.readPredictions({
          deployment: definition.deployment,
          variant: options.variant,
          from: day.realFrom,
          to: day.realTo,
        })),
      );
    return rows.filter((r) => r.modelVersion === version);
  };
  const window = windowMs(definition);
  if ((await windowRows(now - window, now)).length < options.minRows) return undefined;
  const readWindow = async (from: number, to: number): Promise<Frame> =>
    predictionLogFrame(await windowRows(from, to), bundle);
  const retrainings: PipelineResult[] = [];
  const baselineAuc = bundle.metrics["valid.auc"];
  const run = await runMonitor(definition, {
    reference,
    readWindow,
    ...(baselineAuc === undefined ? {} : { baselineAuc }),
    results: monitoring,
    alertLog: alertLogOf(monitoring),
    startPipeline: async (sink, alert) => {
      const result = await options.startRun(sink.pipeline, alert, sink.params ?? {});
      retrainings.push(result);
      return result.run.status === "succeeded"
        ? { runId: result.run.runId }
        : { runId: result.run.runId, error: `pipeline '${sink.pipeline}' ${result.run.status}` };
    },
    now: () => now,
  });
  return { run, retrainings };
}
