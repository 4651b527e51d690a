import Fastify, { type FastifyInstance, type FastifyPluginAsync } from "fastify";
import type { Tracking } from "../track/index.js";
import { type ApiToken, installAuth } from "./auth.js";
import { sendError } from "./errors.js";
import { artifactProxyRoutes } from "./mlflow/artifact-proxy.js";
import { experimentRoutes } from "./mlflow/experiment-routes.js";
import { registryRoutes } from "./mlflow/registry-routes.js";
import { runRoutes } from "./mlflow/run-routes.js";

/**
 * A route plugin another module mounts on the app (serving, features, monitoring…).
 *
 * @example
 * ```ts
 * const mount: RoutePlugin = { prefix: "/v1", plugin: async (app) => { app.get("/ping", async () => "ok"); } };
 * ```
 */
export interface RoutePlugin {
  readonly prefix: string;
  readonly plugin: FastifyPluginAsync;
}

/**
 * What {@link createApp} takes.
 *
 * @example
 * ```ts
 * const options: AppOptions = { tracking, tokens: loadTokens(root) };
 * ```
 */
export interface AppOptions {
  readonly tracking: Tracking;
  /** Bearer tokens; none means an open server (bind it to 127.0.0.1, the default). */
  readonly tokens?: readonly ApiToken[];
  /** More route plugins to mount (serving routes come from their own modules). */
  readonly plugins?: readonly RoutePlugin[];
  /** Fastify's logger (off by default). */
  readonly logger?: boolean;
}

/** MLflow's MAX_BATCH_LOG_REQUEST_SIZE, applied to every JSON body. */
const JSON_BODY_LIMIT = 1_000_000;

/**
 * Builds the keel HTTP app: the MLflow REST API 2.0 under `/api/2.0/mlflow/` (and the UI's
 * `/ajax-api/2.0/mlflow/`), the artifact proxy under `/api/2.0/mlflow-artifacts/`, `/health`,
 * token access control, MLflow-shaped errors, and any extra route plugins.
 *
 * @example
 * ```ts
 * const app = await createApp({ tracking: await openTracking() });
 * await app.listen({ host: "127.0.0.1", port: 5000 });
 * ```
 */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: JSON_BODY_LIMIT });
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error_code: "ENDPOINT_NOT_FOUND",
      message: `no endpoint ${request.method} ${request.url.split("?")[0]}`,
    }),
  );
  installAuth(app, options.tokens ?? []);
  app.get("/health", async () => "OK");
  const { tracking } = options;
  for (const prefix of ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"]) {
    await app.register(experimentRoutes, { prefix, tracking });
    await app.register(runRoutes, { prefix, tracking });
    await app.register(registryRoutes, { prefix, tracking });
  }
  await app.register(artifactProxyRoutes, { prefix: "/api/2.0/mlflow-artifacts", tracking });
  for (const mount of options.plugins ?? [])
    await app.register(mount.plugin, { prefix: mount.prefix });
  return app;
}
