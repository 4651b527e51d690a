/**
 * keel's HTTP server: one Fastify app factory that mounts route plugins — the MLflow REST API
 * 2.0 for tracking and the registry, the artifact proxy, and (from other modules) serving.
 *
 * @example
 * ```ts
 * import { createApp } from "./server/index.js";
 * const app = await createApp({ tracking });
 * await app.listen({ host: "127.0.0.1", port: 5000 });
 * ```
 *
 * @module
 */
export { type AppOptions, createApp, type RoutePlugin } from "./app.js";
export { type ApiToken, hashToken, installAuth, loadTokens, type TokenScope } from "./auth.js";
export { fromFastifyError, MLFLOW_ERROR_CODES, sendError } from "./errors.js";
export { feastResponse, featureRoutePlugins } from "./features/feature-routes.js";
export { allowedHostsFor, hostName, installRequestGuards } from "./guards.js";
export { DEFAULT_SERVER_LIMITS, jsonDepth, type ServerLimits } from "./limits.js";
export {
  type ArtifactProxyOptions,
  artifactProxyRoutes,
  splitProxyPath,
} from "./mlflow/artifact-proxy.js";
export { experimentRoutes } from "./mlflow/experiment-routes.js";
export { registryRoutes } from "./mlflow/registry-routes.js";
export { runRoutes } from "./mlflow/run-routes.js";
export { sendServingError, servingError } from "./serve/serve-errors.js";
export { ServingMetrics } from "./serve/serve-metrics.js";
export { servingOpenApi } from "./serve/serve-openapi.js";
export {
  DEFAULT_SERVING_BODY_LIMIT,
  type ServingRoutesOptions,
  servingRoutePlugins,
} from "./serve/serve-routes.js";
export type { PipelineProject } from "./ui/pipeline-routes.js";
