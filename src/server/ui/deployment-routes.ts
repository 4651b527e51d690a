import type { FastifyPluginAsync } from "fastify";
import { isKeelError, KeelError } from "../../core/index.js";
import {
  analyzeExperiment,
  type Deployment,
  type ExperimentAnalysis,
  effectiveVariants,
  openServingStore,
  type ServingStore,
} from "../../serve/index.js";
import type { Tracking } from "../../track/index.js";
import { paramsOf, read } from "../mlflow/request.js";
import { shadowComparisons, trafficByVariant, trafficWindowEnd } from "./deployment-traffic.js";

/** The longest traffic window the dashboard asks for, and the most rows it reads for one. */
const MAX_WINDOW_MS = 7 * 86_400_000;
const MAX_ROWS = 200_000;

function deploymentJson(d: Deployment): Record<string, unknown> {
  return {
    name: d.name,
    revision: d.revision,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    variants: d.spec.variants,
    effective_weights: Object.fromEntries(effectiveVariants(d).map((v) => [v.name, v.weight])),
    shadow: d.spec.shadow ?? [],
    canary: d.spec.canary ?? null,
    canary_state: d.state.canary ?? null,
  };
}

/**
 * The dashboard's read-only view of stored deployments, mounted under `/v1`:
 * `GET /v1/deployments` lists them (variants, configured and effective weights, shadows, canary
 * spec and progress); `GET /v1/deployments/:name/overview?window_ms=3600000` returns one with
 * its history, per-variant requests/s and latency over the event-time window (in 60 buckets;
 * ending now, or at the newest entry when a replay logged nothing that recent), the shadow
 * comparison, and the A/B analysis since the last change (`analyzeExperiment`; a note instead
 * when it cannot be computed). Reads the serving store in the tracking database: it works
 * whether or not this server also serves the deployment.
 *
 * @example
 * ```ts
 * await app.register(deploymentRoutes, { prefix: "/v1", tracking });
 * ```
 */
export const deploymentRoutes: FastifyPluginAsync<{ tracking: Tracking }> = async (
  app,
  { tracking },
) => {
  const store = openServingStore(tracking.database);

  app.get("/deployments", async () => ({
    deployments: (await store.listDeployments()).map(deploymentJson),
  }));

  app.get<{ Params: { name: string } }>("/deployments/:name/overview", async (request) => {
    const p = paramsOf(request);
    const windowMs = read.optionalInt(p, "window_ms") ?? 3_600_000;
    if (windowMs < 60_000 || windowMs > MAX_WINDOW_MS)
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        `invalid value ${windowMs} for parameter 'window_ms' supplied: expected 60000 to ${MAX_WINDOW_MS} (a minute to a week)`,
        { details: { parameter: "window_ms" } },
      );
    const deployment = await store.getDeployment(request.params.name);
    const newest = await tracking.database.db
      .selectFrom("prediction_log")
      .select((eb) => eb.fn.max("time").as("newest"))
      .where("deployment", "=", deployment.name)
      .executeTakeFirst();
    const { to, anchored } = trafficWindowEnd(
      Date.now(),
      windowMs,
      newest?.newest == null ? undefined : Number(newest.newest),
    );
    const from = to - windowMs;
    const rows = await store.readPredictions({
      deployment: deployment.name,
      from,
      to,
      limit: MAX_ROWS,
    });
    let analysis: unknown = null;
    let analysisNote: string | null = null;
    try {
      analysis = await analyzeForPage(store, deployment.name);
    } catch (error) {
      if (!isKeelError(error)) throw error;
      analysisNote = error.message;
    }
    return {
      deployment: deploymentJson(deployment),
      events: (await store.deploymentEvents(deployment.name)).slice(0, 50).map((e) => ({
        kind: e.kind,
        revision: e.revision,
        actor: e.actor,
        reason: e.reason,
        created_at: e.createdAt,
      })),
      window: {
        from,
        to,
        bucket_ms: windowMs / 60,
        // "newest-entry": no traffic in the last window (a replay's event times): the window
        // ends at the newest logged entry instead of now.
        anchored,
        rows: rows.length,
        truncated: rows.length === MAX_ROWS,
      },
      traffic: trafficByVariant(rows, from, to, windowMs / 60),
      shadows: shadowComparisons(
        rows,
        (deployment.spec.shadow ?? []).map((s) => s.name),
      ),
      analysis,
      analysis_note: analysisNote,
    };
  });
};

/**
 * The A/B analysis the page shows: each variant measured on the version it serves now; when none
 * of those has a label yet (labels arrive days later, and a weekly promotion can always be
 * newer than the newest label), every version the variants served, pooled, with a note saying so
 * — an empty table would hide results the log holds.
 */
async function analyzeForPage(store: ServingStore, name: string): Promise<ExperimentAnalysis> {
  const newest = await analyzeExperiment(store, name);
  if (newest.variants.some((v) => v.labelled > 0)) return newest;
  const all = await analyzeExperiment(store, name, { versions: "all" });
  if (!all.variants.some((v) => v.labelled > 0)) return newest;
  return {
    ...all,
    notes: [
      "No labels yet for the versions serving now: the metrics pool every version each variant served in the window.",
      ...all.notes,
    ],
  };
}
