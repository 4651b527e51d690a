import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, isKeelError, KeelError } from "../core/index.js";

/**
 * MLflow's `error_code` for each keel code the tracking API raises (MLflow's databricks_pb2
 * names); anything unlisted maps by HTTP status.
 *
 * @example
 * ```ts
 * MLFLOW_ERROR_CODES.KEEL_ERR_RESOURCE_DOES_NOT_EXIST; // "RESOURCE_DOES_NOT_EXIST"
 * ```
 */
export const MLFLOW_ERROR_CODES: Partial<Record<ErrorCode, string>> = {
  KEEL_ERR_RESOURCE_DOES_NOT_EXIST: "RESOURCE_DOES_NOT_EXIST",
  KEEL_ERR_NOT_FOUND: "RESOURCE_DOES_NOT_EXIST",
  KEEL_ERR_ARTIFACT_NOT_FOUND: "RESOURCE_DOES_NOT_EXIST",
  KEEL_ERR_FILE_NOT_FOUND: "RESOURCE_DOES_NOT_EXIST",
  KEEL_ERR_RESOURCE_ALREADY_EXISTS: "RESOURCE_ALREADY_EXISTS",
  KEEL_ERR_INVALID_PARAMETER_VALUE: "INVALID_PARAMETER_VALUE",
  KEEL_ERR_FILTER_SYNTAX: "INVALID_PARAMETER_VALUE",
  KEEL_ERR_INVALID_ARGUMENT: "INVALID_PARAMETER_VALUE",
  KEEL_ERR_INVALID_STATE: "INVALID_STATE",
  KEEL_ERR_UNAUTHENTICATED: "UNAUTHENTICATED",
  KEEL_ERR_PERMISSION_DENIED: "PERMISSION_DENIED",
  KEEL_ERR_PARSE: "MALFORMED_REQUEST",
  KEEL_ERR_LIMIT_EXCEEDED: "INVALID_PARAMETER_VALUE",
  KEEL_ERR_QUERY_TIMEOUT: "TEMPORARILY_UNAVAILABLE",
  KEEL_ERR_TOO_MANY_REQUESTS: "REQUEST_LIMIT_EXCEEDED",
  KEEL_ERR_HOST_NOT_ALLOWED: "PERMISSION_DENIED",
  KEEL_ERR_STORE_BUSY: "TEMPORARILY_UNAVAILABLE",
};

function mlflowCodeFor(error: KeelError): string {
  const mapped = MLFLOW_ERROR_CODES[error.code];
  if (mapped !== undefined) return mapped;
  if (error.status === 404) return "RESOURCE_DOES_NOT_EXIST";
  if (error.status === 401) return "UNAUTHENTICATED";
  if (error.status === 403) return "PERMISSION_DENIED";
  if (error.status < 500) return "INVALID_PARAMETER_VALUE";
  return "INTERNAL_ERROR";
}

/**
 * Turns Fastify's own request errors (bad JSON, body too large, wrong content type) into
 * KeelErrors, keeping everything else as is.
 *
 * @example
 * ```ts
 * const keel = fromFastifyError(error);
 * ```
 */
export function fromFastifyError(error: FastifyError | Error): KeelError {
  if (isKeelError(error)) return error;
  const fastify = error as FastifyError;
  if (fastify.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    // 400 INVALID_PARAMETER_VALUE, as MLflow answers a request over its size limit.
    return new KeelError(
      "KEEL_ERR_INVALID_PARAMETER_VALUE",
      "the request body is larger than the server's JSON body limit (bodyLimitBytes)",
      { details: { limit: "bodyLimitBytes" } },
    );
  if (
    fastify.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    fastify.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
    error instanceof SyntaxError
  )
    return new KeelError("KEEL_ERR_PARSE", `malformed JSON request body: ${error.message}`);
  if (fastify.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
    return new KeelError(
      "KEEL_ERR_INVALID_PARAMETER_VALUE",
      `unsupported content type: ${error.message}; send application/json`,
    );
  if (typeof fastify.statusCode === "number" && fastify.statusCode < 500)
    return new KeelError("KEEL_ERR_INVALID_PARAMETER_VALUE", error.message);
  return new KeelError("KEEL_ERR_INTERNAL", "internal server error", { cause: error });
}

/**
 * The app's error handler: every error goes out as MLflow's `{ error_code, message }` with the
 * matching HTTP status (plus keel's `details`); internal errors are logged, never leaked.
 *
 * @example
 * ```ts
 * app.setErrorHandler(sendError);
 * ```
 */
export function sendError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const keel = fromFastifyError(error);
  const mlflowCode = mlflowCodeFor(keel);
  // MLflow answers RESOURCE_ALREADY_EXISTS with 400 and MALFORMED_REQUEST with 400.
  const status =
    mlflowCode === "RESOURCE_ALREADY_EXISTS" || mlflowCode === "MALFORMED_REQUEST"
      ? 400
      : keel.status;
  if (status >= 500) request.log.error({ err: keel.cause ?? keel }, "request failed");
  // 503 means "full or not ready, try again": say when, as clients and load balancers expect.
  if (status === 503) reply.header("retry-after", "1");
  return reply
    .status(status)
    .send({ error_code: mlflowCode, message: keel.message, details: keel.details });
}
