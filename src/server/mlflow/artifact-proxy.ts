import { pipeline, type Readable, Transform } from "node:stream";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { KeelError } from "../../core/index.js";
import type { Tracking } from "../../track/index.js";
import { compact, fileInfoJson } from "./shapes.js";

/**
 * Splits a proxied artifact path `<experiment id>/<run id>/artifacts[/<path>]` (the layout of
 * keel's `mlflow-artifacts:/` run URIs) into the run id and the path inside its tree. Paths
 * with `..`, absolute paths, backslashes or NUL bytes are rejected.
 *
 * @example
 * ```ts
 * splitProxyPath("1/3f2a/artifacts/model/keel-model.json");
 * // { experimentId: "1", runId: "3f2a", path: "model/keel-model.json" }
 * ```
 */
export function splitProxyPath(raw: string): { experimentId: string; runId: string; path: string } {
  const reject = (why: string): never => {
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAMETER_VALUE",
      `invalid artifact path ${JSON.stringify(raw)}: ${why}`,
      { details: { path: raw } },
    );
  };
  if (raw.includes("\0")) reject("it contains a NUL byte");
  if (raw.includes("\\")) reject("backslashes are not allowed");
  if (raw.startsWith("/")) reject("it must be relative");
  const parts = raw.split("/");
  if (parts.some((p) => p === ".." || p === ".")) reject("'.' and '..' segments are not allowed");
  const [experimentId, runId, artifacts, ...rest] = parts;
  if (
    experimentId === undefined ||
    !/^\d+$/.test(experimentId) ||
    runId === undefined ||
    runId === "" ||
    artifacts !== "artifacts"
  )
    reject("expected <experiment id>/<run id>/artifacts/<path>");
  return {
    experimentId: experimentId as string,
    runId: runId as string,
    path: rest.filter((p) => p !== "").join("/"),
  };
}

function wildcard(request: FastifyRequest): string {
  const raw = (request.params as { "*"?: string })["*"] ?? "";
  // Fastify has already percent-decoded the path; a NUL arrives as a real NUL byte here.
  return raw;
}

/** What {@link artifactProxyRoutes} takes. @example `const o: ArtifactProxyOptions = { tracking, uploadLimitBytes: 2 ** 30, maxConcurrentUploads: 8 };` */
export interface ArtifactProxyOptions {
  readonly tracking: Tracking;
  /** Largest upload in bytes (413 beyond it). */
  readonly uploadLimitBytes: number;
  /** Uploads in progress at once (429 beyond it). */
  readonly maxConcurrentUploads: number;
}

function uploadTooLarge(limit: number, got: number | undefined): KeelError {
  return new KeelError(
    "KEEL_ERR_PAYLOAD_TOO_LARGE",
    `the upload is larger than the limit of ${limit} bytes (uploadLimitBytes)${got === undefined ? "" : `: ${got} bytes declared`}`,
    { details: { limit: "uploadLimitBytes", max: limit, ...(got === undefined ? {} : { got }) } },
  );
}

/** Passes bytes through, failing once more than `limit` have gone by. */
function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(uploadTooLarge(limit, undefined));
      else callback(null, chunk);
    },
  });
}

/**
 * MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/...`): GET downloads a file
 * (or lists a directory with `?path=`), PUT uploads one into the content-addressed store,
 * DELETE removes a file or directory from the run's tree. An upload is refused before a byte
 * is stored when too many are in progress (429), when its run is missing (404) or not active,
 * or when it declares more than the upload limit (413); one that sends more than the limit is
 * cut off at the limit and nothing is kept. Refused uploads close the connection, so an unread
 * body is not drained.
 *
 * @example
 * ```ts
 * app.register(artifactProxyRoutes, {
 *   prefix: "/api/2.0/mlflow-artifacts",
 *   tracking,
 *   uploadLimitBytes: 2 ** 30,
 *   maxConcurrentUploads: 8,
 * });
 * ```
 */
export const artifactProxyRoutes: FastifyPluginAsync<ArtifactProxyOptions> = async (
  app,
  { tracking, uploadLimitBytes, maxConcurrentUploads },
) => {
  let uploading = 0;
  // MLflow maps the path onto `<root>/<experiment>/<run>/artifacts/…`, so a run named under
  // another experiment is simply not there; keel's store is keyed by run, so check it here.
  const proxied = async (raw: string): Promise<{ runId: string; path: string }> => {
    const { experimentId, runId, path } = splitProxyPath(raw);
    const run = await tracking.runs.get(runId);
    if (run.info.experimentId !== experimentId)
      throw new KeelError(
        "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        `no artifacts at ${JSON.stringify(raw)}: run ${runId} belongs to experiment ${run.info.experimentId}, not ${experimentId}`,
        { details: { path: raw, runId, experimentId: run.info.experimentId } },
      );
    return { runId, path };
  };
  // Uploads are streamed straight into the artifact store, whatever their content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

  app.get("/artifacts", async (request) => {
    const { path: raw = "" } = request.query as { path?: string };
    const { runId, path } = await proxied(raw);
    const entries = await tracking.artifacts.list(runId, path);
    const base = path === "" ? "" : `${path}/`;
    return compact({
      files: entries.map((e) => fileInfoJson({ ...e, path: e.path.slice(base.length) })),
    });
  });

  app.get("/artifacts/*", async (request, reply) => {
    const { runId, path } = await proxied(wildcard(request));
    const { stream, size } = await tracking.artifacts.open(runId, path);
    return reply
      .header("content-type", "application/octet-stream")
      .header("content-length", size)
      .send(stream);
  });

  app.put("/artifacts/*", { config: { rawBody: true } }, async (request, reply) => {
    const { runId, path } = await proxied(wildcard(request));
    if (path === "")
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        "an artifact upload needs a file path after <run id>/artifacts/",
      );
    const body = request.body as Readable | undefined;
    if (body === undefined || typeof (body as Readable).pipe !== "function")
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        "an artifact upload needs a request body",
      );
    if (uploading >= maxConcurrentUploads) {
      reply.header("connection", "close");
      throw new KeelError(
        "KEEL_ERR_TOO_MANY_REQUESTS",
        `${uploading} uploads are in progress, the limit (maxConcurrentUploads); retry later`,
        { details: { limit: "maxConcurrentUploads", max: maxConcurrentUploads } },
      );
    }
    uploading++;
    try {
      const run = await tracking.runs.get(runId);
      if (run.info.lifecycleStage !== "active")
        throw new KeelError(
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
          `the run ${runId} must be active to log artifacts`,
          { details: { run_id: runId } },
        );
      const declared = Number(request.headers["content-length"]);
      if (Number.isFinite(declared) && declared > uploadLimitBytes)
        throw uploadTooLarge(uploadLimitBytes, declared);
      // pipeline (not pipe) so that a client hanging up fails the upload instead of stalling it.
      const limited = pipeline(body, byteLimit(uploadLimitBytes), () => {});
      await tracking.artifacts.put(runId, path, limited);
      return {};
    } catch (error) {
      reply.header("connection", "close");
      throw error;
    } finally {
      uploading--;
    }
  });

  // The path is the only parameter (no body), and browsers preflight any cross-origin DELETE.
  app.delete("/artifacts/*", { config: { rawBody: true } }, async (request) => {
    const { runId, path } = await proxied(wildcard(request));
    await tracking.artifacts.delete(runId, path);
    return {};
  });
};
