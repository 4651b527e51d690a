import { resolve } from "node:path";
import { loadConfig } from "../../config/index.js";
import { closestNames, Frame, type FrameRecord, KeelError } from "../../core/index.js";
import { type ModelBundle, readBundleData } from "../../models/index.js";
import {
  type AlertSink,
  type MonitorDefinition,
  type MonitorRun,
  type PipelineStarter,
  profileFromState,
  runMonitor,
} from "../../monitor/index.js";
import {
  alertLogOf,
  findPipeline,
  type PipelineDefinition,
  PipelineStore,
  triggerPipeline,
} from "../../orchestrate/index.js";
import { type LoggedPrediction, openModelBundle, openServingStore } from "../../serve/index.js";
import { type MetadataDatabase, MonitoringStore, openDatabase } from "../../store/index.js";
import { type CommandContext, defineCommand, read } from "../command.js";
import { formatTable } from "../format.js";
import { dataPath } from "./data-profile.js";
import { predictionFrame } from "./predict.js";
import { cliLogger } from "./train.js";

/**
 * A window of the prediction log as a frame: the logged inputs typed by the model's signature
 * (kinds only: a category the model never saw is data for the report, not an error),
 * `prediction` (the logged output) and `label` (1 for the positive class, 0 otherwise, NaN
 * where no feedback arrived yet).
 *
 * @example
 * ```ts
 * const frame = predictionLogFrame(await store.readPredictions({ deployment: "churn" }), bundle);
 * ```
 */
export function predictionLogFrame(rows: readonly LoggedPrediction[], bundle: ModelBundle): Frame {
  const positive = bundle.positiveClass ?? bundle.classes[1];
  const records: FrameRecord[] = rows.map((r) => {
    const label =
      r.label === undefined
        ? Number.NaN
        : r.label === true || r.label === 1 || String(r.label) === positive
          ? 1
          : 0;
    const prediction = typeof r.output.prediction === "number" ? r.output.prediction : Number.NaN;
    return { ...(r.input as FrameRecord), prediction, label };
  });
  return Frame.fromRecords(records, [
    ...bundle.inputSignature.columns.map((c) => ({ name: c.name, kind: c.kind })),
    { name: "prediction", kind: "numeric" as const },
    { name: "label", kind: "numeric" as const },
  ]);
}

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

/**
 * The `pipeline` alert sinks' starter: each alert runs the named pipeline of the config through
 * orchestration's `triggerPipeline` (trigger `monitor:NAME`, params of the sink plus the alert's
 * kind and message), to the end, in the project's pipeline store. Unknown pipeline names fail
 * before the monitor runs, so a typo never waits for the first alert.
 *
 * @example
 * ```ts
 * const start = pipelineStarter(definition.alerts?.sinks ?? [], loaded.pipelines, database, loaded.root);
 * ```
 */
export function pipelineStarter(
  sinks: readonly AlertSink[],
  pipelines: readonly PipelineDefinition[],
  database: MetadataDatabase,
  root: string,
): PipelineStarter | undefined {
  const wanted = sinks.flatMap((s) => (s.type === "pipeline" ? [s.pipeline] : []));
  if (wanted.length === 0) return undefined;
  const byName = new Map(wanted.map((n) => [n, findPipeline(pipelines, n)]));
  const store = new PipelineStore(database);
  return async (sink, alert) => {
    const pipeline = byName.get(sink.pipeline) ?? findPipeline(pipelines, sink.pipeline);
    const result = await triggerPipeline(pipeline as PipelineDefinition<unknown>, {
      store,
      root,
      source: `monitor:${alert.monitor}`,
      reason: alert.message,
      params: { ...sink.params, alertKind: alert.kind },
    });
    return result.run.status === "succeeded"
      ? { runId: result.run.runId }
      : { runId: result.run.runId, error: `pipeline '${sink.pipeline}' ${result.run.status}` };
  };
}

