import type { FastifyPluginAsync } from "fastify";
import { KeelError } from "../../core/index.js";
import { MonitoringStore } from "../../store/index.js";
import type { Tracking } from "../../track/index.js";
import { paramsOf, read } from "../mlflow/request.js";

/** Runs read to list the monitors; older ones stay in the store, out of this summary. */
const LIST_SCAN = 5000;

/**
 * The monitoring results and alert deliveries `keel monitor run` keeps in the metadata store,
 * for the dashboard, mounted under `/v1`: `GET /v1/monitors` lists each monitor with its latest
 * run; `GET /v1/monitors/:name/results?limit=48` returns its runs oldest first (window, drift
 * share, per-column drift tests, prediction shift, performance, overlay histograms when the
 * run recorded them) and its alert deliveries, newest first.
 *
 * @example
 * ```ts
 * await app.register(monitorRoutes, { prefix: "/v1", tracking });
 * ```
 */
export const monitorRoutes: FastifyPluginAsync<{ tracking: Tracking }> = async (
  app,
  { tracking },
) => {
  const store = new MonitoringStore(tracking.database);

  app.get("/monitors", async () => {
    const latest = new Map<string, Awaited<ReturnType<MonitoringStore["listResults"]>>[number]>();
    for (const r of await store.listResults({ limit: LIST_SCAN }))
      if (!latest.has(r.monitor)) latest.set(r.monitor, r);
    return {
      monitors: [...latest.values()]
        .sort((a, b) => a.monitor.localeCompare(b.monitor))
        .map((r) => ({
          name: r.monitor,
          last_run: r.createdAt,
          window_start: r.windowStart ?? null,
          window_end: r.windowEnd ?? null,
          dataset_drift: r.datasetDrift,
          drift_share: r.driftShare,
          prediction_shift: r.predictionShift ?? null,
        })),
    };
  });

  app.get<{ Params: { name: string } }>("/monitors/:name/results", async (request) => {
    const name = request.params.name;
    const limit = read.optionalInt(paramsOf(request), "limit") ?? 48;
    if (limit < 1 || limit > 1000)
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        `invalid value ${limit} for parameter 'limit' supplied: expected 1 to 1000`,
        { details: { parameter: "limit" } },
      );
    const results = await store.listResults({ monitor: name, limit });
    if (results.length === 0)
      throw new KeelError(
        "KEEL_ERR_NOT_FOUND",
        `no results of monitor '${name}' in the store (keel monitor run ${name} records one; GET /v1/monitors lists those with results)`,
        { details: { monitor: name } },
      );
    const alerts = await store.list({ monitor: name, limit: 200 });
    return {
      monitor: name,
      results: results.reverse().map((r) => ({
        window_start: r.windowStart ?? null,
        window_end: r.windowEnd ?? null,
        created_at: r.createdAt,
        dataset_drift: r.datasetDrift,
        drift_share: r.driftShare,
        prediction_shift: r.predictionShift ?? null,
        summary: r.summary,
      })),
      alerts: alerts.map((d) => ({
        kind: d.kind,
        sink: d.sink,
        status: d.status,
        attempts: d.attempts,
        error: d.error ?? null,
        at: d.at,
        message:
          typeof d.alert === "object" && d.alert !== null && "message" in d.alert
            ? String((d.alert as { message: unknown }).message)
            : "",
      })),
    };
  });
};
