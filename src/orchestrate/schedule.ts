import { Cron } from "croner";
import { KeelError } from "../core/index.js";
import type { PipelineDefinition } from "./define-pipeline.js";

/**
 * A pipeline's schedule, defaults filled in.
 *
 * @example
 * ```ts
 * const s: Schedule = { cron: "0 3 * * 1", timezone: "Europe/Berlin", catchup: false, params: { trials: 50 } };
 * ```
 */
export interface Schedule {
  readonly cron: string;
  /** IANA time zone the cron fields are read in. Default "UTC". */
  readonly timezone: string;
  /** Run every missed fire time when the scheduler was down (Airflow's catchup). Default false: only the latest. */
  readonly catchup: boolean;
  /** The scheduled runs' params over the pipeline's defaults. Default none. */
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * A pipeline's schedule, or undefined when it has none.
 *
 * @example
 * ```ts
 * scheduleOf(definePipeline({ name: "p", schedule: "0 3 * * *", steps })); // { cron: "0 3 * * *", timezone: "UTC", catchup: false, params: {} }
 * ```
 */
export function scheduleOf(pipeline: PipelineDefinition<unknown>): Schedule | undefined {
  const s = pipeline.schedule;
  if (s === undefined) return undefined;
  if (typeof s === "string") return { cron: s, timezone: "UTC", catchup: false, params: {} };
  return {
    cron: s.cron,
    timezone: s.timezone ?? "UTC",
    catchup: s.catchup ?? false,
    params: s.params ?? {},
  };
}

/**
 * Compiles a schedule with croner; `KEEL_ERR_SCHEDULE` naming the pipeline and the expression
 * (or time zone) that does not parse.
 *
 * @example
 * ```ts
 * const cron = compileSchedule("retrain", { cron: "0 3 * * 1", timezone: "Europe/Berlin", catchup: false });
 * cron.nextRun(new Date("2026-01-01"));
 * ```
 */
export function compileSchedule(pipeline: string, schedule: Schedule): Cron {
  try {
    new Intl.DateTimeFormat("en", { timeZone: schedule.timezone });
  } catch {
    throw new KeelError(
      "KEEL_ERR_SCHEDULE",
      `pipeline '${pipeline}': time zone '${schedule.timezone}' is not an IANA time zone (e.g. 'Europe/Berlin', 'UTC')`,
      { details: { pipeline, timezone: schedule.timezone } },
    );
  }
  try {
    return new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
  } catch (error) {
    throw new KeelError(
      "KEEL_ERR_SCHEDULE",
      `pipeline '${pipeline}': cron expression '${schedule.cron}' does not parse: ${(error as Error).message}`,
      { details: { pipeline, cron: schedule.cron }, cause: error },
    );
  }
}

/** The most logical dates one backfill runs (an hourly schedule over a year is 8,760). */
const MAX_FIRE_TIMES = 10_000;

function requireSchedule(pipeline: PipelineDefinition<unknown>): Schedule {
  const schedule = scheduleOf(pipeline);
  if (schedule === undefined)
    throw new KeelError("KEEL_ERR_SCHEDULE", `pipeline '${pipeline.name}' has no schedule`, {
      details: { pipeline: pipeline.name },
    });
  return schedule;
}

/**
 * The schedule's fire times in `[from, to]`, oldest first: the logical dates a backfill runs.
 *
 * @example
 * ```ts
 * fireTimes(weekly, new Date("2025-01-01"), new Date("2025-12-31")).length; // 52
 * ```
 */
export function fireTimes(pipeline: PipelineDefinition<unknown>, from: Date, to: Date): Date[] {
  const cron = compileSchedule(pipeline.name, requireSchedule(pipeline));
  if (!(from.getTime() <= to.getTime()))
    throw new KeelError(
      "KEEL_ERR_SCHEDULE",
      `the range must start before it ends; got --from ${from.toISOString()} --to ${to.toISOString()}`,
      { details: { from: from.toISOString(), to: to.toISOString() } },
    );
  const out: Date[] = [];
  // nextRun is strictly after its argument: start one millisecond before `from`.
  let next = cron.nextRun(new Date(from.getTime() - 1));
  while (next !== null && next.getTime() <= to.getTime()) {
    // A per-second cron over years is millions of runs: a mistake, not a backfill; say so
    // instead of filling memory.
    if (out.length >= MAX_FIRE_TIMES)
      throw new KeelError(
        "KEEL_ERR_SCHEDULE",
        `pipeline '${pipeline.name}': cron '${scheduleOf(pipeline)?.cron}' fires more than ${MAX_FIRE_TIMES} times between ${from.toISOString()} and ${to.toISOString()}; backfill a narrower range`,
        { details: { pipeline: pipeline.name, limit: MAX_FIRE_TIMES } },
      );
    out.push(next);
    next = cron.nextRun(next);
  }
  return out;
}

/**
 * The latest fire time at or before `now` (the logical date of a manual run of a scheduled
 * pipeline), or undefined when the pipeline has no schedule or it never fired.
 *
 * @example
 * ```ts
 * latestFireTime(weekly, new Date()); // last Monday 03:00 Berlin time
 * ```
 */
export function latestFireTime(pipeline: PipelineDefinition<unknown>, now: Date): Date | undefined {
  const schedule = scheduleOf(pipeline);
  if (schedule === undefined) return undefined;
  const cron = compileSchedule(pipeline.name, schedule);
  return cron.previousRuns(1, new Date(now.getTime() + 1))[0];
}

/**
 * The schedule's first fire time on a calendar day (`YYYY-MM-DD`) in the schedule's time zone,
 * or undefined when it does not fire that day (or the pipeline has no schedule): what "run it
 * for 2025-03-03" means for a pipeline scheduled Mondays 03:00 Europe/Berlin, so that a manual
 * run and a backfill of that week share one logical date (and their cache).
 *
 * @example
 * ```ts
 * fireTimeOn(weekly, "2025-03-03"); // 2025-03-03T02:00:00.000Z (03:00 in Berlin)
 * fireTimeOn(weekly, "2025-03-04"); // undefined: not a Monday
 * ```
 */
export function fireTimeOn(pipeline: PipelineDefinition<unknown>, day: string): Date | undefined {
  const schedule = scheduleOf(pipeline);
  if (schedule === undefined || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) return undefined;
  const cron = compileSchedule(pipeline.name, schedule);
  const localDay = (d: Date) =>
    new Intl.DateTimeFormat("en-CA", {
      timeZone: schedule.timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(d);
  const next = cron.nextRun(new Date(dayStartIn(schedule.timezone, day).getTime() - 1));
  return next !== null && localDay(next) === day ? next : undefined;
}

/**
 * The moment a calendar day (`YYYY-MM-DD`) begins in a time zone: its local midnight. Date
 * ranges given as days (`keel backfill --from 2025-01-01 --to 2025-03-10`) mean whole local
 * days of the schedule's zone, so a fire time late on the last day is inside the range.
 *
 * @example
 * ```ts
 * dayStartIn("Europe/Berlin", "2025-03-10"); // 2025-03-09T23:00:00.000Z
 * ```
 */
export function dayStartIn(timeZone: string, day: string): Date {
  const start = Date.parse(`${day}T00:00:00Z`);
  // UTC midnight moved by the zone's offset at that moment.
  return new Date(start - zoneOffsetMs(timeZone, new Date(start)));
}

/** How far ahead of UTC a time zone's wall clock is at `at`, in ms. */
function zoneOffsetMs(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}
