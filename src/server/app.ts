import Fastify, { type FastifyInstance, type FastifyPluginAsync } from "fastify";
import { KeelError } from "../core/index.js";
import type { Tracking } from "../track/index.js";
import { type ApiToken, installAuth } from "./auth.js";
import { sendError } from "./errors.js";
import { allowedHostsFor, installRequestGuards } from "./guards.js";
import { DEFAULT_SERVER_LIMITS, jsonDepth, type ServerLimits } from "./limits.js";
import { artifactProxyRoutes } from "./mlflow/artifact-proxy.js";
import { experimentRoutes } from "./mlflow/experiment-routes.js";
import { registryRoutes } from "./mlflow/registry-routes.js";
import { runRoutes } from "./mlflow/run-routes.js";
import { deploymentRoutes } from "./ui/deployment-routes.js";
import { featureViewRoutes } from "./ui/feature-view-routes.js";
import { modelAuditRoutes } from "./ui/model-audit-routes.js";
import { monitorRoutes } from "./ui/monitor-routes.js";
import { openApiRoutes, trackRoutes } from "./ui/openapi-routes.js";
import { type PipelineProject, pipelineRoutes } from "./ui/pipeline-routes.js";
import { defaultUiDir, uiRoutes } from "./ui/static-routes.js";
import { studyRoutes } from "./ui/study-routes.js";

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
  /** Host header allow-list (see {@link allowedHostsFor}). Default: loopback names only. */
  readonly allowedHosts?: readonly string[];
  /** Overrides of {@link DEFAULT_SERVER_LIMITS}. */
  readonly limits?: Partial<ServerLimits>;
  /** More route plugins to mount (serving routes come from their own modules). */
  readonly plugins?: readonly RoutePlugin[];
  /** The built dashboard served at `/` (default: the package's `dist/ui`). */
  readonly uiDir?: string;
  /**
   * The project `keel server` runs in: its pipelines (the dashboard's DAGs and dead-letter
   * replay) and root (feature views' file sources, for their statistics).
   */
  readonly project?: PipelineProject;
  /** Fastify's logger (off by default). */
  readonly logger?: boolean;
  /**
   * `full` (default): the tracking API, the artifact proxy and the plugins; `serving`: only
   * `/health` and the plugins (`keel serve`, which exposes predictions and nothing of the store).
   */
  readonly mode?: "full" | "serving";
}

/**
 * Builds the keel HTTP app: the MLflow REST API 2.0 under `/api/2.0/mlflow/` (and the UI's
 * `/ajax-api/2.0/mlflow/`), the artifact proxy under `/api/2.0/mlflow-artifacts/`, `/health`,
 * MLflow-shaped errors, keel's alias audit log and rollback under `/v1/models/`, the dashboard at `/`, and any extra route plugins, behind checks installed once on the root
 * so that every route gets them: the Host allow-list and CSRF rules ({@link installRequestGuards}),
 * token access control ({@link installAuth}), JSON size and depth limits, request, header and
 * idle timeouts, a connection cap, and the store's statement time limit (which, on SQLite, moves
 * reads off the event loop; see `MetadataDatabase.setStatementTimeout`).
 *
 * @example
 * ```ts
 * const app = await createApp({ tracking: await openTracking() });
 * await app.listen({ host: "127.0.0.1", port: 5000 });
 * ```
 */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks request and header deadlines on this interval (30 s by default).
    http: {
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    },
    return503OnClosing: true,
    // The router's own refusals (a URL it cannot decode, an over-long parameter) go out in
    // MLflow's error shape like every other error.
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
  });
  // Before any route: the OpenAPI document lists the /v1 routes really registered.
  trackRoutes(app);
  app.server.maxConnections = limits.maxConnections;
  options.tracking.database.setStatementTimeout(limits.statementTimeoutMs);
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error_code: "ENDPOINT_NOT_FOUND",
      message: `no endpoint ${request.method} ${request.url.split("?")[0]}`,
    }),
  );
  installJsonParser(app, limits);
  installRequestGuards(app, options.allowedHosts ?? allowedHostsFor(undefined));
  installAuth(app, options.tokens ?? []);
  app.get("/health", { config: { public: true } }, async () => "OK");
  if (options.mode !== "serving") {
    await registerTrackingRoutes(app, options.tracking, limits);
    await app.register(modelAuditRoutes, { prefix: "/v1", tracking: options.tracking });
    await app.register(studyRoutes, { prefix: "/v1", tracking: options.tracking });
    await app.register(deploymentRoutes, { prefix: "/v1", tracking: options.tracking });
    await app.register(monitorRoutes, { prefix: "/v1", tracking: options.tracking });
    await app.register(pipelineRoutes, {
      prefix: "/v1",
      tracking: options.tracking,
      ...(options.project ? { project: options.project } : {}),
    });
    await app.register(featureViewRoutes, {
      prefix: "/v1",
      tracking: options.tracking,
      ...(options.project ? { root: options.project.root } : {}),
    });
    await app.register(openApiRoutes, { prefix: "/v1", root: app });
    await app.register(uiRoutes, { uiDir: options.uiDir ?? defaultUiDir() });
  }
  for (const mount of options.plugins ?? [])
    await app.register(mount.plugin, { prefix: mount.prefix });
  return app;
}

/** The MLflow REST API under both prefixes and the artifact proxy. */
async function registerTrackingRoutes(
  app: FastifyInstance,
  tracking: Tracking,
  limits: ServerLimits,
): Promise<void> {
  for (const prefix of ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"]) {
    await app.register(experimentRoutes, { prefix, tracking });
    await app.register(runRoutes, { prefix, tracking });
    await app.register(registryRoutes, { prefix, tracking });
  }
  await app.register(artifactProxyRoutes, {
    prefix: "/api/2.0/mlflow-artifacts",
    tracking,
    uploadLimitBytes: limits.uploadLimitBytes,
    maxConcurrentUploads: limits.maxConcurrentUploads,
  });
}

/** JSON bodies: nesting depth checked before parsing, then Fastify's own (proto-safe) parser. */
function installJsonParser(app: FastifyInstance, limits: ServerLimits): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    const depth = jsonDepth(text, limits.jsonDepth);
    if (depth > limits.jsonDepth) {
      done(
        new KeelError(
          "KEEL_ERR_LIMIT_EXCEEDED",
          `the JSON body nests deeper than the limit of ${limits.jsonDepth} levels (jsonDepth)`,
          { details: { limit: "jsonDepth", max: limits.jsonDepth } },
        ),
        undefined,
      );
      return;
    }
    // Fastify's parser answers through `done`; its return value carries nothing.
    void parse(request, text, done);
  });
}
