import { KeelError } from "../../core/index.js";
import { type AlertSink, alertSinkIssues } from "../alerts/index.js";
import type { DriftOptions } from "../report/index.js";
import { statTests } from "../stat-tests/index.js";

/** Window lengths by name. */
export const WINDOWS = { hourly: 3_600_000, daily: 86_400_000, weekly: 604_800_000 } as const;

/**
 * When a monitor runs by itself: a cron expression (croner syntax, read in UTC), or the same
 * with a time zone, Airflow's `catchup` and step retries, as pipelines take them. A scheduled
 * monitor becomes pipeline `monitor.NAME` (one step, `check`), run by the pipelines' scheduler
 * (`keel scheduler`, `keel server`), so it has runs, retries and history like any pipeline; the
 * window of each run ends at the run's logical date (the fire time).
 *
 * @example
 * ```ts
 * const hourly: MonitorSchedule = { cron: "5 * * * *", timezone: "Europe/Berlin", retries: 2 };
 * ```
 */
export type MonitorSchedule =
  | string
  | {
      readonly cron: string;
      /** IANA time zone the cron fields are read in. Default "UTC". */
      readonly timezone?: string;
      /** Run every fire time missed while the scheduler was down. Default false: only the latest. */
      readonly catchup?: boolean;
      /** Retries of a failed run (a failed alert delivery fails the run). Default 0. */
      readonly retries?: number;
    };

/**
 * A monitor declared in `keel.config.ts` (`monitors: [...]`): which deployment's prediction log
 * to watch, against which reference, over which window, what to check and where alerts go.
 *
 * @example
 * ```ts
 * const m: MonitorDefinition = {
 *   name: "churn-daily", deployment: "churn", reference: "models:/churn@champion", window: "daily",
 *   schedule: { cron: "0 6 * * *", timezone: "Europe/Berlin" },
 *   prediction: { maxShift: 0.1 }, performance: { tolerance: 0.02 },
 *   alerts: { sinks: [{ type: "log" }, { type: "webhook", url: "https://hooks.example/keel" }], cooldownMinutes: 60 },
 * };
 * ```
 */
export interface MonitorDefinition {
  readonly name: string;
  /** The serving deployment whose prediction log is read. */
  readonly deployment: string;
  /** Where the reference profile comes from: a bundle directory or `models:/NAME@ALIAS`. */
  readonly reference: string;
  /**
   * Judge only the entries one variant served (`"champion"`): in a 90/10 A/B test the
   * challenger's 10% would otherwise be mixed into the champion's drift and prediction checks.
   */
  readonly variant?: string;
  /**
   * Judge only the entries one model version served: a version (`"7"`, `"local"` for a bundle
   * directory), or `"reference"` — the version `reference` resolves to when the monitor runs.
   * After a promotion the window can still hold the old champion's predictions; judged against
   * the new champion's reference profile they would raise a prediction shift that no model
   * made. With `"reference"` only the reference model's own predictions are judged (and a
   * window with too few of them says "insufficient data").
   */
  readonly modelVersion?: string;
  /** The window each run covers, ending now: `hourly`, `daily` (default), `weekly` or milliseconds. */
  readonly window?: keyof typeof WINDOWS | number;
  /** Run on this schedule as pipeline `monitor.NAME` (see {@link MonitorSchedule}); without it, on demand only. */
  readonly schedule?: MonitorSchedule;
  /** Feature drift settings (tests, thresholds, drift share, corrections, `minRows`). */
  readonly drift?: Omit<DriftOptions, "prediction" | "title" | "columns">;
  /**
   * Prediction drift: the alert fires when the mean prediction moves by more than `maxShift`
   * relative to the reference (default 0.1, i.e. 10%); `false` turns it off.
   */
  readonly prediction?: { readonly maxShift?: number } | false;
  /**
   * Performance once feedback labels exist: AUC on the labelled rows of the window versus the
   * bundle's validation AUC (`valid.auc`, else `train.auc`); alert when it drops by more
   * than `tolerance` (default 0.05). Needs at least `minLabels` labelled rows (default 100).
   */
  readonly performance?: { readonly tolerance?: number; readonly minLabels?: number } | false;
  readonly alerts?: {
    readonly sinks: readonly AlertSink[];
    /** An alert of one kind goes to a sink at most once per this many minutes (default 60). */
    readonly cooldownMinutes?: number;
    /**
     * The same alert unchanged (dataset drift on the same columns, a prediction shift in the
     * same direction) goes to a sink again only after this many minutes (default 1440: a
     * persisting drift found every hour pages once a day). An alert the previous run did not
     * raise (it resolved, then came back) is news: only the cooldown holds it back.
     */
    readonly repeatMinutes?: number;
  };
}

/**
 * The window length of a monitor in milliseconds.
 *
 * @example
 * ```ts
 * windowMs({ window: "hourly" } as MonitorDefinition); // 3600000
 * ```
 */
export function windowMs(m: MonitorDefinition): number {
  const w = m.window ?? "daily";
  return typeof w === "number" ? w : WINDOWS[w];
}

/**
 * Checks the `monitors` section of a config, collecting every problem with its path
 * (`monitors[0].window`), and returns it typed.
 *
 * @example
 * ```ts
 * const monitors = parseMonitors(config.monitors, "keel.config.ts");
 * ```
 */
