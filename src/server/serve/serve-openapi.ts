/** JSON Schema of one error answer. */
const ERROR = {
  type: "object",
  required: ["error_code", "message"],
  properties: {
    error_code: { type: "string", example: "KEEL_ERR_RECORD_INVALID" },
    message: { type: "string" },
    details: { type: "object" },
  },
};

const errors = (codes: readonly number[]): Record<string, unknown> =>
  Object.fromEntries(
    codes.map((code) => [
      String(code),
      {
        description: ERROR_MEANINGS[code] ?? "error",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    ]),
  );

const ERROR_MEANINGS: Readonly<Record<number, string>> = {
  400: "malformed body or records that do not match the model's input signature (details.errors lists every bad field with its JSON path, expected kind and received value)",
  401: "a token is needed",
  403: "the token may not do this, or the Host header is not allowed",
  404: "no such deployment",
  413: "the body is over the serving body limit (default 10 MB)",
  415: "a content type other than application/json or text/csv",
  422: "a deployment with features: { onMissing: 'error' } found an entity's online features missing or older than the view's TTL",
  503: "the prediction log's queue is full, or the models are not loaded yet",
  504: "the request ran past the per-request time limit",
};

const SCORING_BODY = {
  required: true,
  content: {
    "application/json": {
      schema: {
        oneOf: [
          {
            type: "object",
            required: ["records"],
            properties: { records: { type: "array", items: { type: "object" } } },
          },
          {
            type: "object",
            required: ["columns", "data"],
            properties: {
              columns: { type: "array", items: { type: "string" } },
              data: { type: "array", items: { type: "array" } },
            },
          },
          { type: "object", required: ["dataframe_split"] },
          { type: "object", required: ["dataframe_records"] },
          { type: "object", required: ["instances"] },
          { type: "object", required: ["inputs"] },
        ],
      },
    },
    "text/csv": {
      schema: { type: "string", description: "a header row, then one row per record" },
    },
  },
};

const EVENT_TIME = {
  type: "string",
  format: "date-time",
  description:
    "The event time the request's predictions are logged with (ISO-8601 with a zone), for replays of past traffic; default: when the answer goes out. Only servers started with --accept-event-time take it (403 otherwise); a malformed or future time is 400 with path $.time.",
};

/** The keel predict route's body: the scoring shapes, plus an optional event time. */
const PREDICT_BODY = {
  ...SCORING_BODY,
  content: {
    ...SCORING_BODY.content,
    "application/json": {
      schema: {
        oneOf: SCORING_BODY.content["application/json"].schema.oneOf.map((shape) => ({
          ...shape,
          properties: { ...("properties" in shape ? shape.properties : {}), time: EVENT_TIME },
        })),
      },
    },
  },
};

const NAME = { name: "name", in: "path", required: true, schema: { type: "string" } };

/**
 * The OpenAPI 3.1 description of the serving routes, served at `/openapi.json`.
 *
 * @example
 * ```ts
 * servingOpenApi().paths["/invocations"]; // MLflow's scoring route
 * ```
 */
export function servingOpenApi(): {
  openapi: string;
  info: Record<string, string>;
  paths: Record<string, unknown>;
  components: Record<string, unknown>;
} {
  return {
    openapi: "3.1.0",
    info: {
      title: "keel serving",
      version: "1",
      description:
        "Online predictions from keel model bundles: deployments with weighted sticky variants, shadows and canaries; `prediction` is P(positive class) for binary models, the class for multiclass, the value for regression.",
    },
    paths: {
      "/v1/deployments/{name}/predict": {
        post: {
          summary: "Score records on a deployment",
          parameters: [
            NAME,
            { name: "x-request-id", in: "header", required: false, schema: { type: "string" } },
          ],
          requestBody: PREDICT_BODY,
          responses: {
            "200": {
              description: "one prediction per record, the variant and model version that answered",
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/PredictResponse" } },
              },
            },
            ...errors([400, 401, 403, 404, 413, 415, 422, 503, 504]),
          },
        },
      },
      "/invocations": {
        post: {
          summary: "MLflow scoring protocol on the default deployment",
          requestBody: SCORING_BODY,
          responses: {
            "200": {
              description: "MLflow's answer: one prediction per row",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      predictions: { type: "array", items: { type: ["number", "string"] } },
                    },
                  },
                },
              },
            },
            ...errors([400, 401, 403, 404, 413, 415, 503, 504]),
          },
        },
      },
      "/v1/deployments/{name}/feedback": {
        post: {
          summary: "Record the true label of an earlier prediction",
          parameters: [NAME],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["requestId", "label"],
                  properties: {
                    requestId: { type: "string" },
                    label: { type: ["string", "number"] },
                  },
                },
              },
            },
          },
          responses: {
            "200": {
              description: "`matched` says whether the request id is in the prediction log",
            },
            ...errors([400, 401, 403, 404, 503]),
          },
        },
      },
      "/v1/deployments/{name}/experiment": {
        get: {
          summary:
            "A/B analysis since the last change: traffic per variant, sample-ratio test, labelled metrics with CIs on the model version each variant serves now (modelVersions lists every version served)",
          parameters: [
            NAME,
            {
              name: "versions",
              in: "query",
              required: false,
              schema: { enum: ["newest", "all"] },
              description: "all: pool every model version a variant served in the window",
            },
          ],
          responses: {
            "200": { description: "the analysis" },
            ...errors([400, 401, 403, 404, 503]),
          },
        },
      },
      "/health": { get: { summary: "Alive", responses: { "200": { description: "OK" } } } },
      "/ready": {
        get: {
          summary: "Every variant model is loaded",
          responses: { "200": { description: "ready" }, ...errors([503]) },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics",
          responses: { "200": { description: "text format" } },
        },
      },
    },
    components: {
      schemas: {
        Error: ERROR,
        PredictResponse: {
          type: "object",
          properties: {
            predictions: {
              type: "array",
              items: {
                type: "object",
                required: ["prediction"],
                properties: {
                  prediction: { type: ["number", "string"] },
                  probabilities: { type: "object", additionalProperties: { type: "number" } },
                },
              },
            },
            variant: { type: "string" },
            modelVersion: { type: "string" },
            requestId: { type: "string" },
            time: { ...EVENT_TIME, description: "the event time the request gave, echoed" },
            featureStatuses: {
              description:
                "Deployments with online features: per row, each looked-up feature's status",
              type: "array",
              items: {
                type: "object",
                additionalProperties: {
                  enum: ["PRESENT", "NULL_VALUE", "NOT_FOUND", "OUTSIDE_MAX_AGE"],
                },
              },
            },
          },
        },
      },
    },
  };
}
