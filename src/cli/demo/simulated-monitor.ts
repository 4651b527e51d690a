import type { MonitorBundle } from "../../config/index.js";
import type { Frame } from "../../core/index.js";
import { type LoggedPrediction, predictionLogFrame, type ServingStore } from "../../serve/index.js";

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
 * Which predictions a monitor of the demo judges: one variant's, made by one model version
 * (the version its reference resolves to now).
 *
 * @example
 * ```ts
 * const only: WindowFilter = { deployment: "churn", variant: "champion", modelVersion: "7" };
 * ```
 */
export interface WindowFilter {
  readonly deployment: string;
  readonly variant: string;
  readonly modelVersion: string;
}

/**
 * A `readWindow` for `runConfiguredMonitor` over the demo's replayed prediction log: the
 * simulated window's days mapped to the real spans they were replayed in (the log stamps
 * entries with the wall clock), and only the predictions of `filter`'s variant and model
 * version — the reference profile is that model's, and the challenger's share or the previous
 * champion's scores would be judged against it as a shift.
 *
 * @example
 * ```ts
 * const readWindow = simulatedWindowReader(serving, traffic.loggedDays, { deployment: "churn", variant: "champion", modelVersion: "7" });
 * await runConfiguredMonitor(definition, { root, pipelines, database, readWindow, windowEnd: now, now: () => now });
 * ```
 */
export function simulatedWindowReader(
  serving: ServingStore,
  loggedDays: readonly LoggedDay[],
  filter: WindowFilter,
): (bundle: MonitorBundle, from: number, to: number) => Promise<Frame> {
  return async (bundle, from, to) => {
    const rows: LoggedPrediction[] = [];
    for (const day of loggedDays.filter((l) => l.simFrom >= from && l.simFrom < to))
      rows.push(
        ...(await serving.readPredictions({
          deployment: filter.deployment,
          variant: filter.variant,
          from: day.realFrom,
          to: day.realTo,
        })),
      );
    return predictionLogFrame(
      rows.filter((r) => r.modelVersion === filter.modelVersion),
      bundle,
    );
  };
}
