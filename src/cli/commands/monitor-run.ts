import {
  loadConfig,
  type MonitorBundle,
  monitorRunOutputs,
  runConfiguredMonitor,
} from "../../config/index.js";
import { closestNames, type Frame, KeelError } from "../../core/index.js";
import { readBundleData } from "../../models/index.js";
import {
  type MonitorDefinition,
  type MonitorRun,
  monitorScopeIssues,
} from "../../monitor/index.js";
import { MonitoringStore, openDatabase } from "../../store/index.js";
import { type CommandContext, defineCommand, read } from "../command.js";
import { formatTable } from "../format.js";
import { dataPath } from "./data-profile.js";
import { monitoringScores } from "./monitor-report.js";
import { cliLogger } from "./train.js";

function findMonitor(
  monitors: readonly MonitorDefinition[],
  name: string,
  file: string,
): MonitorDefinition {
  const found = monitors.find((m) => m.name === name);
  if (found) return found;
  const names = monitors.map((m) => m.name);
  const near = closestNames(name, names);
  throw new KeelError(
    "KEEL_ERR_NOT_FOUND",
    `${file} declares no monitor '${name}'${near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(", ")}?` : names.length ? ` (it has ${names.map((n) => `'${n}'`).join(", ")})` : " (it has no monitors)"}.`,
    { details: { monitor: name, declared: names } },
  );
}

function describeRun(run: MonitorRun): string {
  const r = run.report;
  const lines = [
    `Monitor ${run.monitor}: ${run.rows} rows from ${new Date(run.windowStart).toISOString()} to ${new Date(run.windowEnd).toISOString()}${
      run.scope
        ? ` (${[
            run.scope.variant ? `variant ${run.scope.variant}` : "",
            run.scope.modelVersion ? `model version ${run.scope.modelVersion}` : "",
          ]
            .filter(Boolean)
            .join(", ")})`
        : ""
    }`,
    r.status === "insufficient data"
      ? `Insufficient data: fewer than ${r.minRows} values per column (drift.minRows); nothing tested, no drift reported`
      : `${r.datasetDrift ? "Dataset drift" : "No dataset drift"}: ${r.driftedColumns} of ${r.testedColumns} columns drifted (share ${r.driftShare.toFixed(3)})${
          r.driftedColumns
            ? `: ${Object.entries(r.columns)
                .filter(([, c]) => c.drifted)
                .map(([n]) => n)
                .join(", ")}`
            : ""
        }`,
  ];
  const p = r.prediction;
  if (p && p.relativeShift === null)
    lines.push(`Prediction shift: insufficient data (${p.drift.reason ?? "too few predictions"})`);
  else if (p)
    lines.push(
      `Prediction shift ${((p.relativeShift ?? 0) * 100).toFixed(1)}% (${p.shifted ? "above" : "within"} ${(p.maxShift * 100).toFixed(0)}%)`,
    );
  if (run.performance) {
    lines.push(
      `AUC ${run.performance.auc.toFixed(3)} on ${run.performance.labelled} labelled rows vs ${run.performance.baseline.toFixed(3)} (${run.performance.degraded ? "degraded" : "ok"})`,
    );
  }
  for (const d of run.deliveries)
    lines.push(`alert ${d.kind} → ${d.sink}: ${d.status}${d.error ? ` (${d.error})` : ""}`);
  return `${lines.join("\n")}\n`;
}

/**
 * `keel monitor run NAME`: runs a monitor of `keel.config.ts` once over its window of the
 * deployment's prediction log (or over `--current FILE`), records the result in the metadata
 * store and delivers alerts. Exit code 1 when it raised an alert.
 *
 * @example
 * ```sh
 * keel monitor run churn-daily
 * ```
 */
export const monitorRunCommand = defineCommand({
  path: ["monitor", "run"],
  summary: "Run a monitor of keel.config.ts once (exit 1 when it raises an alert)",
  usage:
    "NAME [--current FILE] [--variant NAME] [--model-version N|reference] [--config PATH] [--json]",
  positionals: [1, 1],
  options: {
    current: {
      type: "string",
      valueName: "FILE",
      description:
        "check this file instead of the prediction log window (scored by the model if it has no prediction column)",
    },
    config: {
      type: "string",
      valueName: "PATH",
      description: "config file or directory (default: keel.config.ts here)",
    },
    variant: {
      type: "string",
      valueName: "NAME",
      description:
        "judge only the predictions this variant served (overrides the monitor's variant)",
    },
    "model-version": {
      type: "string",
      valueName: "VERSION",
      description:
        "judge only the predictions this model version served: a number, local, or reference (the version the monitor's reference resolves to)",
    },
  },
  examples: [
    "keel monitor run churn-daily",
    "keel monitor run churn-daily --current last-week.csv",
    "keel monitor run churn-daily --variant champion --model-version reference",
  ],
  async run(ctx) {
    const name = ctx.positionals[0] as string;
    const configPath = read.string(ctx.options, "config");
    const loaded = await loadConfig({ cwd: ctx.cwd, ...(configPath ? { path: configPath } : {}) });
    const definition = findMonitor(loaded.config.monitors ?? [], name, loaded.file);
    const currentFile = read.string(ctx.options, "current");
    const variant = read.string(ctx.options, "variant");
    const modelVersion = read.string(ctx.options, "model-version");
    const issues = monitorScopeIssues("", variant, modelVersion).map((i) =>
      i.replace(/^\.variant/, "--variant").replace(/^\.modelVersion/, "--model-version"),
    );
    if (issues.length > 0 || (currentFile && (variant || modelVersion)))
      throw new KeelError(
        "KEEL_ERR_USAGE",
        issues.length > 0
          ? issues.join("; ")
          : "--variant and --model-version select entries of the prediction log; --current FILE replaces the log, so they cannot go together",
        { details: { variant: variant ?? null, modelVersion: modelVersion ?? null } },
      );
    // --current FILE: that file instead of the log window, scored by the model when unscored.
    const readWindow = currentFile
      ? async (bundle: MonitorBundle): Promise<Frame> => {
          const frame = await readBundleData(bundle.inputSignature, dataPath(ctx, currentFile));
          return frame.has("prediction") || bundle.task === "multiclass"
            ? frame
            : frame.withColumn("prediction", monitoringScores(bundle, frame, ctx));
        }
      : undefined;
    const database = await openDatabase({ root: loaded.root });
    try {
      const run = await runConfiguredMonitor(definition, {
        root: loaded.root,
        pipelines: loaded.pipelines,
        database,
        ...(readWindow ? { readWindow } : {}),
        ...(variant || modelVersion
          ? {
              scope: {
                ...(variant ? { variant } : {}),
                ...(modelVersion ? { modelVersion } : {}),
              },
            }
          : {}),
        logger: cliLogger(ctx),
      });
      if (ctx.json) ctx.out(`${JSON.stringify(monitorRunOutputs(run))}\n`);
      else ctx.out(describeRun(run));
      return run.alerts.length > 0 ? 1 : 0;
    } finally {
      await database.close();
    }
  },
});

/**
 * `keel monitor alerts`: the recorded alert deliveries, newest first.
 *
 * @example
 * ```sh
 * keel monitor alerts --monitor churn-daily --limit 20
 * ```
 */
export const monitorAlertsCommand = defineCommand({
  path: ["monitor", "alerts"],
  summary: "List alert deliveries, newest first",
  usage: "[--monitor NAME] [--limit N] [--json]",
  positionals: [0, 0],
  options: {
    monitor: { type: "string", valueName: "NAME", description: "only this monitor's alerts" },
    limit: { type: "string", valueName: "N", description: "at most N deliveries (default 50)" },
  },
  async run(ctx: CommandContext) {
    const limitText = read.string(ctx.options, "limit") ?? "50";
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit <= 0) {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `--limit must be a positive integer. Got '${limitText}' instead.`,
        {
          details: { option: "limit", received: limitText },
        },
      );
    }
    const monitor = read.string(ctx.options, "monitor");
    const database = await openDatabase({ root: ctx.cwd });
    try {
      const rows = await new MonitoringStore(database).list({
        ...(monitor ? { monitor } : {}),
        limit,
      });
      if (ctx.json) ctx.out(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) ctx.out("No alert deliveries recorded.\n");
      else
        ctx.out(
          `${formatTable(
            ["time", "monitor", "alert", "sink", "status", "attempts", "error"],
            rows.map((d) => [
              new Date(d.at).toISOString(),
              d.monitor,
              d.kind,
              d.sink,
              d.status,
              d.attempts,
              d.error ?? "",
            ]),
          )}\n`,
        );
      return 0;
    } finally {
      await database.close();
    }
  },
});
