import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isKeelError, KeelError } from "../../core/index.js";
import {
  analyzeExperiment,
  newRequestId,
  type PredictionLog,
  parseEventTime,
  parseScoringCsv,
  parseScoringJson,
  type ScoringRows,
  type ServeResult,
  type ServingRuntime,
  type ServingStore,
} from "../../serve/index.js";
import type { RoutePlugin } from "../app.js";
import { DEFAULT_SERVER_LIMITS, jsonDepth } from "../limits.js";
import { feedbackBody } from "./feedback-body.js";
import { standardizePythonJson } from "./python-json.js";
import { sendServingError, servingError } from "./serve-errors.js";
import { ServingMetrics } from "./serve-metrics.js";
import { servingOpenApi } from "./serve-openapi.js";

/** Default largest scoring body: 10 MB (about 20,000 Telco records as JSON). */
export const DEFAULT_SERVING_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * What {@link servingRoutePlugins} takes.
 *
 * @example
 * ```ts
 * const options: ServingRoutesOptions = { runtime, store, log, defaultDeployment: "default" };
 * ```
 */
export interface ServingRoutesOptions {
  readonly runtime: ServingRuntime;
  /** Feedback and experiment analysis read and write it; without one those routes answer 503. */
  readonly store?: ServingStore;
  /** The runtime's prediction log: feedback flushes it first so its request ids are stored. */
  readonly log?: PredictionLog;
  /** The deployment `/invocations` scores (default: `default`, or the only one served). */
  readonly defaultDeployment?: string;
  /** Largest scoring body in bytes (default {@link DEFAULT_SERVING_BODY_LIMIT}). */
  readonly bodyLimitBytes?: number;
  /** Deepest JSON nesting accepted (default the server's, 64). */
  readonly jsonDepth?: number;
  /** Metrics to count into (one is made when not given). */
  readonly metrics?: ServingMetrics;
  /**
   * Take the event time a predict body gives in `time` (default false: a body with `time` is
   * refused with 403). Scoring needs only a read token, so by default no client can back-date
   * or post-date log entries and move them into or out of the windows that monitors and A/B
   * analysis judge; a server that replays historical or simulated traffic
   * (`keel serve --accept-event-time`, `keel demo`) turns it on.
   */
  readonly acceptEventTime?: boolean;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

function requestIdOf(request: FastifyRequest): string {
  const given = request.headers["x-request-id"];
  if (typeof given === "string" && REQUEST_ID.test(given)) return given;
  return newRequestId();
}

function rowsOf(request: FastifyRequest): ScoringRows {
  const type = request.headers["content-type"] ?? "";
  if (/^text\/csv\s*(;|$)/i.test(type)) return parseScoringCsv(request.body as string);
  // Fastify also parses text/plain; MLflow's scoring server answers it 415, and so does keel.
  if (/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type)) return parseScoringJson(request.body);
  throw new KeelError(
    "KEEL_ERR_UNSUPPORTED_MEDIA_TYPE",
    `unsupported content type ${JSON.stringify(type)}: send application/json (records, columns/data or MLflow's scoring shapes) or text/csv`,
    { details: { accepted: ["application/json", "text/csv"], received: type } },
  );
}

/**
 * The event time a JSON predict body gives in `time`, checked (400 naming `$.time`), or
 * undefined when it gives none; 403 when the server does not take event times.
 */
function eventTimeOf(request: FastifyRequest, accepted: boolean): number | undefined {
  const body = request.body;
  if (typeof body !== "object" || body === null || !Object.hasOwn(body, "time")) return undefined;
  const value = (body as { time?: unknown }).time;
  if (!accepted)
    throw new KeelError(
      "KEEL_ERR_PERMISSION_DENIED",
      "$.time: this server stamps predictions with its own clock and does not accept event times from clients (start it with --accept-event-time to replay historical traffic)",
      { details: { path: "$.time", received: value === undefined ? null : value } },
    );
  return parseEventTime(value, "$.time", Date.now());
}

function resultHeaders(reply: FastifyReply, result: ServeResult): FastifyReply {
  return reply.headers({
    "x-request-id": result.requestId,
    "x-keel-variant": result.variant,
    "x-keel-model-version": result.modelVersion,
  });
}

