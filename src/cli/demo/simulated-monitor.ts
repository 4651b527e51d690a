import type { MonitorBundle } from "../../config/index.js";
import type { Frame } from "../../core/index.js";
import { predictionLogFrame, type ServingStore } from "../../serve/index.js";

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
 * A `readWindow` for `runConfiguredMonitor` that reads only the predictions of `filter`'s
 * variant and model version (by event time): the reference profile is that model's, and the
 * challenger's share or the previous champion's scores would be judged against it as a shift.
 *
 * @example
 * ```ts
 * const readWindow = championWindowReader(serving, { deployment: "churn", variant: "champion", modelVersion: "7" });
 * await runConfiguredMonitor(definition, { root, pipelines, database, readWindow, windowEnd: now, now: () => now });
 * ```
 */
export function championWindowReader(
  serving: ServingStore,
  filter: WindowFilter,
): (bundle: MonitorBundle, from: number, to: number) => Promise<Frame> {
  return async (bundle, from, to) =>
    predictionLogFrame(await serving.readPredictions({ ...filter, from, to }), bundle);
}
