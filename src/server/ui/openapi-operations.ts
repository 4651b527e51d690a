/** A query or path parameter of an operation. */
function param(
  name: string,
  where: "query" | "path",
  description: string,
  type: "string" | "integer" = "string",
  required = where === "path",
): Record<string, unknown> {
  return { name, in: where, required, description, schema: { type } };
}

/** An operation answering JSON: summary, parameters and the 200 response's description. */
function op(
  summary: string,
  ok: string,
  parameters: Record<string, unknown>[] = [],
  errors: number[] = [400, 401, 403],
  body?: string,
): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    "200": { description: ok, content: { "application/json": { schema: { type: "object" } } } },
  };
  for (const status of errors)
    responses[String(status)] = {
      description: "an error: { error_code, message }",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  return {
    summary,
    parameters,
    ...(body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            description: body,
            content: { "application/json": { schema: { type: "object" } } },
          },
        }),
    responses,
  };
}

const NAME = (what: string) => param("name", "path", what);

/**
 * The description of every `/v1/` JSON endpoint of keel's server except the serving routes
 * (which `servingOpenApi` describes), keyed `METHOD /v1/path/{param}` as `v1Routes` lists them.
 *
 * @example
 * ```ts
 * V1_OPERATIONS["GET /v1/studies"].summary; // "List tuning studies"
 * ```
 */
export const V1_OPERATIONS: Readonly<Record<string, Record<string, unknown>>> = {
  "GET /v1/openapi.json": op(
    "This document",
    "the OpenAPI 3.1 document of the /v1 endpoints",
    [],
    [401],
  ),
  "GET /v1/models/alias-history": op(
    "A registered model's alias audit log, newest first",
    "{ events: [{ alias, from_version, to_version, actor, reason, created_at }] }",
    [
      param("name", "query", "registered model", "string", true),
      param("alias", "query", "only this alias"),
    ],
    [400, 401, 403, 404],
  ),
  "POST /v1/models/rollback": op(
    "Move an alias back to the version it pointed at before its last move (logged)",
    "{ model_version } the alias now points at",
    [],
    [400, 401, 403, 404, 409],
    "{ name, alias, reason? }; needs a write token when tokens are configured",
  ),
  "GET /v1/studies": op(
    "List tuning studies in the tracking store",
    "{ studies: [{ name, direction, directions, n_trials, states, best_value }] }",
  ),
  "GET /v1/studies/get": op(
    "One study with every trial and its parameter importances",
    "{ study, trials: [{ number, state, value, params, distributions, intermediate_values }], importances, importance_note }",
    [param("name", "query", "study name", "string", true)],
    [400, 401, 403, 404],
  ),
  "GET /v1/deployments": op(
    "List stored deployments",
    "{ deployments: [{ name, variants, effective_weights, shadow, canary, canary_state, revision }] }",
  ),
  "GET /v1/deployments/{name}/overview": op(
    "A deployment's live view: traffic and latency per variant, shadow comparison, A/B analysis, history",
    "{ deployment, events, window, traffic, shadows, analysis, analysis_note }",
    [
      NAME("deployment"),
      param(
        "window_ms",
        "query",
        "traffic window, 60000 to 604800000 (default 3600000)",
        "integer",
      ),
    ],
    [400, 401, 403, 404],
  ),
  "GET /v1/monitors": op(
    "List monitors with results and their latest verdict",
    "{ monitors: [{ name, last_run, dataset_drift, drift_share, prediction_shift }] }",
  ),
  "GET /v1/monitors/{name}/results": op(
    "A monitor's runs, oldest first, and its alert deliveries",
    "{ monitor, results: [{ window_start, window_end, drift_share, summary }], alerts }",
    [NAME("monitor"), param("limit", "query", "runs, 1 to 1000 (default 48)", "integer")],
    [400, 401, 403, 404],
  ),
  "GET /v1/pipelines/runs": op(
    "Pipeline runs, newest first, with step counts by state",
    "{ runs: [{ run_id, pipeline, logical_date, status, trigger, steps }] }",
    [
      param("pipeline", "query", "only this pipeline"),
      param("limit", "query", "1 to 1000 (default 200)", "integer"),
    ],
  ),
  "GET /v1/pipelines/runs/{runId}": op(
    "A pipeline run: steps with states, tries and durations, DAG edges, logs, dead letters",
    "{ run, steps, edges, logs, dead_letters, can_replay }",
    [param("runId", "path", "pipeline run id")],
    [401, 403, 404],
  ),
  "GET /v1/pipelines/dead-letters": op(
    "Dead letters, newest first",
    "{ dead_letters, can_replay }",
    [param("status", "query", "open or replayed")],
  ),
  "POST /v1/pipelines/dead-letters/{id}/replay": op(
    "Replay a step's dead letter (the run resumes from that step); answers when the run ends",
    "{ run_id, status }",
    [param("id", "path", "dead letter number", "integer")],
    [400, 401, 403, 404, 409],
    "{} (empty); needs a write token when tokens are configured",
  ),
  "GET /v1/features/views": op(
    "The feature registry: entities, services, views with TTL, freshness status and last materialisation",
    "{ entities, services, views }",
  ),
  "GET /v1/features/views/{name}/stats": op(
    "Statistics of a file-sourced feature view's source data",
    "{ view, source, profile: { rows, columns }, note }",
    [NAME("feature view")],
    [401, 403, 404],
  ),
  "GET /v1/features/status": op(
    "Freshness of every view of the served feature store (as keel features status)",
    "{ views: [{ view, online, freshnessSeconds, stalenessSeconds, stale }] }",
  ),
  "POST /v1/features/get-online-features": op(
    "Online feature values (Feast's request and response JSON)",
    "{ metadata: { feature_names }, results: [{ values, statuses, event_timestamps }] }",
    [],
    [400, 401, 403, 404],
    "{ features: [view:feature] | feature_service, entities: { key: [values] } }",
  ),
  "POST /v1/features/push": op(
    "Push rows to a view's online and/or offline store (Feast's push JSON)",
    "{ push_source_name, view, rows }",
    [],
    [400, 401, 403, 404],
    "{ push_source_name, df: { column: [values] }, to?: online | offline | online_and_offline }",
  ),
};