function describeRun(run: MonitorRun): string {
  const r = run.report;
  const lines = [
    `Monitor ${run.monitor}: ${run.rows} rows from ${new Date(run.windowStart).toISOString()} to ${new Date(run.windowEnd).toISOString()}`,
    `${r.datasetDrift ? "Dataset drift" : "No dataset drift"}: ${r.driftedColumns} of ${r.testedColumns} columns drifted (share ${r.driftShare.toFixed(3)})${
      r.driftedColumns
        ? `: ${Object.entries(r.columns)
            .filter(([, c]) => c.drifted)
            .map(([n]) => n)
            .join(", ")}`
        : ""
    }`,
  ];
  if (r.prediction) {
    lines.push(
      `Prediction shift ${(r.prediction.relativeShift * 100).toFixed(1)}% (${r.prediction.shifted ? "above" : "within"} ${(r.prediction.maxShift * 100).toFixed(0)}%)`,
    );
  }
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
  usage: "NAME [--current FILE] [--config PATH] [--json]",
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
  },
  examples: [
    "keel monitor run churn-daily",
    "keel monitor run churn-daily --current last-week.csv",
  ],
  async run(ctx) {
    const name = ctx.positionals[0] as string;
    const configPath = read.string(ctx.options, "config");
    const loaded = await loadConfig({ cwd: ctx.cwd, ...(configPath ? { path: configPath } : {}) });
    const declared = findMonitor(loaded.config.monitors ?? [], name, loaded.file);
    // Relative file sinks are relative to the project (the config's directory), like every path there.
    const definition: MonitorDefinition = declared.alerts
      ? {
          ...declared,
          alerts: {
            ...declared.alerts,
            sinks: declared.alerts.sinks.map((s) =>
              s.type === "file" ? { ...s, path: resolve(loaded.root, s.path) } : s,
            ),
          },
        }
      : declared;
    const bundle = await openModelBundle(loaded.root, definition.reference);
    if (bundle.referenceProfile === undefined) {
      throw new KeelError(
        "KEEL_ERR_BUNDLE_INVALID",
        `Monitor '${name}': the model '${definition.reference}' has no reference profile (bundles before format 2 lack one); retrain it with this keel.`,
        { details: { monitor: name, reference: definition.reference } },
      );
    }
    const reference = profileFromState(bundle.referenceProfile, definition.reference);
    const database = await openDatabase({ root: loaded.root });
    try {
      const store = new MonitoringStore(database);
      const currentFile = read.string(ctx.options, "current");
      const readWindow = async (from: number, to: number): Promise<Frame> => {
        if (currentFile) {
          const frame = await readBundleData(bundle.inputSignature, dataPath(ctx, currentFile));
          return frame.has("prediction") || bundle.task === "multiclass"
            ? frame
            : frame.withColumn(
                "prediction",
                predictionFrame(bundle, frame, ctx).column("prediction"),
              );
        }
        const rows = await openServingStore(database).readPredictions({
          deployment: definition.deployment,
          from,
          to,
        });
        return predictionLogFrame(rows, bundle);
      };
      const baselineAuc = bundle.metrics["valid.auc"] ?? bundle.metrics["train.auc"];
      const startPipeline = pipelineStarter(
        definition.alerts?.sinks ?? [],
        loaded.pipelines,
        database,
        loaded.root,
      );
      const run = await runMonitor(definition, {
        reference,
        readWindow,
        ...(baselineAuc !== undefined ? { baselineAuc } : {}),
        results: store,
        alertLog: alertLogOf(store),
        ...(startPipeline ? { startPipeline } : {}),
        logger: cliLogger(ctx),
      });
      if (ctx.json) {
        ctx.out(
          `${JSON.stringify({
            monitor: run.monitor,
            windowStart: run.windowStart,
            windowEnd: run.windowEnd,
            rows: run.rows,
            datasetDrift: run.report.datasetDrift,
            driftShare: run.report.driftShare,
            prediction: run.report.prediction
              ? { ...run.report.prediction, drift: undefined }
              : null,
            performance: run.performance ?? null,
            alerts: run.alerts.map((a) => a.kind),
            deliveries: run.deliveries.map((d) => ({
              kind: d.kind,
              sink: d.sink,
              status: d.status,
              attempts: d.attempts,
            })),
          })}\n`,
        );
      } else ctx.out(describeRun(run));
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
