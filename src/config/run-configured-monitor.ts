import { resolve } from "node:path";
import { type Frame, KeelError, type Logger } from "../core/index.js";
import {
  type AlertSink,
  type MonitorDefinition,
  type MonitorRun,
  monitorScopeIssues,
  type PipelineStarter,
  profileFromState,
  runMonitor,
} from "../monitor/index.js";
import {
  alertLogOf,
  findPipeline,
  type PipelineDefinition,
  PipelineStore,
  triggerPipeline,
} from "../orchestrate/index.js";
import {
  type LoadedModelRef,
  openModelRef,
  openServingStore,
  predictionLogFrame,
} from "../serve/index.js";
import { type MetadataDatabase, MonitoringStore } from "../store/index.js";

/**
 * A loaded model bundle (the reference a monitor compares with).
 *
 * @example
 * ```ts
 * const readWindow = async (bundle: MonitorBundle) => readBundleData(bundle.inputSignature, "week.csv");
 * ```
 */
export type MonitorBundle = LoadedModelRef["bundle"];

/**
 * The `pipeline` alert sinks' starter: each alert runs the named pipeline of the config through
 * orchestration's `triggerPipeline` (trigger `monitor:NAME`, params of the sink, then
 * `options.params`, plus the alert's kind and message), to the end, in the project's pipeline
 * store. The run's logical date is the alert's time on `options.now` (default the wall clock),
 * so a monitor run at a simulated or backfilled moment retrains on what was known then.
 * Unknown pipeline names fail before the monitor runs, so a typo never waits for the first
 * alert.
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
  options: {
    readonly now?: () => number;
    readonly params?: Readonly<Record<string, unknown>>;
    readonly signal?: AbortSignal;
  } = {},
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
      logicalDate: new Date(options.now?.() ?? Date.now()),
      ...(options.signal ? { signal: options.signal } : {}),
      // Pipelines refuse params they do not declare; the kind goes to those that ask for it.
      params: {
        ...sink.params,
        ...options.params,
        ...(declaresParam(pipeline, "alertKind") ? { alertKind: alert.kind } : {}),
      },
    });
    return result.run.status === "succeeded"
      ? { runId: result.run.runId }
      : { runId: result.run.runId, error: `pipeline '${sink.pipeline}' ${result.run.status}` };
  };
}

function declaresParam(pipeline: PipelineDefinition<unknown> | undefined, name: string): boolean {
  const params: unknown = pipeline?.params;
  return typeof params === "object" && params !== null && Object.hasOwn(params, name);
}

/**
 * Options of {@link runConfiguredMonitor}.
 *
 * @example
 * ```ts
 * const options: ConfiguredMonitorOptions = { root, pipelines: loaded.pipelines, database };
 * ```
 */
export interface ConfiguredMonitorOptions {
  /** The project directory: relative references and file sinks start here. */
  readonly root: string;
  /** The config's pipelines, for `pipeline` alert sinks. */
  readonly pipelines: readonly PipelineDefinition[];
  readonly database: MetadataDatabase;
  /** Reads the window from elsewhere than the deployment's prediction log (`--current FILE`). */
  readonly readWindow?: (bundle: MonitorBundle, from: number, to: number) => Promise<Frame>;
  /** Where the window ends (a scheduled run's logical date). Default: now. */
  readonly windowEnd?: number;
  /** The clock of alert times and cooldowns, and the logical date of pipelines alerts start. Default: `Date.now`. */
  readonly now?: () => number;
  /** Params for the pipelines `pipeline` sinks start, over each sink's own `params`. */
  readonly pipelineParams?: Readonly<Record<string, unknown>>;
  /** Stops a pipeline an alert started after its step in progress (Ctrl-C). */
  readonly signal?: AbortSignal;
  /**
   * Overrides the definition's `variant` / `modelVersion` filters for this run
   * (`keel monitor run --variant --model-version`); checked the same way.
   */
  readonly scope?: { readonly variant?: string; readonly modelVersion?: string };
  readonly logger?: Logger;
}

