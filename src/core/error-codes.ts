/**
 * The catalogue of every error code keel can raise: one entry per code, listed once, never
 * reused for another meaning (as Fastify does). Add new codes at the end of their section;
 * retire a code by marking it deprecated in its description, never by deleting or renaming it.
 *
 * @example
 * ```ts
 * import { ERROR_CODES } from "keel";
 * ERROR_CODES.KEEL_ERR_FILE_NOT_FOUND.status; // 404
 * ```
 */
export const ERROR_CODES = {
  // general
  KEEL_ERR_INTERNAL: { status: 500, description: "An unexpected internal error (a bug in keel)." },
  KEEL_ERR_INVALID_ARGUMENT: {
    status: 400,
    description: "An argument has the wrong type or value.",
  },
  KEEL_ERR_INVALID_PARAM: {
    status: 400,
    description: "An estimator or component parameter is invalid.",
  },
  KEEL_ERR_USAGE: {
    status: 400,
    description: "A command line was used wrongly (unknown flag, missing argument).",
  },
  KEEL_ERR_NOT_FOUND: { status: 404, description: "A named resource does not exist." },
  KEEL_ERR_ALREADY_EXISTS: {
    status: 409,
    description: "A resource with that name or id already exists.",
  },
  KEEL_ERR_CONFLICT: {
    status: 409,
    description: "The operation conflicts with the current state.",
  },
  KEEL_ERR_UNSUPPORTED: { status: 400, description: "The operation or format is not supported." },
  KEEL_ERR_CANCELLED: { status: 499, description: "The operation was cancelled." },

  // core: frames and schemas
  KEEL_ERR_COLUMN_NOT_FOUND: {
    status: 400,
    description: "A column named in the call is not in the frame.",
  },
  KEEL_ERR_COLUMN_KIND: {
    status: 400,
    description: "A column has a different kind than the operation needs.",
  },
  KEEL_ERR_COLUMN_LENGTH: {
    status: 400,
    description: "Columns of one frame have different lengths.",
  },
  KEEL_ERR_DUPLICATE_COLUMN: { status: 400, description: "Two columns have the same name." },
  KEEL_ERR_SCHEMA_MISMATCH: {
    status: 400,
    description: "A frame does not match the expected schema.",
  },

  // data: sources, parsing, checks
  KEEL_ERR_FILE_NOT_FOUND: { status: 404, description: "A file does not exist." },
  KEEL_ERR_FILE_UNREADABLE: { status: 400, description: "A file exists but cannot be read." },
  KEEL_ERR_FILE_EMPTY: { status: 400, description: "A file holds no data." },
  KEEL_ERR_PARSE: {
    status: 400,
    description: "A file or value could not be parsed (location in details).",
  },
  KEEL_ERR_RAGGED_ROW: {
    status: 400,
    description: "A row has a different number of fields than the header.",
  },
  KEEL_ERR_INVALID_UTF8: { status: 400, description: "A text file is not valid UTF-8." },
  KEEL_ERR_INVALID_TEXT: {
    status: 400,
    description:
      "Text holds an unpaired UTF-16 surrogate, which UTF-8 cannot encode (it would be stored as U+FFFD).",
  },
  KEEL_ERR_TYPE_MISMATCH: {
    status: 400,
    description: "A value does not fit the declared column type.",
  },
  KEEL_ERR_UNKNOWN_FORMAT: {
    status: 400,
    description: "The data format cannot be told from the file name.",
  },
  KEEL_ERR_SQL: { status: 400, description: "A SQL query failed." },
  KEEL_ERR_DB_CONNECTION: { status: 503, description: "A database could not be reached." },
  KEEL_ERR_WRITE_FAILED: {
    status: 500,
    description: "Writing a file failed; nothing was half-written.",
  },
  KEEL_ERR_CHECK_INVALID: {
    status: 400,
    description: "A data check definition is invalid (unknown check, bad field).",
  },
  KEEL_ERR_CHECKS_FAILED: { status: 422, description: "One or more data checks failed." },
  KEEL_ERR_CHECK_TIMEOUT: {
    status: 400,
    description: "A data check ran past its time limit (a regex that backtracks catastrophically).",
  },

  // transform
  KEEL_ERR_NOT_FITTED: {
    status: 400,
    description: "A transform or predict was asked of an estimator that is not fitted.",
  },
  KEEL_ERR_UNKNOWN_CATEGORY: {
    status: 400,
    description: "A category unseen during fit reached an encoder with handleUnknown 'error'.",
  },
  KEEL_ERR_EXPRESSION: {
    status: 400,
    description: "A derived-column expression could not be parsed or evaluated.",
  },
  KEEL_ERR_STATE_INVALID: {
    status: 400,
    description: "Serialised estimator state is malformed or of an unknown type.",
  },
  KEEL_ERR_EMPTY_INPUT: {
    status: 400,
    description:
      "An estimator was asked to fit on 0 rows (scikit-learn: 'Found array with 0 sample(s)').",
  },
  KEEL_ERR_NON_FINITE: {
    status: 400,
    description:
      "A numeric input holds +Infinity or -Infinity where only finite numbers or NaN are accepted.",
  },

  // models
  KEEL_ERR_TARGET_INVALID: {
    status: 400,
    description: "The target column is missing, constant or of the wrong kind for the task.",
  },
  KEEL_ERR_BUNDLE_INVALID: {
    status: 400,
    description: "A model bundle is malformed or incomplete.",
  },
  KEEL_ERR_BUNDLE_VERSION: {
    status: 400,
    description: "A model bundle was written by a newer format version.",
  },
  KEEL_ERR_MODEL_IMPORT: {
    status: 400,
    description: "A model from another system (XGBoost JSON, ONNX) could not be imported.",
  },

  // evaluate
  KEEL_ERR_METRIC_UNDEFINED: {
    status: 400,
    description: "A metric is undefined for the given input (one class only, empty input).",
  },
  KEEL_ERR_UNKNOWN_METRIC: { status: 400, description: "A metric name is not known." },
  KEEL_ERR_GATE_FAILED: { status: 422, description: "A validation gate failed." },
  KEEL_ERR_POLICY_INVALID: {
    status: 400,
    description: "A validation policy is malformed (JSON path of each issue in details).",
  },

  // tune
  KEEL_ERR_TRIAL_PRUNED: {
    status: 400,
    description: "A trial was pruned (control flow, not a failure).",
  },
  KEEL_ERR_SEARCH_SPACE: {
    status: 400,
    description: "A search space is invalid or a parameter's distribution changed.",
  },
  KEEL_ERR_STUDY_NOT_FOUND: { status: 404, description: "A study does not exist in the storage." },
  KEEL_ERR_NO_COMPLETED_TRIALS: { status: 400, description: "A study has no completed trial yet." },

  // store and track
  KEEL_ERR_STORE: { status: 500, description: "The metadata store failed." },
  KEEL_ERR_MIGRATION: {
    status: 500,
    description: "A metadata store migration failed or the schema is newer than this keel.",
  },
  KEEL_ERR_ARTIFACT_NOT_FOUND: { status: 404, description: "An artifact does not exist." },
  KEEL_ERR_RESOURCE_DOES_NOT_EXIST: { status: 404, description: "MLflow RESOURCE_DOES_NOT_EXIST." },
  KEEL_ERR_RESOURCE_ALREADY_EXISTS: { status: 400, description: "MLflow RESOURCE_ALREADY_EXISTS." },
  KEEL_ERR_INVALID_PARAMETER_VALUE: { status: 400, description: "MLflow INVALID_PARAMETER_VALUE." },
  KEEL_ERR_INVALID_STATE: {
    status: 400,
    description: "MLflow INVALID_STATE: the resource is in the wrong lifecycle state.",
  },
  KEEL_ERR_FILTER_SYNTAX: {
    status: 400,
    description: "A search filter could not be parsed (position in details).",
  },
  KEEL_ERR_PERMISSION_DENIED: { status: 403, description: "The caller may not do this." },
  KEEL_ERR_UNAUTHENTICATED: {
    status: 401,
    description: "The request carries no valid credentials.",
  },

  // server hardening: resource bounds and request checks
  KEEL_ERR_LIMIT_EXCEEDED: {
    status: 400,
    description: "An input is larger than a documented limit (the limit and its name in details).",
  },
  KEEL_ERR_QUERY_TIMEOUT: {
    status: 503,
    description: "A query ran past the statement time limit and was stopped.",
  },
  KEEL_ERR_HOST_NOT_ALLOWED: {
    status: 403,
    description: "The request's Host header is not in the server's allow-list (DNS rebinding).",
  },
  KEEL_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: "A write call was sent without an application/json body.",
  },
  KEEL_ERR_METHOD_NOT_ALLOWED: {
    status: 405,
    description:
      "The route exists but does not take this HTTP method (the Allow header lists the ones it takes).",
  },
  KEEL_ERR_PAYLOAD_TOO_LARGE: {
    status: 413,
    description: "A request body or upload is larger than the server's limit.",
  },
  KEEL_ERR_TOO_MANY_REQUESTS: {
    status: 429,
    description: "Too many concurrent requests of one kind (such as uploads); retry later.",
  },
  KEEL_ERR_INSECURE_BIND: {
    status: 400,
    description: "A server would listen beyond loopback without tokens.",
  },
  KEEL_ERR_FILE_PERMISSIONS: {
    status: 400,
    description: "A file that grants access (such as tokens.json) is writable by others.",
  },

  // config: keel.config.ts
  KEEL_ERR_CONFIG_NOT_FOUND: {
    status: 404,
    description:
      "No keel.config.ts (or .js/.mjs) in the directory, or the --config path is missing.",
  },
  KEEL_ERR_CONFIG_INVALID: {
    status: 400,
    description: "keel.config.ts failed to load or its default export is not a valid config.",
  },

  // features: definitions, retrieval, online store
  KEEL_ERR_FEATURE_DEFINITION: {
    status: 400,
    description:
      "A feature definition is invalid (unknown entity, duplicate name, bad TTL, schema not matching its source).",
  },
  KEEL_ERR_FEATURE_NOT_FOUND: {
    status: 404,
    description: "A feature reference names an unknown feature view, feature or feature service.",
  },
  KEEL_ERR_ENTITY_ROWS: {
    status: 400,
    description: "Entity rows lack a join key or event_timestamp, or hold an unusable value.",
  },
  KEEL_ERR_PUSH_SCHEMA: {
    status: 400,
    description: "Pushed rows do not match the feature view's schema; nothing was written.",
  },
  KEEL_ERR_ONLINE_STORE: {
    status: 503,
    description: "The online feature store (SQLite or Redis) could not be reached or written.",
  },

  KEEL_ERR_STORE_BUSY: {
    status: 503,
    description:
      "The metadata store kept aborting the write (deadlock or serialization conflict) after keel's bounded retries; nothing was written, retry the call.",
  },

  // serve: deployments, routing, prediction log
  KEEL_ERR_DEPLOYMENT_INVALID: {
    status: 400,
    description: "A deployment spec is malformed (JSON path of each issue in details).",
  },
  KEEL_ERR_DEPLOYMENT_NOT_FOUND: { status: 404, description: "No deployment has that name." },
  KEEL_ERR_RECORD_INVALID: {
    status: 400,
    description:
      "A record to score does not match the model's input signature (every bad field with its JSON path, expected kind and received value in details).",
  },
  KEEL_ERR_SERVING_OVERLOADED: {
    status: 503,
    description:
      "The server cannot take the request now (the prediction log's queue is full, or models are not loaded yet); retry.",
  },
  KEEL_ERR_REQUEST_TIMEOUT: {
    status: 504,
    description:
      "A request ran past the server's per-request time limit and was answered without a result.",
  },
  // orchestrate: pipelines, runs, schedules, dead letters
  KEEL_ERR_PIPELINE_DEFINITION: {
    status: 400,
    description:
      "A pipeline definition is invalid: a cycle, an unknown dependency, a duplicate name or a bad step option.",
  },
  KEEL_ERR_PIPELINE_NOT_FOUND: {
    status: 404,
    description: "No pipeline, pipeline run or dead letter with that name or id exists.",
  },
  KEEL_ERR_STEP_FAILED: {
    status: 500,
    description:
      "A pipeline step failed after its retries (it is in the dead-letter table; see `keel dlq`).",
  },
  KEEL_ERR_STEP_TIMEOUT: {
    status: 504,
    description: "A pipeline step ran longer than its timeoutMs.",
  },
  KEEL_ERR_STEP_OUTPUT: {
    status: 400,
    description: "A pipeline step returned outputs that cannot be serialised as JSON.",
  },
  KEEL_ERR_SCHEDULE: {
    status: 400,
    description: "A cron expression or time zone does not parse, or a date range is invalid.",
  },
  KEEL_ERR_FEATURES_STALE: {
    status: 422,
    description:
      "Online features are missing or older than their view's TTL/freshness target (a freshness step with failOnStale, or a deployment whose features are required).",
  },
  KEEL_ERR_ALERT_DELIVERY: {
    status: 502,
    description:
      "A monitor's alert could not be delivered to a sink after its retries (a scheduled monitor's run fails with it).",
  },
} as const satisfies Record<string, { status: number; description: string }>;

/**
 * A stable keel error code, one of the keys of {@link ERROR_CODES}.
 *
 * @example
 * ```ts
 * const code: ErrorCode = "KEEL_ERR_PARSE";
 * ```
 */
export type ErrorCode = keyof typeof ERROR_CODES;
