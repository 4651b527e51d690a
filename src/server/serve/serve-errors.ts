import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { isKeelError, KeelError } from "../../core/index.js";

/**
 * A serving route's failure as a {@link KeelError}: Fastify's own refusals become the keel
 * codes a client can act on (413 for an oversized body, 415 for a content type no parser
 * takes, 400 for malformed JSON); anything unexpected is a 500 that hides its internals.
 *
 * @example
 * ```ts
 * servingError(fastifyError).status; // 413
 * ```
 */
export function servingError(error: FastifyError | Error, request?: FastifyRequest): KeelError {
  if (isKeelError(error)) return error;
  const code = (error as FastifyError).code;
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    // What the limit is and what came, so a client knows how far to split its batch.
    const maxBytes = request?.routeOptions.bodyLimit;
    const length = Number(request?.headers["content-length"]);
    return new KeelError(
      "KEEL_ERR_PAYLOAD_TOO_LARGE",
      `the request body${Number.isFinite(length) ? ` (${length} bytes)` : ""} is larger than the serving body limit${maxBytes === undefined ? "" : ` of ${maxBytes} bytes`} (keel serve --body-limit)`,
      {
        details: {
          limit: "bodyLimitBytes",
          ...(maxBytes === undefined ? {} : { maxBytes }),
          ...(Number.isFinite(length) ? { receivedBytes: length } : {}),
        },
      },
    );
  }
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
    return new KeelError(
      "KEEL_ERR_UNSUPPORTED_MEDIA_TYPE",
      "unsupported content type: send application/json (records, columns/data or MLflow's scoring shapes) or text/csv",
      { details: { accepted: ["application/json", "text/csv"] } },
    );
  if (
    code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
    error instanceof SyntaxError
  )
    return new KeelError("KEEL_ERR_PARSE", `malformed JSON request body: ${error.message}`);
  const status = (error as FastifyError).statusCode;
  if (typeof status === "number" && status < 500)
    return new KeelError("KEEL_ERR_INVALID_ARGUMENT", error.message);
  return new KeelError("KEEL_ERR_INTERNAL", "internal server error", { cause: error });
}

/**
 * The error handler of the serving routes: `{ error_code, message, details }` with the keel
 * code and its status (400 bad records, 404 unknown deployment, 413, 415, 503, 504).
 *
 * @example
 * ```ts
 * app.setErrorHandler(sendServingError);
 * ```
 */
export function sendServingError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const keel = servingError(error, request);
  if (keel.status >= 500 && keel.code === "KEEL_ERR_INTERNAL")
    request.log.error({ err: keel.cause ?? keel }, "request failed");
  // A full log queue or a server still loading: the client may retry shortly, and says so.
  if (keel.status === 503) reply.header("retry-after", "1");
  return reply
    .status(keel.status)
    .send({ error_code: keel.code, message: keel.message, details: keel.details ?? {} });
}