/**
 * The serving routes, mounted on `createApp` (`keel serve` alone, `keel server` beside the
 * tracking API): `POST /v1/deployments/{name}/predict`, MLflow's `POST /invocations` for the
 * default deployment, `POST /v1/deployments/{name}/feedback`, `GET /v1/deployments/{name}/experiment`,
 * `GET /ready`, `GET /metrics` (Prometheus) and `GET /openapi.json`. Errors are
 * `{ error_code, message, details }` with keel codes: 400 bad records, 404 unknown deployment,
 * 413 oversized body, 415 unknown content type, 503 log queue full, 504 past the time limit.
 *
 * @example
 * ```ts
 * const app = await createApp({ tracking, mode: "serving", plugins: servingRoutePlugins({ runtime, store, log }) });
 * ```
 */
export function servingRoutePlugins(options: ServingRoutesOptions): RoutePlugin[] {
  const { runtime } = options;
  const metrics = options.metrics ?? new ServingMetrics();
  metrics.collect(
    () => options.log?.pending ?? 0,
    () =>
      runtime.deploymentNames.flatMap((deployment) =>
        Object.entries(runtime.variantModels(deployment)).map(([variant, handle]) => ({
          deployment,
          variant,
          version: handle.version,
        })),
      ),
    () => options.log?.pendingBytes ?? 0,
  );
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_SERVING_BODY_LIMIT;
  const defaultDeployment = (): string => {
    if (options.defaultDeployment !== undefined) return options.defaultDeployment;
    const names = runtime.deploymentNames;
    return names.length === 1 ? names[0]! : "default";
  };
  // A read token may score (nothing but the log changes); the body may be JSON or CSV.
  const scoring = { bodyLimit, config: { scope: "read" as const, rawBody: true } };

  const predict = async (
    name: string,
    request: FastifyRequest,
    readsTime = false,
  ): Promise<ServeResult> => {
    try {
      const time = readsTime ? eventTimeOf(request, options.acceptEventTime === true) : undefined;
      const result = await runtime.predict(name, rowsOf(request), {
        requestId: requestIdOf(request),
        ...(time === undefined ? {} : { time }),
      });
      metrics.observe(name, result.variant, result.latencyMs / 1000, result.predictions.length);
      return result;
    } catch (error) {
      const keel = servingError(error as Error);
      metrics.error(name, keel.code, keel.status);
      throw keel;
    }
  };

  const plugin = async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler((error: Error, request, reply) => {
      // Refusals before the handler (body limit, content type, JSON) are counted here.
      if (!isKeelError(error)) {
        const keel = servingError(error, request);
        const params = request.params as { name?: string } | undefined;
        metrics.error(params?.name ?? defaultDeployment(), keel.code, keel.status);
      }
      return sendServingError(error, request, reply);
    });
    app.addContentTypeParser("text/csv", { parseAs: "string" }, (_request, body, done) => {
      done(null, body);
    });
    installPythonJsonParser(app, options.jsonDepth ?? DEFAULT_SERVER_LIMITS.jsonDepth);

    app.post<{ Params: { name: string } }>(
      "/v1/deployments/:name/predict",
      scoring,
      async (request, reply) => {
        const result = await predict(request.params.name, request, true);
        return resultHeaders(reply, result).send({
          predictions: result.predictions,
          variant: result.variant,
          modelVersion: result.modelVersion,
          requestId: result.requestId,
          // Echoed when the request set it: the time its entries are logged (and judged) at.
          ...(result.time === undefined ? {} : { time: new Date(result.time).toISOString() }),
          // Deployments with online features: each looked-up feature's status per row.
          ...(result.featureStatuses ? { featureStatuses: result.featureStatuses } : {}),
        });
      },
    );

    app.post("/invocations", scoring, async (request, reply) => {
      // A JSON body's `time` is read here too: ignoring it would stamp a replay through the
      // MLflow route with today's date and tell nobody (403 unless the server accepts event times).
      const result = await predict(defaultDeployment(), request, true);
      // MLflow's scoring response: one value per row, in `predictions`.
      return resultHeaders(reply, result).send({
        predictions: result.predictions.map((p) => p.prediction),
      });
    });

    app.post<{ Params: { name: string }; Body: unknown }>(
      "/v1/deployments/:name/feedback",
      async (request) => {
        const name = request.params.name;
        runtime.deployment(name);
        const store = requireStore(options.store);
        const models = Object.values(runtime.variantModels(name));
        const { requestId, label } = feedbackBody(request.body, models);
        // Entries still queued are written first, so a label right after its prediction joins.
        await runtime.settle();
        await options.log?.flush();
        const matched = await store.recordFeedback({
          deployment: name,
          requestId,
          label,
          time: Date.now(),
        });
        return { requestId, matched };
      },
    );

    app.get<{ Params: { name: string }; Querystring: { versions?: string } }>(
      "/v1/deployments/:name/experiment",
      async (request) => {
        const name = request.params.name;
        runtime.deployment(name);
        const store = requireStore(options.store);
        // `keel serve --model` serves a deployment that is not stored: say so, not "no such one".
        if ((await store.findDeployment(name)) === undefined)
          throw new KeelError(
            "KEEL_ERR_DEPLOYMENT_NOT_FOUND",
            `deployment '${name}' is served here but not stored, so it has no weights or history to analyse: create it with keel deploy create and serve it with keel serve --deployment ${name}`,
            { details: { deployment: name } },
          );
        await runtime.settle();
        await options.log?.flush();
        // ?versions=all pools the model versions a variant served; an unknown value is a 400.
        const versions = request.query.versions as "newest" | "all" | undefined;
        return analyzeExperiment(store, name, versions === undefined ? {} : { versions });
      },
    );

    // MLflow's scoring server health check (load balancers and SageMaker probe it).
    app.get("/ping", { config: { public: true } }, async (_request, reply) =>
      runtime.ready ? reply.type("text/plain").send("\n") : notReady(reply),
    );

    app.get("/ready", { config: { public: true } }, async (_request, reply) => {
      if (runtime.ready) return { ready: true, deployments: runtime.deploymentNames };
      return notReady(reply);
    });

    app.get("/metrics", async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.text()),
    );

    app.get("/openapi.json", async () => servingOpenApi());
    refuseOtherMethods(app, [
      ["/invocations", "POST"],
      ["/v1/deployments/:name/predict", "POST"],
      ["/v1/deployments/:name/feedback", "POST"],
      ["/v1/deployments/:name/experiment", "GET"],
      ["/ping", "GET"],
      ["/ready", "GET"],
    ]);
  };
  return [{ prefix: "", plugin }];
}

