/**
 * The project config: `defineConfig` types `keel.config.ts`, and `loadConfig` finds, compiles
 * (jiti) and validates it, with errors that name the file and line. The CLI, the server and
 * later serving, monitoring and pipelines all read the project through this one loader.
 *
 * @example
 * ```ts
 * import { loadConfig } from "keel";
 * const { config, features } = await loadConfig({ cwd: process.cwd() });
 * ```
 *
 * @module
 */
export { parseConfigDeployments } from "./config-deployments.js";
export {
  CONFIG_KEYS,
  type DeploymentDefinition,
  defineConfig,
  type FreshnessAlertSettings,
  type KeelConfig,
} from "./define-config.js";
export {
  CONFIG_FILES,
  featureStoreSettings,
  type LoadedConfig,
  loadConfig,
  pipelineThreadEntry,
  projectName,
} from "./load-config.js";
export { monitorPipelineName, monitorPipelines, monitorRunOutputs } from "./monitor-pipelines.js";
export {
  type ConfiguredMonitorOptions,
  type MonitorBundle,
  pipelineStarter,
  runConfiguredMonitor,
} from "./run-configured-monitor.js";
