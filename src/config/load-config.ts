import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createJiti } from "jiti";
import { closestNames, describeValue, isKeelError, KeelError } from "../core/index.js";
import { FeatureRepo } from "../features/index.js";
import { alertSinkIssues, parseMonitors } from "../monitor/index.js";
import {
  type FeatureStoreSettings,
  type PipelineDefinition,
  validatePipelines,
} from "../orchestrate/index.js";
import type { DeploymentSpec } from "../serve/index.js";
import { parseConfigDeployments } from "./config-deployments.js";
import { CONFIG_KEYS, type KeelConfig } from "./define-config.js";
import { monitorPipelines } from "./monitor-pipelines.js";

/**
 * The file names the loader looks for, in order.
 *
 * @example
 * ```ts
 * CONFIG_FILES[0]; // "keel.config.ts"
 * ```
 */
export const CONFIG_FILES: readonly string[] = [
  "keel.config.ts",
  "keel.config.mts",
  "keel.config.js",
  "keel.config.mjs",
];

/**
 * A loaded, validated project config.
 *
 * @example
 * ```ts
 * const { file, root, config, features } = await loadConfig({ cwd: process.cwd() });
 * ```
 */
export interface LoadedConfig {
  /** The config file's absolute path. */
  readonly file: string;
  /** The project root: the config file's directory. Relative paths in the config start here. */
  readonly root: string;
  readonly config: KeelConfig;
  /** The feature definitions, validated. */
  readonly features: FeatureRepo;
  /** The pipelines, validated (DAGs, names), then one `monitor.NAME` per scheduled monitor. */
  readonly pipelines: readonly PipelineDefinition[];
  /** The deployments, validated as `keel deploy create` validates a spec. */
  readonly deployments: readonly DeploymentSpec[];
}

// `import … from "keel"` in a config resolves to the definition functions of the keel that is
// loading it, so a project needs no separate install to be checked, and the loader compiles a
// few small files instead of the whole SDK (which took tens of seconds through jiti). Each
// module that configs define things for has its own small runtime; one generated file
// re-exports them all.
const HERE = fileURLToPath(import.meta.url);
const EXT = HERE.endsWith(".ts") ? ".ts" : ".js";
const RUNTIMES = ["features", "orchestrate"].map((m) =>
  join(dirname(HERE), "..", m, `config-runtime${EXT}`),
);
let sdkFile: string | undefined;
function configSdk(): string {
  if (sdkFile === undefined) {
    const file = join(mkdtempSync(join(tmpdir(), "keel-config-sdk-")), "keel.mjs");
    writeFileSync(file, RUNTIMES.map((r) => `export * from ${JSON.stringify(r)};\n`).join(""));
    sdkFile = file;
  }
  return sdkFile;
}

/**
 * The module worker threads running pipeline steps start on (give it to `ThreadRunner` as
 * `entry`): it loads the config with {@link loadConfig} and runs the tries it is sent. A
 * `.ts` URL means keel runs from its TypeScript sources, where Node cannot start threads.
 *
 * @example
 * ```ts
 * const runner = new ThreadRunner({ entry: pipelineThreadEntry(), configFile: loaded.file, database: { root: loaded.root }, root: loaded.root });
 * ```
 */
export function pipelineThreadEntry(): URL {
  return new URL(`./pipeline-thread${EXT}`, import.meta.url);
}

/**
 * Finds and loads the project config: `path` (a file, or a directory to search) when given,
 * else `keel.config.ts` (or `.mts`/`.js`/`.mjs`) in `cwd`. TypeScript is compiled on the fly by
 * jiti. Every failure is one KeelError naming the file and, where there is one, the line:
 * `KEEL_ERR_CONFIG_NOT_FOUND`, `KEEL_ERR_CONFIG_INVALID` (syntax or run-time error, a default
 * export that is not a config, an unknown key), or `KEEL_ERR_FEATURE_DEFINITION` (each bad
 * definition with the line that defined it).
 *
 * @example
 * ```ts
 * const loaded = await loadConfig({ cwd: "examples/features" });
 * loaded.features.view("customer_stats").ttlSeconds;
 * ```
 */
export async function loadConfig(
  options: { cwd?: string; path?: string } = {},
): Promise<LoadedConfig> {
  const file = findConfig(resolve(options.cwd ?? process.cwd()), options.path);
  const jiti = createJiti(import.meta.url, {
    moduleCache: false,
    fsCache: false,
    alias: { keel: configSdk() },
  });
  let exported: unknown;
  try {
    exported = await jiti.import(file, { default: true });
  } catch (error) {
    throw loadError(file, error);
  }
  const config = checkShape(file, exported);
  const monitors = parseMonitors(config.monitors, file);
  const deployments = parseConfigDeployments(config.deployments, file);
  const root = dirname(file);
  const pipelines = pipelinesOf(file, config, root);
  return {
    file,
    root,
    config,
    features: FeatureRepo.from(config, root),
    pipelines: [...pipelines, ...monitorPipelines(monitors, pipelines, file)],
    deployments,
  };
}

function findConfig(cwd: string, path: string | undefined): string {
  const candidates =
    path === undefined
      ? CONFIG_FILES.map((name) => join(cwd, name))
      : existsSync(resolve(cwd, path)) && statSync(resolve(cwd, path)).isDirectory()
        ? CONFIG_FILES.map((name) => join(resolve(cwd, path), name))
        : [resolve(cwd, path)];
  const found = candidates.find((c) => existsSync(c));
  if (found !== undefined) return found;
  throw new KeelError(
    "KEEL_ERR_CONFIG_NOT_FOUND",
    path === undefined
      ? `no ${CONFIG_FILES.join(" / ")} in ${cwd}; create one (export default defineConfig({...})) or pass --config PATH`
      : `config file '${candidates[0]}' does not exist`,
    { details: { searched: candidates } },
  );
}

