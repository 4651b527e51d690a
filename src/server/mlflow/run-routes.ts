import type { FastifyPluginAsync } from "fastify";
import { KeelError } from "../../core/index.js";
import type { RunStatus, Tracking } from "../../track/index.js";
import { viewTypeOf } from "./experiment-routes.js";
import { type Params, paramsOf, read } from "./request.js";
import { compact, fileInfoJson, metricJson, runInfoJson, runJson } from "./shapes.js";

/** The run id of a request: `run_id`, or the older `run_uuid`. */
function runIdOf(p: Params): string {
  return read.optionalString(p, "run_id") || read.string(p, "run_uuid");
}

function metricOf(
  o: Params,
  where: string,
): { key: string; value: number; timestamp: number; step: number } {
  const m = read.object(o, where);
  return {
    key: read.string(m, "key"),
    value: read.double(m, "value"),
    timestamp: read.optionalInt(m, "timestamp") ?? Date.now(),
    step: read.optionalInt(m, "step") ?? 0,
  };
}

function statusOf(p: Params): RunStatus | undefined {
  const v = p.status;
  if (v === undefined || v === null) return undefined;
  // MLflow's RunStatus enum numbers: 1 RUNNING, 2 SCHEDULED, 3 FINISHED, 4 FAILED, 5 KILLED.
  const names: RunStatus[] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
  if (typeof v === "number" && names[v - 1] !== undefined) return names[v - 1];
  if (typeof v === "string" && (names as string[]).includes(v)) return v as RunStatus;
  throw new KeelError(
    "KEEL_ERR_INVALID_PARAMETER_VALUE",
    `invalid value ${JSON.stringify(v)} for parameter 'status': expected ${names.join(", ")}`,
    {
      details: { parameter: "status" },
    },
  );
}

/**
 * MLflow REST 2.0 run endpoints (`runs/*`, `metrics/get-history`, `artifacts/list`).
 *
 * @example
 * ```ts
 * app.register(runRoutes, { prefix: "/api/2.0/mlflow", tracking });
 * ```
 */
export const runRoutes: FastifyPluginAsync<{ tracking: Tracking }> = async (app, { tracking }) => {
  const runs = tracking.runs;

  app.post("/runs/create", async (request) => {
    const p = paramsOf(request);
    const runName = read.optionalString(p, "run_name");
    const userId = read.optionalString(p, "user_id");
    const startTime = read.optionalInt(p, "start_time");
    // Tags go to the store as sent (mlflow.user, mlflow.parentRunId included).
    const run = await runs.create({
      experimentId: read.optionalId(p, "experiment_id") ?? "0",
      ...(runName === undefined ? {} : { runName }),
      ...(userId === undefined ? {} : { userId }),
      ...(startTime === undefined ? {} : { startTime }),
      tags: read.tags(p),
    });
    return { run: runJson(run) };
  });

  app.post("/runs/update", async (request) => {
    const p = paramsOf(request);
    const status = statusOf(p);
    const endTime = read.optionalInt(p, "end_time");
    const runName = read.optionalString(p, "run_name");
    const info = await runs.update(runIdOf(p), {
      ...(status === undefined ? {} : { status }),
      ...(endTime === undefined ? {} : { endTime }),
      ...(runName === undefined || runName === "" ? {} : { runName }),
    });
    return { run_info: runInfoJson(info) };
  });

  app.post("/runs/delete", async (request) => {
    await runs.delete(runIdOf(paramsOf(request)));
    return {};
  });

  app.post("/runs/restore", async (request) => {
    await runs.restore(runIdOf(paramsOf(request)));
    return {};
  });

  app.get("/runs/get", async (request) => ({
    run: runJson(await runs.get(runIdOf(paramsOf(request)))),
  }));

  app.post("/runs/search", { config: { scope: "read" } }, async (request) => {
    const p = paramsOf(request);
    const filter = read.optionalString(p, "filter");
    const pageToken = read.optionalString(p, "page_token");
    const maxResults = read.optionalInt(p, "max_results");
    const viewType = viewTypeOf(p, "run_view_type");
    const page = await runs.search({
      // Absent and empty are the same in proto3: no experiments, so no runs (as MLflow).
      experimentIds: read.idList(p, "experiment_ids"),
      orderBy: read.stringList(p, "order_by"),
      ...(filter === undefined ? {} : { filter }),
      ...(pageToken === undefined ? {} : { pageToken }),
      ...(maxResults === undefined ? {} : { maxResults }),
      ...(viewType === undefined ? {} : { viewType }),
    });
    return compact({ runs: page.items.map(runJson), next_page_token: page.nextPageToken });
  });

  app.post("/runs/log-metric", async (request) => {
    const p = paramsOf(request);
    await runs.logMetric(runIdOf(p), metricOf(p, "metric"));
    return {};
  });

  app.post("/runs/log-parameter", async (request) => {
    const p = paramsOf(request);
    await runs.logParam(runIdOf(p), {
      key: read.string(p, "key"),
      value: read.optionalString(p, "value") ?? "",
    });
    return {};
  });

  app.post("/runs/set-tag", async (request) => {
    const p = paramsOf(request);
    await runs.setTag(runIdOf(p), {
      key: read.string(p, "key"),
      value: read.optionalString(p, "value") ?? "",
    });
    return {};
  });

  app.post("/runs/delete-tag", async (request) => {
    const p = paramsOf(request);
    await runs.deleteTag(runIdOf(p), read.string(p, "key"));
    return {};
  });

  app.post("/runs/log-batch", async (request) => {
    const p = paramsOf(request);
    const metrics = read.list(p, "metrics").map((m, i) => metricOf(m as Params, `metrics[${i}]`));
    const params = read.tags(p, "params");
    const tags = read.tags(p, "tags");
    await runs.logBatch(runIdOf(p), { metrics, params, tags });
    return {};
  });

  app.post("/runs/log-inputs", async (request) => {
    const p = paramsOf(request);
    const datasets = read.list(p, "datasets").map((item, i) => {
      const input = read.object(item, `datasets[${i}]`);
      const dataset = read.object(input.dataset, `datasets[${i}].dataset`);
      const tags = read.tags(input, "tags");
      const sourceType = read.optionalString(dataset, "source_type");
      return {
        name: read.string(dataset, "name"),
        digest: read.string(dataset, "digest"),
        source: read.optionalString(dataset, "source") ?? "",
        ...(sourceType === undefined ? {} : { sourceType }),
        schema: read.optionalString(dataset, "schema") ?? null,
        profile: read.optionalString(dataset, "profile") ?? null,
        tags,
      };
    });
    await runs.logInputs(runIdOf(p), datasets);
    return {};
  });

  app.get("/metrics/get-history", async (request) => {
    const p = paramsOf(request);
    const maxResults = read.optionalInt(p, "max_results");
    const pageToken = read.optionalString(p, "page_token");
    // Without max_results the whole history comes back, as from MLflow's SQL store.
    const page = await runs.getMetricHistory(runIdOf(p), read.string(p, "metric_key"), {
      ...(maxResults === undefined ? {} : { maxResults }),
      ...(pageToken === undefined ? {} : { pageToken }),
    });
    return compact({ metrics: page.items.map(metricJson), next_page_token: page.nextPageToken });
  });

  app.get("/artifacts/list", async (request) => {
    const p = paramsOf(request);
    const runId = runIdOf(p);
    const run = await runs.get(runId);
    const entries = await tracking.artifacts.list(runId, read.optionalString(p, "path") ?? "");
    return compact({ root_uri: run.info.artifactUri, files: entries.map(fileInfoJson) });
  });
};