/**
 * JSON bodies on the serving routes: the app's depth limit and proto-safe parser, then, only for
 * a body that failed to parse, a second try with Python's NaN/Infinity tokens made standard
 * (MLflow clients send them): no cost for a valid body.
 */
function installPythonJsonParser(app: FastifyInstance, depthLimit: number): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (jsonDepth(text, depthLimit) > depthLimit) {
      done(
        new KeelError(
          "KEEL_ERR_LIMIT_EXCEEDED",
          `the JSON body nests deeper than the limit of ${depthLimit} levels (jsonDepth)`,
          { details: { limit: "jsonDepth", max: depthLimit } },
        ),
        undefined,
      );
      return;
    }
    // Fastify's parser answers through `done`; its return value carries nothing.
    void parse(request, text, (error, value) => {
      const standard = error ? standardizePythonJson(text) : undefined;
      if (standard === undefined) done(error, value);
      else void parse(request, standard, done);
    });
  });
}

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;

/**
 * A wrong method on a serving route is 405 with `Allow` (MLflow's scoring server answers so),
 * not a 404 that says the route does not exist or a 415 about a body the route never reads.
 */
function refuseOtherMethods(
  app: FastifyInstance,
  routes: readonly (readonly [string, "GET" | "POST"])[],
): void {
  for (const [url, allowed] of routes)
    app.route({
      method: METHODS.filter((m) => m !== allowed),
      url,
      // No body is read, so the JSON-only write guard has nothing to check.
      config: { rawBody: true },
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        reply.header("allow", allowed);
        throw new KeelError(
          "KEEL_ERR_METHOD_NOT_ALLOWED",
          `${request.method} ${url} is not served: this route takes ${allowed}`,
          { details: { method: request.method, allowed: [allowed] } },
        );
      },
    });
}

function notReady(reply: FastifyReply): FastifyReply {
  return reply.status(503).header("retry-after", "1").send({
    error_code: "KEEL_ERR_SERVING_OVERLOADED",
    message: "not ready: models are loading or the server is shutting down",
    details: {},
  });
}

function requireStore(store: ServingStore | undefined): ServingStore {
  if (store === undefined)
    throw new KeelError(
      "KEEL_ERR_SERVING_OVERLOADED",
      "this server keeps no prediction log, so it cannot join feedback or analyse experiments (start it with a metadata store)",
    );
  return store;
}