function loadError(file: string, error: unknown): KeelError {
  if (isKeelError(error)) {
    // A keel error raised while the config ran (a define* call): keep its code, add the place.
    const at = locate(file, error);
    return at === undefined || error.message.includes(file)
      ? error
      : new KeelError(error.code, `${at}: ${error.message}`, {
          details: { ...error.details, file, at },
          cause: error,
        });
  }
  const message = error instanceof Error ? error.message : String(error);
  // jiti reports syntax errors as "ParseError: … \n /path/file.ts:2:19".
  const parsed = /(\S+\.[cm]?[jt]s):(\d+):(\d+)/.exec(message);
  const at = parsed !== null ? `${parsed[1]}:${parsed[2]}:${parsed[3]}` : locate(file, error);
  const first = message.split("\n")[0]?.trim() ?? message;
  return new KeelError(
    "KEEL_ERR_CONFIG_INVALID",
    `${at ?? file}: cannot load the config: ${first}`,
    {
      details: { file, ...(at === undefined ? {} : { at }) },
      cause: error,
    },
  );
}

/** The first stack frame in the project's own files (not keel's, not node_modules). */
function locate(file: string, error: unknown): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const root = dirname(file);
  for (const line of stack.split("\n")) {
    const match = /\(?(\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (match?.[1]?.startsWith(root) && !match[1].includes("/node_modules/"))
      return `${match[1]}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

function checkShape(file: string, exported: unknown): KeelConfig {
  if (exported === null || typeof exported !== "object" || Array.isArray(exported)) {
    throw new KeelError(
      "KEEL_ERR_CONFIG_INVALID",
      `${file}: the default export must be a config object (export default defineConfig({ ... })), got ${describeValue(exported)}`,
      { details: { file } },
    );
  }
  const issues: string[] = [];
  for (const key of Object.keys(exported)) {
    if (!CONFIG_KEYS.includes(key)) {
      const near = closestNames(key, CONFIG_KEYS);
      issues.push(
        `unknown key '${key}'${near.length > 0 ? ` (did you mean '${near[0]}'?)` : ""}; known keys: ${CONFIG_KEYS.join(", ")}`,
      );
    }
  }
  const config = exported as KeelConfig;
  const store = (key: "offlineStore" | "onlineStore", types: readonly string[]) => {
    const value = config[key] as { type?: unknown } | undefined;
    if (value !== undefined && (typeof value !== "object" || !types.includes(String(value.type))))
      issues.push(
        `${key}.type must be one of ${types.map((t) => `'${t}'`).join(", ")}, got ${describeValue(value?.type)}`,
      );
  };
  store("offlineStore", ["duckdb", "postgres"]);
  store("onlineStore", ["sqlite", "redis"]);
  issues.push(...freshnessAlertIssues(config.freshnessAlerts));
  if (config.project !== undefined && typeof config.project !== "string")
    issues.push(`project must be a string, got ${describeValue(config.project)}`);
  if (issues.length > 0) {
    throw new KeelError("KEEL_ERR_CONFIG_INVALID", `${file}: ${issues.join("; ")}`, {
      details: { file, issues },
    });
  }
  return config;
}

/** The pipelines, validated, each with the config's feature store unless it names its own. */
function pipelinesOf(
  file: string,
  config: KeelConfig,
  root: string,
): readonly PipelineDefinition[] {
  try {
    const settings = featureStoreSettings({ config, root });
    return validatePipelines(config.pipelines ?? []).map((p) =>
      p.featureStore === undefined ? { ...p, featureStore: settings } : p,
    );
  } catch (error) {
    throw loadError(file, error);
  }
}

/**
 * A config's feature store settings, as `ctx.features()` in its pipelines' steps and the CLI
 * open the store: `offlineStore`, `onlineStore`, `onDemandFeatureViews` and the project name.
 *
 * @example
 * ```ts
 * await openFeatureStore({ ...featureStoreSettings(loaded), database, root: loaded.root });
 * ```
 */
export function featureStoreSettings(
  loaded: Pick<LoadedConfig, "config" | "root">,
): FeatureStoreSettings {
  const { offlineStore, onlineStore, onDemandFeatureViews } = loaded.config;
  return {
    project: projectName(loaded),
    ...(offlineStore === undefined ? {} : { offlineStore }),
    ...(onlineStore === undefined ? {} : { onlineStore }),
    ...(onDemandFeatureViews === undefined ? {} : { onDemandFeatureViews }),
  };
}

/**
 * The project name: `config.project`, else the config directory's name.
 *
 * @example
 * ```ts
 * projectName(loaded); // "churn"
 * ```
 */
export function projectName(loaded: Pick<LoadedConfig, "config" | "root">): string {
  return loaded.config.project ?? basename(loaded.root);
}

function freshnessAlertIssues(value: unknown): string[] {
  if (value === undefined) return [];
  const settings = value as { sinks?: unknown; cooldownMinutes?: unknown } | null;
  if (typeof settings !== "object" || settings === null || !Array.isArray(settings.sinks))
    return [
      `freshnessAlerts must be { sinks: [...], cooldownMinutes? }, got ${describeValue(value)}`,
    ];
  const issues = alertSinkIssues(settings.sinks, "freshnessAlerts.sinks");
  const cooldown = settings.cooldownMinutes;
  if (cooldown !== undefined && !(typeof cooldown === "number" && cooldown >= 0))
    issues.push(
      `freshnessAlerts.cooldownMinutes must be minutes ≥ 0, got ${describeValue(cooldown)}`,
    );
  return issues;
}