/**
 * Runs a monitor of the config once, as `keel monitor run NAME` and a scheduled monitor's
 * pipeline step both do: loads the reference bundle and its profile, reads the event-time
 * window of the deployment's prediction log — only the entries of the monitor's `variant` and
 * `modelVersion` when it names them (`"reference"`: the version the reference resolves to
 * now) — or `readWindow`, runs the checks, records the result (with the scope) in the
 * metadata store and delivers alerts (file sinks relative to `root`, `pipeline` sinks through
 * `triggerPipeline`). A bundle without a reference profile is `KEEL_ERR_BUNDLE_INVALID`.
 *
 * @example
 * ```ts
 * const run = await runConfiguredMonitor(definition, { root: loaded.root, pipelines: loaded.pipelines, database });
 * run.alerts.length;
 * ```
 */
export async function runConfiguredMonitor(
  declared: MonitorDefinition,
  options: ConfiguredMonitorOptions,
): Promise<MonitorRun> {
  const { root, database } = options;
  // Relative file sinks are relative to the project (the config's directory), like every path there.
  const definition: MonitorDefinition = declared.alerts
    ? {
        ...declared,
        alerts: {
          ...declared.alerts,
          sinks: declared.alerts.sinks.map((s) =>
            s.type === "file" ? { ...s, path: resolve(root, s.path) } : s,
          ),
        },
      }
    : declared;
  const startPipeline = pipelineStarter(
    definition.alerts?.sinks ?? [],
    options.pipelines,
    database,
    root,
    {
      ...(options.now ? { now: options.now } : {}),
      ...(options.pipelineParams ? { params: options.pipelineParams } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  const variant = options.scope?.variant ?? definition.variant;
  const wantedVersion = options.scope?.modelVersion ?? definition.modelVersion;
  const issues = monitorScopeIssues(
    options.scope ? "options.scope" : `monitor '${definition.name}'`,
    variant,
    wantedVersion,
  );
  if (issues.length > 0)
    throw new KeelError("KEEL_ERR_INVALID_ARGUMENT", issues.join("; "), {
      details: { monitor: definition.name, issues },
    });
  const { bundle, version } = await openModelRef(root, definition.reference);
  // "reference": the version the reference resolves to now (an alias moves on promotion).
  const modelVersion = wantedVersion === "reference" ? version : wantedVersion;
  const scope = {
    ...(variant === undefined ? {} : { variant }),
    ...(modelVersion === undefined ? {} : { modelVersion }),
  };
  if (bundle.referenceProfile === undefined) {
    throw new KeelError(
      "KEEL_ERR_BUNDLE_INVALID",
      `Monitor '${definition.name}': the model '${definition.reference}' has no reference profile (bundles before format 2 lack one); retrain it with this keel.`,
      { details: { monitor: definition.name, reference: definition.reference } },
    );
  }
  const reference = profileFromState(bundle.referenceProfile, definition.reference);
  const store = new MonitoringStore(database);
  const readWindow = async (from: number, to: number): Promise<Frame> => {
    if (options.readWindow) return options.readWindow(bundle, from, to);
    // An event-time window: a replay's entries are judged by the time they carry.
    const rows = await openServingStore(database).readPredictions({
      deployment: definition.deployment,
      from,
      to,
      ...scope,
    });
    return predictionLogFrame(rows, bundle);
  };
  const baselineAuc = bundle.metrics["valid.auc"] ?? bundle.metrics["train.auc"];
  return runMonitor(definition, {
    reference,
    readWindow,
    ...(baselineAuc !== undefined ? { baselineAuc } : {}),
    results: {
      recordResult: (r) => store.recordResult(r),
      previousAlerts: async (monitor) => {
        const [last] = await store.listResults({ monitor, limit: 1 });
        // The summary is the JSON runMonitor recorded: `alerts` lists the kinds raised.
        const raised = (last?.summary as { alerts?: unknown } | undefined)?.alerts;
        return Array.isArray(raised) ? raised.map(String) : undefined;
      },
    },
    alertLog: alertLogOf(store),
    ...(startPipeline ? { startPipeline } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.windowEnd !== undefined ? { windowEnd: options.windowEnd } : {}),
    // A file given instead of the log (`--current`) is judged whole: it has no variants.
    ...(Object.keys(scope).length > 0 && !options.readWindow ? { scope } : {}),
  });
}
