import type { LoadedConfig } from "../config/index.js";
import { compileSchedule, PipelineStore, runScheduler, scheduleOf } from "../orchestrate/index.js";
import type { CommandContext } from "./command.js";
import { databaseFor } from "./features-project.js";
import { formatError } from "./format.js";
import { progressView, stepRunnerFor } from "./pipeline-project.js";

/**
 * The scheduler `keel server` runs beside its routes.
 *
 * @example
 * ```ts
 * const scheduler = await startScheduler(ctx, loaded);
 * await scheduler?.stop();
 * ```
 */
export interface RunningScheduler {
  /** Stops waiting for fire times, interrupts a run in progress (resumed at the next start) and closes the scheduler's threads and store. */
  stop(): Promise<void>;
}

/**
 * Starts the scheduler for the project's scheduled pipelines (none scheduled: undefined), on
 * its own connection to the project's metadata store, with steps in worker threads so that a
 * training step does not stall the HTTP server sharing this process. Reports what it
 * schedules, each run's outcome and any run it could not start on standard error; a
 * scheduler failure is reported without stopping the server.
 *
 * @example
 * ```ts
 * const scheduler = await startScheduler(ctx, loaded);
 * ```
 */
export async function startScheduler(
  ctx: CommandContext,
  loaded: LoadedConfig,
): Promise<RunningScheduler | undefined> {
  const now = new Date();
  const scheduled = loaded.pipelines.flatMap((p) => {
    const schedule = scheduleOf(p);
    if (schedule === undefined) return [];
    const next = compileSchedule(p.name, schedule).nextRun(now);
    return [
      `${p.name} (${schedule.cron} ${schedule.timezone}, next ${next?.toISOString() ?? "never"})`,
    ];
  });
  if (scheduled.length === 0) return undefined;
  const database = await databaseFor(ctx, loaded);
  let runner: ReturnType<typeof stepRunnerFor>;
  try {
    runner = stepRunnerFor(ctx, loaded);
  } catch (error) {
    await database.close();
    throw error;
  }
  const controller = new AbortController();
  const view = progressView(ctx);
  const done = runScheduler(loaded.pipelines, {
    store: new PipelineStore(database),
    root: loaded.root,
    signal: controller.signal,
    log: view.log,
    ...(runner === undefined ? {} : { runner }),
    onRun: (name, result) =>
      ctx.err(
        `scheduler: ${name} for ${result.run.logicalDate.toISOString()}: ${result.run.status}${result.run.error ? ` (${result.run.error})` : ""}\n`,
      ),
    onError: (name, error) => ctx.err(`scheduler: ${name}: ${formatError(error, false)}\n`),
  }).catch((error: unknown) => ctx.err(`scheduler stopped: ${formatError(error, false)}\n`));
  ctx.err(
    `scheduler: ${scheduled.join("; ")}; steps run ${runner === undefined ? "inline" : "in worker threads"}\n`,
  );
  return {
    async stop() {
      controller.abort(new Error("keel server is shutting down"));
      await done;
      await runner?.close();
      await database.close();
    },
  };
}
