import type { PipelineDefinition } from "./define-pipeline.js";
import type { PipelineRun } from "./pipeline-store.js";
import { runParamsOf } from "./run-params.js";
import {
  type PipelineResult,
  paramsHashOf,
  type RunPipelineOptions,
  runPipeline,
} from "./run-pipeline.js";
import { fireTimes, scheduleOf } from "./schedule.js";

/**
 * What a backfill did: one entry per scheduled logical date, in order.
 *
 * @example
 * ```ts
 * const { ran, skipped } = summary; // dates run now, dates an earlier run already completed
 * ```
 */
export interface BackfillResult {
  readonly dates: readonly Date[];
  /** Runs started by this backfill. */
  readonly ran: readonly PipelineRun[];
  /** Dates a succeeded run with the same params already covered: nothing to do. */
  readonly skipped: readonly PipelineRun[];
  /** Whether every date has a succeeded run now. */
  readonly succeeded: boolean;
}

/**
 * Runs a scheduled pipeline for each of its fire times in `[from, to]`, oldest first, on a
 * simulated clock: each run's logical date is its fire time and nothing waits for real time,
 * so a year of weekly runs replays in minutes. A date that already has a succeeded run with
 * the same params is skipped (a second backfill over the same range does nothing); a failed
 * or interrupted run of a date is resumed; every new run's steps still hit the content-hash
 * cache. Its runs take the schedule's `params` (what the scheduled runs would have had), with
 * `params` given here on top. Stops at the first date whose run fails (later dates depend on earlier ones in
 * retraining pipelines); `onRun` sees each date's outcome.
 *
 * @example
 * ```ts
 * const result = await backfill(weekly, { store, from: new Date("2025-01-01"), to: new Date("2025-12-31") });
 * result.ran.length; // 52 the first time, 0 the second
 * ```
 */
export async function backfill(
  pipeline: PipelineDefinition<unknown>,
  options: Omit<RunPipelineOptions, "logicalDate" | "resume" | "trigger"> & {
    from: Date;
    to: Date;
    onRun?: (date: Date, result: PipelineResult | { skipped: PipelineRun }) => void;
  },
): Promise<BackfillResult> {
  const { from, to, onRun, ...rest } = options;
  const dates = fireTimes(pipeline, from, to);
  // The scheduled runs' params (the schedule's own), then the backfill's.
  const params = runParamsOf(pipeline, { ...scheduleOf(pipeline)?.params, ...rest.params });
  const paramsHash = paramsHashOf(params);
  const ran: PipelineRun[] = [];
  const skipped: PipelineRun[] = [];
  const unfinished = new Map(
    (await rest.store.listRuns({ pipeline: pipeline.name, limit: 100_000 }))
      .filter((r) => r.status !== "succeeded" && r.paramsHash === paramsHash)
      .map((r) => [r.logicalDate.getTime(), r.runId]),
  );
  for (const date of dates) {
    const done = await rest.store.findSucceeded(pipeline.name, date, paramsHash);
    if (done !== undefined) {
      skipped.push(done);
      onRun?.(date, { skipped: done });
      continue;
    }
    const resume = unfinished.get(date.getTime());
    const result = await runPipeline(pipeline, {
      ...rest,
      params,
      trigger: "backfill",
      ...(resume === undefined ? { logicalDate: date } : { resume }),
    });
    ran.push(result.run);
    onRun?.(date, result);
    if (result.run.status !== "succeeded") return { dates, ran, skipped, succeeded: false };
  }
  return { dates, ran, skipped, succeeded: true };
}
