import { isKeelError, KeelError } from "../../core/index.js";
import {
  createApp,
  featureRoutePlugins,
  loadTokens,
  type RoutePlugin,
} from "../../server/index.js";
import { type CommandContext, defineCommand, read } from "../command.js";
import { configFor, openProjectFeatures } from "../features-project.js";
import { DB_OPTION, trackingFor } from "./runs.js";

/**
 * `keel server`: the HTTP API (MLflow REST 2.0 for tracking and the registry, the artifact
 * proxy) on 127.0.0.1 by default; point `MLFLOW_TRACKING_URI` at it. Tokens from
 * `.keel/tokens.json` guard every write once any is configured. Runs until SIGINT/SIGTERM.
 *
 * @example
 * ```sh
 * keel server --port 5000
 * MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python train.py
 * ```
 */
export const serverCommand = defineCommand({
  path: ["server"],
  summary: "Serve the tracking and registry API (MLflow REST 2.0 compatible)",
  usage: "[--host 127.0.0.1] [--port 5000]",
  positionals: [0, 0],
  options: {
    host: {
      type: "string",
      valueName: "HOST",
      description: "interface to bind (default 127.0.0.1)",
    },
    port: { type: "string", valueName: "PORT", description: "port (default 5000)" },
    config: {
      type: "string",
      valueName: "PATH",
      description:
        "keel.config.ts whose registered features to serve (default: ./keel.config.ts if any)",
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
    const tracking = await trackingFor(ctx);
    const features = await featurePlugins(ctx);
    const app = await createApp({ tracking, tokens, plugins: features.plugins });
    const address = await app.listen({ host, port });
    ctx.err(
      `keel server listening on ${address} (${tokens.length > 0 ? `${tokens.length} token(s): writes need a write token` : "no tokens: open"}, store ${tracking.database.location})\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await app.close();
    await features.close();
    await tracking.close();
    return 0;
  },
});

/**
 * The feature routes of the project in the working directory (or `--config`), when it has one;
 * a server started outside a project serves tracking only.
 */
async function featurePlugins(
  ctx: CommandContext,
): Promise<{ plugins: RoutePlugin[]; close: () => Promise<void> }> {
  let loaded: Awaited<ReturnType<typeof configFor>>;
  try {
    loaded = await configFor(ctx);
  } catch (error) {
    if (
      isKeelError(error, "KEEL_ERR_CONFIG_NOT_FOUND") &&
      read.string(ctx.options, "config") === undefined
    )
      return { plugins: [], close: async () => {} };
    throw error;
  }
  try {
    const { store, close } = await openProjectFeatures(ctx, loaded);
    return { plugins: featureRoutePlugins(store), close };
  } catch (error) {
    if (!isKeelError(error, "KEEL_ERR_NOT_FOUND")) throw error;
    ctx.err(`feature routes off: ${error.message}\n`);
    return { plugins: [], close: async () => {} };
  }
}
