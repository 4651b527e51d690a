import type {
  FeatureDefinitions,
  OfflineStoreSettings,
  OnlineStoreSettings,
} from "../features/index.js";
import type { AlertSink, MonitorDefinition } from "../monitor/index.js";
import type { PipelineDefinition } from "../orchestrate/index.js";
import type { CanaryGuardrails, DeploymentSpec } from "../serve/index.js";

/**
 * A deployment as `keel.config.ts` declares it: a deployment spec whose canary interval may be
 * text (`"1h"`, `"30m"`) or milliseconds. `keel deploy apply` stores it; `keel serve
 * --deployment NAME` and `keel server` serve it.
 *
 * @example
 * ```ts
 * const churn: DeploymentDefinition = {
 *   name: "churn",
 *   variants: [
 *     { name: "champion", model: "models:/churn@champion", weight: 1 },
 *     { name: "challenger", model: "models:/churn@challenger", weight: 0 },
 *   ],
 *   canary: { variant: "challenger", steps: [5, 50, 100], interval: "1h", guardrails: { maxErrorRate: 0.01 } },
 * };
 * ```
 */
export interface DeploymentDefinition extends Omit<DeploymentSpec, "canary"> {
  readonly canary?: {
    readonly variant: string;
    readonly steps: readonly number[];
    readonly interval?: string | number;
    readonly intervalMs?: number;
    readonly guardrails?: CanaryGuardrails;
  };
}

/**
 * A keel project's configuration: the default export of `keel.config.ts`. Today it holds the
 * feature store (definitions and which stores to use) and pipelines; serving and monitoring
 * add their sections here.
 *
 * @example
 * ```ts
 * const config: KeelConfig = { project: "churn", entities: [customer], featureViews: [stats] };
 * ```
 */
export interface KeelConfig extends FeatureDefinitions {
  /** The project's name (used to namespace online-store keys). Default: the config directory's name. */
  readonly project?: string;
  /** Offline store: `{ type: "duckdb", database? }` (default) or `{ type: "postgres", url?, schema? }`. */
  readonly offlineStore?: OfflineStoreSettings;
  /** Online store: `{ type: "sqlite", path? }` (default) or `{ type: "redis", url?, prefix? }`. */
  readonly onlineStore?: OnlineStoreSettings;
  /** Monitors over deployments' prediction logs, run by `keel monitor run NAME`; a scheduled one also runs as pipeline `monitor.NAME`. */
  readonly monitors?: readonly MonitorDefinition[];
  /** Pipelines (`definePipeline`) that `keel run`, `keel backfill`, `keel worker` and the scheduler run. */
  readonly pipelines?: readonly PipelineDefinition[];
  /** Deployments (variants, sticky key, shadows, canary) that `keel deploy apply` stores. */
  readonly deployments?: readonly DeploymentDefinition[];
  /**
   * Where a stale feature view's alert goes (`keel features freshness`, and the built-in
   * `freshnessStep` of a pipeline when it names no sinks of its own). Default: the log.
   */
  readonly freshnessAlerts?: FreshnessAlertSettings;
}

/**
 * The alert sinks of the feature store's freshness check and how often the same view may alert
 * again (default 60 minutes), in the shape of a monitor's `alerts`.
 *
 * @example
 * ```ts
 * const settings: FreshnessAlertSettings = { sinks: [{ type: "webhook", url: "https://hooks.example/keel" }], cooldownMinutes: 360 };
 * ```
 */
export interface FreshnessAlertSettings {
  readonly sinks: readonly AlertSink[];
  readonly cooldownMinutes?: number;
}

/**
 * The top-level keys {@link KeelConfig} knows; the loader rejects any other, with a suggestion.
 *
 * @example
 * ```ts
 * CONFIG_KEYS.includes("featureViews"); // true
 * ```
 */
export const CONFIG_KEYS: readonly string[] = [
  "project",
  "offlineStore",
  "onlineStore",
  "entities",
  "featureViews",
  "onDemandFeatureViews",
  "featureServices",
  "monitors",
  "pipelines",
  "freshnessAlerts",
  "deployments",
];

/**
 * Types a `keel.config.ts`: returns its argument unchanged, so the config is plain data that
 * editors check against {@link KeelConfig}.
 *
 * @example
 * ```ts
 * // keel.config.ts
 * import { defineConfig, defineEntity } from "keel";
 * export default defineConfig({ entities: [defineEntity({ name: "customer", joinKeys: ["customer_id"] })], featureViews: [] });
 * ```
 */
export function defineConfig<const C extends KeelConfig>(config: C): C {
  return config;
}
