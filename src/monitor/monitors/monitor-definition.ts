import { KeelError } from "../../core/index.js";
import { type AlertSink, alertSinkIssues } from "../alerts/index.js";
import type { DriftOptions } from "../report/index.js";
import { statTests } from "../stat-tests/index.js";

/** Window lengths by name. */
export const WINDOWS = { hourly: 3_600_000, daily: 86_400_000, weekly: 604_800_000 } as const;

/**
 * A monitor declared in `keel.config.ts` (`monitors: [...]`): which deployment's prediction log
 * to watch, against which reference, over which window, what to check and where alerts go.
 *
 * @example
 * ```ts
 * const m: MonitorDefinition = {
 *   name: "churn-daily", deployment: "churn", reference: "models:/churn@champion", window: "daily",
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
  /** The window each run covers, ending now: `hourly`, `daily` (default), `weekly` or milliseconds. */
  readonly window?: keyof typeof WINDOWS | number;
  /** Feature drift settings (tests, thresholds, drift share, corrections). */
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
    /** The same alert goes to a sink at most once per this many minutes (default 60). */
    readonly cooldownMinutes?: number;
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
      const drift = d.drift as Record<string, unknown> | undefined;
      if (drift?.stattest !== undefined && !(String(drift.stattest) in statTests)) {
        issues.push(`${at}.drift.stattest: expected one of ${Object.keys(statTests).join(", ")}`);
      }
      const alerts = d.alerts as { sinks?: unknown } | undefined;
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
