import { type JsonValue, KeelError } from "../core/index.js";
import type { MonitorDefinition, MonitorRun, MonitorSchedule } from "../monitor/index.js";
import {
  compileSchedule,
  type PipelineDefinition,
  type Schedule,
  type StepContext,
  scheduleOf,
} from "../orchestrate/index.js";
import { openDatabase } from "../store/index.js";
import { runConfiguredMonitor } from "./run-configured-monitor.js";

/**
 * The name of the pipeline a scheduled monitor runs as.
 *
 * @example
 * ```ts
 * monitorPipelineName("churn-daily"); // "monitor.churn-daily"
 * ```
 */
export function monitorPipelineName(monitor: string): string {
  return `monitor.${monitor}`;
}

/**
 * The scheduled monitors of a config as pipelines, so that the one scheduler (`keel scheduler`,
 * `keel server`) runs them and every pipeline feature applies: run history, retries,
 * `keel run monitor.NAME`, `keel backfill`, the dashboard. Each is one step, `check`, never
 * cached, that runs the monitor over the window ending at the run's logical date (the fire
 * time), with alert times on that same clock, and returns the verdicts as its outputs. A
 * failed alert delivery fails the step (after the result is recorded), so the run shows it and
 * `schedule.retries` retries it; deliveries that went through are not repeated (cooldown).
 *
 * Problems are one `KEEL_ERR_CONFIG_INVALID` naming `monitors[i].schedule` (a cron expression
 * or time zone that does not parse, a pipeline of the config with the same name).
 *
 * @example
 * ```ts
 * const pipelines = [...config.pipelines, ...monitorPipelines(monitors, config.pipelines, file)];
 * ```
 */
export function monitorPipelines(
  monitors: readonly MonitorDefinition[],
  pipelines: readonly PipelineDefinition[],
  file: string,
): PipelineDefinition[] {
  const issues: string[] = [];
  const out: PipelineDefinition[] = [];
  monitors.forEach((monitor, i) => {
    if (monitor.schedule === undefined) return;
    const at = `monitors[${i}].schedule`;
    const name = monitorPipelineName(monitor.name);
    const pipeline: PipelineDefinition = {
      name,
      schedule: pipelineSchedule(monitor.schedule),
      steps: {
        check: {
          cache: false,
          retries: typeof monitor.schedule === "string" ? 0 : (monitor.schedule.retries ?? 0),
          run: (ctx) => checkStep(monitor, pipelines, ctx),
        },
      },
    };
    try {
      compileSchedule(name, scheduleOf(pipeline) as Schedule);
    } catch (error) {
      issues.push(`${at}: ${(error as Error).message}`);
    }
    const clash = pipelines.findIndex((p) => p?.name === name);
    if (clash >= 0)
      issues.push(
        `${at}: monitor '${monitor.name}' runs as pipeline '${name}', which pipelines[${clash}] also defines; rename one`,
      );
    out.push(pipeline);
  });
  if (issues.length > 0)
    throw new KeelError(
      "KEEL_ERR_CONFIG_INVALID",
      `${file}: ${issues.length} problem(s) in monitors:\n  ${issues.join("\n  ")}`,
      { details: { file, issues } },
    );
  return out;
}

function pipelineSchedule(schedule: MonitorSchedule): PipelineDefinition["schedule"] {
  if (typeof schedule === "string") return schedule;
  return {
    cron: schedule.cron,
    ...(schedule.timezone !== undefined ? { timezone: schedule.timezone } : {}),
    ...(schedule.catchup !== undefined ? { catchup: schedule.catchup } : {}),
  };
}

async function checkStep(
  monitor: MonitorDefinition,
  pipelines: readonly PipelineDefinition[],
  ctx: StepContext,
): Promise<JsonValue> {
  const logical = ctx.logicalDate.getTime();
  const database = await openDatabase({ root: ctx.root });
  let run: MonitorRun;
  try {
    run = await runConfiguredMonitor(monitor, {
      root: ctx.root,
      pipelines,
      database,
      windowEnd: logical,
      now: () => logical,
      logger: ctx.log,
    });
  } finally {
    await database.close();
  }
  const failed = run.deliveries.filter((d) => d.status === "failed");
  if (failed.length > 0)
    throw new KeelError(
      "KEEL_ERR_ALERT_DELIVERY",
      `monitor '${monitor.name}': ${failed.length} alert deliver${failed.length === 1 ? "y" : "ies"} failed: ${failed.map((d) => `${d.kind} → ${d.sink}: ${d.error ?? "failed"}`).join("; ")}`,
      { details: { monitor: monitor.name, failed: failed.map((d) => d.sink) } },
    );
  return monitorRunOutputs(run);
}

/**
 * A monitor run as JSON: the window, verdicts, alerts and deliveries (`keel monitor run --json`
 * prints it; a scheduled monitor's step returns it).
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(monitorRunOutputs(run)));
 * ```
 */
export function monitorRunOutputs(run: MonitorRun): JsonValue {
  return JSON.parse(
    JSON.stringify({
      monitor: run.monitor,
      windowStart: run.windowStart,
      windowEnd: run.windowEnd,
      scope: run.scope ?? null,
      rows: run.rows,
      status: run.report.status,
      datasetDrift: run.report.datasetDrift,
      driftShare: run.report.driftShare,
      prediction: run.report.prediction ? { ...run.report.prediction, drift: undefined } : null,
      performance: run.performance ?? null,
      alerts: run.alerts.map((a) => a.kind),
      deliveries: run.deliveries.map((d) => ({
        kind: d.kind,
        sink: d.sink,
        status: d.status,
        attempts: d.attempts,
      })),
    }),
  ) as JsonValue;
}