export function parseMonitors(value: unknown, file: string): MonitorDefinition[] {
  if (value === undefined) return [];
  const issues: string[] = [];
  if (!Array.isArray(value)) {
    issues.push("monitors: expected an array of monitor definitions");
  } else {
    const names = new Set<string>();
    value.forEach((m: unknown, i) => {
      const at = `monitors[${i}]`;
      if (typeof m !== "object" || m === null) {
        issues.push(`${at}: expected an object`);
        return;
      }
      const d = m as Record<string, unknown>;
      for (const key of ["name", "deployment", "reference"]) {
        if (typeof d[key] !== "string" || d[key] === "")
          issues.push(`${at}.${key}: expected a non-empty string`);
      }
      issues.push(...monitorScopeIssues(at, d.variant, d.modelVersion));
      if (typeof d.name === "string") {
        if (names.has(d.name)) issues.push(`${at}.name: '${d.name}' is declared twice`);
        names.add(d.name);
      }
      const w = d.window;
      if (
        w !== undefined &&
        !(typeof w === "number" && w > 0) &&
        !(typeof w === "string" && w in WINDOWS)
      ) {
        issues.push(
          `${at}.window: expected hourly, daily, weekly or a positive number of milliseconds`,
        );
      }
      if (d.schedule !== undefined) issues.push(...scheduleIssues(at, d.name, d.schedule));
      const drift = d.drift as Record<string, unknown> | undefined;
      if (
        drift?.minRows !== undefined &&
        !(Number.isInteger(drift.minRows) && (drift.minRows as number) >= 0)
      )
        issues.push(`${at}.drift.minRows: expected a whole number ≥ 0 (default 500)`);
      if (drift?.stattest !== undefined && !(String(drift.stattest) in statTests)) {
        issues.push(`${at}.drift.stattest: expected one of ${Object.keys(statTests).join(", ")}`);
      }
      const alerts = d.alerts as Record<string, unknown> | undefined;
      for (const key of ["cooldownMinutes", "repeatMinutes"]) {
        const minutes = alerts?.[key];
        if (
          minutes !== undefined &&
          !(typeof minutes === "number" && Number.isFinite(minutes) && minutes >= 0)
        )
          issues.push(`${at}.alerts.${key}: expected a number of minutes ≥ 0`);
      }
      if (alerts !== undefined) {
        if (!Array.isArray(alerts.sinks))
          issues.push(`${at}.alerts.sinks: expected an array of sinks`);
        else issues.push(...alertSinkIssues(alerts.sinks, `${at}.alerts.sinks`));
      }
    });
  }
  if (issues.length > 0) {
    throw new KeelError(
      "KEEL_ERR_CONFIG_INVALID",
      `${file}: ${issues.length} problem(s) in monitors:\n  ${issues.join("\n  ")}`,
      {
        details: { file, issues },
      },
    );
  }
  return value as MonitorDefinition[];
}

/** A variant name as deployment specs take it; a version number, `local` or `reference`. */
const VARIANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const MODEL_VERSION = /^(\d+|local|reference)$/;

/**
 * Problems with a monitor's `variant` and `modelVersion` filters, each with its path
 * (`monitors[0].modelVersion`), or none. `keel monitor run --variant/--model-version` checks its
 * flags with it too.
 *
 * @example
 * ```ts
 * monitorScopeIssues("monitors[0]", "champion", "latest"); // ["monitors[0].modelVersion: expected …"]
 * ```
 */
export function monitorScopeIssues(at: string, variant: unknown, modelVersion: unknown): string[] {
  const issues: string[] = [];
  if (variant !== undefined && !(typeof variant === "string" && VARIANT_NAME.test(variant)))
    issues.push(
      `${at}.variant: expected a variant name of the deployment (a letter or digit, then letters, digits, _ . -), got ${JSON.stringify(variant) ?? String(variant)}`,
    );
  if (
    modelVersion !== undefined &&
    !(typeof modelVersion === "string" && MODEL_VERSION.test(modelVersion))
  )
    issues.push(
      `${at}.modelVersion: expected a version number as text ("7"), "local" or "reference" (the version the reference resolves to), got ${JSON.stringify(modelVersion) ?? String(modelVersion)}`,
    );
  return issues;
}

/** A scheduled monitor's name becomes part of a pipeline name, so it takes the same characters. */
const SCHEDULED_NAME = /^[\w.-]{1,119}$/;

// The shape of `schedule`; the cron expression and time zone are parsed where the monitor
// becomes a pipeline (src/config), which names this same path.
function scheduleIssues(at: string, name: unknown, schedule: unknown): string[] {
  const issues: string[] = [];
  if (typeof name === "string" && !SCHEDULED_NAME.test(name))
    issues.push(
      `${at}.name: a scheduled monitor's name may hold only letters, digits, _ . - (it names pipeline 'monitor.${name}')`,
    );
  if (typeof schedule === "string") {
    if (schedule.trim() === "") issues.push(`${at}.schedule: expected a cron expression`);
    return issues;
  }
  if (typeof schedule !== "object" || schedule === null || Array.isArray(schedule))
    return [
      ...issues,
      `${at}.schedule: expected a cron expression or { cron, timezone?, catchup?, retries? }`,
    ];
  const s = schedule as Record<string, unknown>;
  if (typeof s.cron !== "string" || s.cron.trim() === "")
    issues.push(`${at}.schedule.cron: expected a cron expression`);
  if (s.timezone !== undefined && typeof s.timezone !== "string")
    issues.push(`${at}.schedule.timezone: expected an IANA time zone name`);
  if (s.catchup !== undefined && typeof s.catchup !== "boolean")
    issues.push(`${at}.schedule.catchup: expected true or false`);
  if (s.retries !== undefined && !(Number.isInteger(s.retries) && (s.retries as number) >= 0))
    issues.push(`${at}.schedule.retries: expected an integer ≥ 0`);
  for (const key of Object.keys(s))
    if (!["cron", "timezone", "catchup", "retries"].includes(key))
      issues.push(`${at}.schedule.${key}: unknown key; expected cron, timezone, catchup, retries`);
  return issues;
}
