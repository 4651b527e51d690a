import type { PipelineDefinition } from "./define-pipeline.js";
import { type PipelineResult, type RunPipelineOptions, runPipeline } from "./run-pipeline.js";

/**
 * Starts a run because something happened (a monitor's drift alert, a degraded live metric, a
 * webhook): the run is tagged `trigger:<source>` and gets the reason as param `reason`, which
 * steps read (the rollback step rolls back when it is set). Its logical date is the moment of
 * the trigger, so it is never served from an earlier run's cache.
 *
 * @example
 * ```ts
 * // in a monitor's alert handler:
 * await triggerPipeline(retrain, { store, source: "drift", reason: "PSI 0.31 on tenure > 0.2" });
 * ```
 */
export function triggerPipeline(
  pipeline: PipelineDefinition<unknown>,
  options: Omit<RunPipelineOptions, "trigger" | "resume"> & { source: string; reason: string },
): Promise<PipelineResult> {
  const { source, reason, ...rest } = options;
  return runPipeline(pipeline, {
    ...rest,
    trigger: `trigger:${source}`,
    logicalDate: rest.logicalDate ?? new Date(),
    params: { ...rest.params, reason },
  });
}
