import { KeelError, type Logger, nullLogger } from "../core/index.js";
import type { PipelineDefinition } from "./define-pipeline.js";
import { abortableSleep, describeThrown } from "./execute-step.js";
import { runParamsOf } from "./run-params.js";
import type { PipelineResult, RunPipelineOptions } from "./run-pipeline.js";
import { runPipeline, wasInterrupted } from "./run-pipeline.js";
import { compileSchedule, scheduleOf } from "./schedule.js";

/**
 * The time source of the scheduler: the real clock, or a simulated one in tests and demos.
 *
 * @example
 * ```ts
 * const realClock: Clock = { now: () => Date.now(), sleep: abortableSleep };
 * ```
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Options of {@link runScheduler}.
 *
 * @example
 * ```ts
 * const options: SchedulerOptions = { store, root: ".", signal: controller.signal };
 * ```
 */
export interface SchedulerOptions
  extends Omit<RunPipelineOptions, "logicalDate" | "resume" | "trigger" | "params"> {
  /**
   * Stops the scheduler: it waits no longer, and a run in progress is interrupted (it ends
   * `failed`, resumable; the next scheduler start resumes it).
   */
  readonly signal?: AbortSignal;
  /** Default: the real clock. */
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly onRun?: (pipeline: string, result: PipelineResult) => void;
  /**
   * A run that could not start or continue (another runner holds it, its params no longer
   * fit): the scheduler reports it here (default: the log) and goes on with the next fire time.
   */
  readonly onError?: (pipeline: string, error: unknown) => void;
  /**
   * Params of the scheduled runs, by pipeline name, over each pipeline's own `schedule.params`
   * and its defaults (`{ "train-weekly": { trials: 20 } }`). Checked when the scheduler starts,
   * by the function every other way params enter a run goes through: a pipeline that is not
   * scheduled, or a param it does not declare, is `KEEL_ERR_INVALID_ARGUMENT` before anything runs.
   */
  readonly params?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * Runs scheduled pipelines until `signal` aborts. On start it resumes runs left `running` by a
 * runner that died, and scheduled runs an earlier scheduler's shutdown interrupted (automatic
 * resume). Then, for each pipeline, it waits for the next fire time in the pipeline's time
 * zone and starts a run with that logical date. Fire times missed while the scheduler was
 * down: with `catchup` every one is run in order; without (the default) only the latest, as
 * Airflow does. Generic over {@link PipelineDefinition}: anything that is one (a scheduled
 * monitor as a pipeline) rides on it. A run that cannot start is reported through `onError`
 * and does not stop the scheduler.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * void runScheduler(config.pipelines, { store, root, signal: controller.signal });
 * // Scheduled runs of train-weekly with 20 trials (over its schedule's and its own defaults):
 * void runScheduler(config.pipelines, { store, root, params: { "train-weekly": { trials: 20 } } });
 * ```
 */
export async function runScheduler(
  pipelines: readonly PipelineDefinition<unknown>[],
  options: SchedulerOptions,
): Promise<void> {
  const {
    signal,
    clock = { now: () => Date.now(), sleep: abortableSleep },
    onRun,
    onError,
    params: given = {},
    ...runOptions
  } = options;
  const log = options.log ?? nullLogger;
  const report =
    onError ??
    ((name: string, error: unknown) =>
      log.error(`pipeline '${name}': the scheduler could not run it: ${describeThrown(error)}`));
  const scheduled = pipelines.flatMap((p) => {
    const schedule = scheduleOf(p);
    if (schedule === undefined) return [];
    const params = { ...schedule.params, ...given[p.name] };
    runParamsOf(p, params);
    return [{ pipeline: p, schedule, cron: compileSchedule(p.name, schedule), params }];
  });
  const unknown = Object.keys(given).filter(
    (name) => !scheduled.some((s) => s.pipeline.name === name),
  );
  if (unknown.length > 0) {
    const names = scheduled.map((s) => s.pipeline.name);
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `runScheduler params: ${unknown.map((n) => `'${n}'`).join(", ")} ${unknown.length === 1 ? "is not a scheduled pipeline" : "are not scheduled pipelines"}; scheduled: ${names.join(", ") || "none"}`,
      { details: { unknown, scheduled: names } },
    );
  }
  const run = async (pipeline: PipelineDefinition<unknown>, extra: Partial<RunPipelineOptions>) => {
    try {
      const result = await runPipeline(pipeline, {
        ...runOptions,
        ...extra,
        ...(signal === undefined ? {} : { signal }),
      });
      log.info(`pipeline '${pipeline.name}' run ${result.run.runId}: ${result.run.status}`);
      onRun?.(pipeline.name, result);
    } catch (error) {
      if (!signal?.aborted) report(pipeline.name, error);
    }
  };
  // Where each pipeline's schedule stands: its newest scheduled run, else now.
  const last = new Map<string, number>();
  for (const { pipeline } of scheduled) {
    const runs = await runOptions.store.listRuns({ pipeline: pipeline.name, limit: 1000 });
    const unfinished = runs.filter(
      (r) => r.status === "running" || (r.trigger === "schedule" && wasInterrupted(r)),
    );
    for (const r of unfinished) {
      if (signal?.aborted) return;
      await run(pipeline, { resume: r.runId });
    }
    const newest = runs.filter((r) => r.trigger === "schedule").map((r) => r.logicalDate.getTime());
    last.set(pipeline.name, newest.length > 0 ? Math.max(...newest) : clock.now());
  }
  while (!signal?.aborted && scheduled.length > 0) {
    const now = clock.now();
    let wait = Number.POSITIVE_INFINITY;
    for (const { pipeline, schedule, cron, params } of scheduled) {
      const due: Date[] = [];
      let next = cron.nextRun(new Date(last.get(pipeline.name) ?? now));
      while (next !== null && next.getTime() <= now) {
        due.push(next);
        next = cron.nextRun(next);
      }
      if (next !== null) wait = Math.min(wait, next.getTime() - now);
      for (const date of schedule.catchup ? due : due.slice(-1)) {
        if (signal?.aborted) return;
        await run(pipeline, { logicalDate: date, trigger: "schedule", params });
      }
      const newest = due.at(-1);
      if (newest !== undefined) last.set(pipeline.name, newest.getTime());
    }
    if (!Number.isFinite(wait)) return;
    await clock.sleep(Math.max(0, wait), signal);
  }
}
