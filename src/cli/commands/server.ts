import { isIP } from "node:net";
import type { LoadedConfig } from "../../config/index.js";
import { isKeelError, KeelError } from "../../core/index.js";
import type { FeatureStore } from "../../features/index.js";
import { openServingStore } from "../../serve/index.js";
import {
  allowedHostsFor,
  createApp,
  featureRoutePlugins,
  loadTokens,
  type PipelineProject,
  type RoutePlugin,
  type ServerLimits,
} from "../../server/index.js";
import { type CommandContext, defineCommand, read } from "../command.js";
import { configFor, openProjectFeatures } from "../features-project.js";
import { type RunningScheduler, startScheduler } from "../server-scheduler.js";
import { type RunningServing, startServing } from "../serving-setup.js";
import { parseDuration } from "./gc.js";
import { DB_OPTION, trackingFor } from "./runs.js";

const BYTE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * Parses a size such as `500MB`, `2GiB` or `1048576` into bytes.
 *
 * @example
 * ```ts
 * parseBytes("500MB", "--upload-limit"); // 500000000
 * ```
 */
export function parseBytes(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match?.[2]?.toLowerCase() ?? "";
  if (!match || !Object.hasOwn(BYTE_UNITS, unit))
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${option} expects a size like 500MB, 2GiB or a number of bytes; got '${text}'`,
      { details: { option } },
    );
  return Math.floor(Number(match[1]) * (BYTE_UNITS[unit] ?? 1));
}

/**
 * Whether a bind address only accepts connections from this machine.
 *
 * @example
 * ```ts
 * isLoopback("127.0.0.1"); // true
 * isLoopback("0.0.0.0");   // false
 * ```
 */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/** How long in-flight requests get to finish on SIGINT/SIGTERM before their sockets are cut. */
const SHUTDOWN_GRACE_MS = 3_000;

/**
 * `keel server`: the HTTP API (MLflow REST 2.0 for tracking and the registry, the artifact
 * proxy) on 127.0.0.1 by default; point `MLFLOW_TRACKING_URI` at it. Tokens from
 * `.keel/tokens.json` guard every route but `/health` once any is configured; a bind beyond
 * loopback without tokens is refused unless `--allow-insecure` is given. When the project's
 * `keel.config.ts` has scheduled pipelines, runs them at their fire times (steps in worker
 * threads; `--no-scheduler` turns it off). Runs until SIGINT or SIGTERM, then stops within a
 * few seconds (a pipeline run in progress is interrupted and resumed at the next start).
 *
 * @example
 * ```sh
 * keel server --port 5000
 * MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python train.py
 * ```
 */
export const serverCommand = defineCommand({
  path: ["server"],
  summary:
    "Serve the tracking and registry API (MLflow REST 2.0 compatible) and run scheduled pipelines",
  usage:
    "[--host 127.0.0.1] [--port 5000] [--allowed-hosts H,…] [--allow-insecure] [--upload-limit SIZE] [--statement-timeout DURATION] [--no-scheduler] [--accept-event-time]",
  positionals: [0, 0],
  options: {
    host: {
      type: "string",
      valueName: "HOST",
      description: "interface to bind (default 127.0.0.1)",
    },
    port: { type: "string", valueName: "PORT", description: "port (default 5000)" },
    "allowed-hosts": {
      type: "string",
      valueName: "HOSTS",
      description:
        "comma-separated Host names clients use beyond loopback and --host (*.example.com for subdomains)",
    },
    "allow-insecure": {
      type: "boolean",
      description: "listen beyond loopback even without tokens (anyone who can connect can write)",
    },
    "upload-limit": {
      type: "string",
      valueName: "SIZE",
      description: "largest artifact upload (default 1GiB)",
    },
    "statement-timeout": {
      type: "string",
      valueName: "DURATION",
      description: "stop store queries running longer than this (default 10s; 0 for none)",
    },
    config: {
      type: "string",
      valueName: "PATH",
      description:
        "keel.config.ts whose registered features to serve and scheduled pipelines to run (default: ./keel.config.ts if any)",
    },
    "no-scheduler": {
      type: "boolean",
      description:
        "do not run the config's scheduled pipelines (default: run them at their fire times, steps in worker threads)",
    },
    "accept-event-time": {
      type: "boolean",
      description:
        "the serving routes take the event time a predict body gives in 'time' (replays of past traffic); off: such bodies get 403",
    },
    ...DB_OPTION,
  },
  async run(ctx) {
    const host = read.string(ctx.options, "host") ?? "127.0.0.1";
    const portText = read.string(ctx.options, "port") ?? "5000";
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new KeelError("KEEL_ERR_USAGE", `--port must be 0-65535, got '${portText}'`);
    const tokens = loadTokens(ctx.cwd);
    if (tokens.length === 0 && !isLoopback(host) && !read.flag(ctx.options, "allow-insecure"))
      throw new KeelError(
        "KEEL_ERR_INSECURE_BIND",
        `refusing to listen on ${host} without tokens: anyone who can reach it could read and change every run and model. Add tokens to .keel/tokens.json, bind 127.0.0.1, or pass --allow-insecure`,
        { details: { host } },
      );
    const limits: Partial<ServerLimits> = {};
    const upload = read.string(ctx.options, "upload-limit");
    if (upload !== undefined)
      Object.assign(limits, { uploadLimitBytes: parseBytes(upload, "--upload-limit") });
    const statement = read.string(ctx.options, "statement-timeout");
    if (statement !== undefined)
      Object.assign(limits, {
        statementTimeoutMs: parseDuration(statement, "--statement-timeout"),
      });
    const extraHosts = (read.string(ctx.options, "allowed-hosts") ?? "").split(",");
    const tracking = await trackingFor(ctx);
    const loaded = await projectConfig(ctx);
    const features = await featurePlugins(ctx, loaded);
    const serving = await servingPlugins(ctx, tracking, features.store);
    let scheduler: RunningScheduler | undefined;
    try {
      const app = await createApp({
        tracking,
        tokens,
        limits,
        plugins: [...features.plugins, ...(serving?.plugins ?? [])],
        ...(features.project ? { project: features.project } : {}),
        allowedHosts: allowedHostsFor(host, extraHosts),
      });
      const address = await app.listen({ host, port });
      const access =
        tokens.length > 0
          ? `${tokens.length} token(s): every call but /health needs one`
          : isLoopback(host)
            ? "no tokens: open to this machine only"
            : "no tokens, --allow-insecure: OPEN TO THE NETWORK";
      ctx.err(
        `keel server listening on ${address} (${access}, store ${tracking.database.location})\n`,
      );
      if (loaded !== undefined && !read.flag(ctx.options, "no-scheduler"))
        scheduler = await startScheduler(ctx, loaded);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      // The scheduler first: a run in progress is interrupted (and resumed at the next start).
      await scheduler?.stop();
      scheduler = undefined;
      // In-flight requests get a short grace, then their sockets are cut so that close() returns.
      const cut = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
      }
      return 0;
    } finally {
      await scheduler?.stop();
      await serving?.close();
      await features.close();
      await tracking.close();
    }
  },
});

/**
 * The serving routes for every stored deployment (`keel deploy create`), beside the tracking
 * API; a deployment whose model cannot load turns the serving routes off, saying why, rather
 * than keeping the tracking server from starting.
 */
async function servingPlugins(
  ctx: CommandContext,
  tracking: Awaited<ReturnType<typeof trackingFor>>,
  features: FeatureStore | undefined,
): Promise<RunningServing | undefined> {
  try {
    return await startServing({
      tracking,
      cwd: ctx.cwd,
      deployments: await openServingStore(tracking.database).listDeployments(),
      ...(features ? { features } : {}),
      acceptEventTime: read.flag(ctx.options, "accept-event-time"),
      report: (line) => ctx.err(`${line}\n`),
    });
  } catch (error) {
    if (!isKeelError(error)) throw error;
    ctx.err(`serving routes off: ${error.message}\n`);
    return undefined;
  }
}

/**
 * The project in the working directory (or `--config`), or undefined when there is none: a
 * server started outside a project serves tracking only.
 */
async function projectConfig(ctx: CommandContext): Promise<LoadedConfig | undefined> {
  try {
    return await configFor(ctx);
  } catch (error) {
    if (
      isKeelError(error, "KEEL_ERR_CONFIG_NOT_FOUND") &&
      read.string(ctx.options, "config") === undefined
    )
      return undefined;
    throw error;
  }
}

/**
 * The feature routes of the project, when there is one, its feature store (for deployments'
 * online features) and its pipelines (the dashboard draws their DAGs and replays their dead
 * letters with this code).
 */
async function featurePlugins(
  ctx: CommandContext,
  loaded: LoadedConfig | undefined,
): Promise<{
  plugins: RoutePlugin[];
  store?: FeatureStore;
  close: () => Promise<void>;
  project?: PipelineProject;
}> {
  if (loaded === undefined) return { plugins: [], close: async () => {} };
  const project: PipelineProject = { definitions: loaded.pipelines, root: loaded.root };
  try {
    const { store, close } = await openProjectFeatures(ctx, loaded);
    return { plugins: featureRoutePlugins(store), store, close, project };
  } catch (error) {
    if (!isKeelError(error, "KEEL_ERR_NOT_FOUND")) throw error;
    ctx.err(`feature routes off: ${error.message}\n`);
    return { plugins: [], close: async () => {}, project };
  }
}
