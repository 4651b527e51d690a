import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { servingOpenApi } from "../serve/serve-openapi.js";
import { V1_OPERATIONS } from "./openapi-operations.js";

/** Every route the app registered, in the order it did (see {@link trackRoutes}). */
const registered = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/**
 * Records every route registered on `app` from now on (prefixes included), so the OpenAPI
 * document lists what the server really mounts and a test can compare the two. Call it on the
 * root instance before any route is added.
 *
 * @example
 * ```ts
 * trackRoutes(app); await app.register(studyRoutes, { prefix: "/v1", tracking });
 * registeredRoutes(app); // [{ method: "GET", url: "/v1/studies" }, …]
 * ```
 */
export function trackRoutes(app: FastifyInstance): void {
  const list: { method: string; url: string }[] = [];
  registered.set(app, list);
  app.addHook("onRoute", (route) => {
    const methods = [route.method].flat();
    // One route for many methods is a refusal (405 naming the method a path takes), not an
    // endpoint: the serving routes register those.
    if (methods.length > 2) return;
    for (const method of methods) list.push({ method, url: route.url });
  });
}

/**
 * keel's `/v1/` JSON routes the app registered (HEAD twins of GETs left out), as
 * `METHOD /v1/path/{param}` keys.
 *
 * @example
 * ```ts
 * v1Routes(app); // ["GET /v1/studies", "POST /v1/models/rollback", …]
 * ```
 */
export function v1Routes(app: FastifyInstance): string[] {
  const keys = (registered.get(app) ?? [])
    .filter((r) => r.url.startsWith("/v1/") && r.method !== "HEAD")
    .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z_]+)/g, "{$1}")}`);
  return [...new Set(keys)].sort();
}

/** The serving module's own description of a route, when it has one (its routes are plugins). */
function servingOperation(method: string, path: string): unknown {
  const paths = servingOpenApi().paths as Record<string, Record<string, unknown>>;
  return paths[path]?.[method.toLowerCase()];
}

/**
 * `GET /v1/openapi.json`: the OpenAPI 3.1 document of every `/v1/` JSON endpoint this server
 * mounts — the dashboard's (studies, models, deployments, monitors, pipelines, features) and
 * those of the serving and feature plugins when they are mounted — built from the routes
 * actually registered, each with its description from {@link V1_OPERATIONS} (serving routes
 * from `servingOpenApi`). A route without a description is listed as such, and the test
 * `openapi.test.ts` fails on it.
 *
 * @example
 * ```ts
 * await app.register(openApiRoutes, { prefix: "/v1" }); // after trackRoutes(app) on the root
 * ```
 */
export const openApiRoutes: FastifyPluginAsync<{ root: FastifyInstance }> = async (
  app,
  { root },
) => {
  app.get("/openapi.json", async () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const key of v1Routes(root)) {
      const [method = "", path = ""] = key.split(" ");
      const operation = V1_OPERATIONS[key] ??
        servingOperation(method, path) ?? { summary: "(undocumented)", responses: {} };
      paths[path] = { ...paths[path], [method.toLowerCase()]: operation };
    }
    return {
      openapi: "3.1.0",
      info: {
        title: "keel",
        version: "1",
        description:
          "keel's own JSON endpoints under /v1 (the MLflow REST API 2.0 is under /api/2.0/mlflow/ and documented by MLflow). Errors are { error_code, message }. With tokens configured every call needs `Authorization: Bearer TOKEN`; writes need a write token.",
      },
      paths,
      components: {
        schemas: {
          ...(servingOpenApi().components.schemas as Record<string, unknown>),
          Error: {
            type: "object",
            required: ["error_code", "message"],
            properties: { error_code: { type: "string" }, message: { type: "string" } },
          },
        },
      },
    };
  });
};
