import { isAbsolute, resolve } from "node:path";
import type { FastifyPluginAsync } from "fastify";
import { KeelError } from "../../core/index.js";
import { profileFrame, readFrame } from "../../data/index.js";
import { durationSeconds, FeatureRegistry, type FeatureView } from "../../features/index.js";
import type { Tracking } from "../../track/index.js";

/** The registered views (as `keel apply` stored them), newest registry version. */
async function viewsOf(registry: FeatureRegistry) {
  const current = await registry.current();
  return {
    entities: current.entities ?? [],
    featureServices: current.featureServices ?? [],
    featureViews: [...(current.featureViews ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function seconds(value: unknown, where: string): number {
  return value === undefined ? 0 : durationSeconds(value, where);
}

/**
 * The feature store's registry for the dashboard, mounted under `/v1`: `GET /v1/features/views`
 * lists the registered entities, feature services and views (entities, TTL, features, source,
 * online or not) with each view's freshness status the way `keel features status` computes it
 * (staleness since the newest materialised or pushed data against the view's freshness, by
 * default its TTL) and its last materialisation; `GET /v1/features/views/:name/stats` profiles
 * a file-sourced view's source (rows, missing, distinct, mean, quantiles, top values) relative
 * to the project root. Reads the metadata store only, so it works without the project's
 * offline and online stores.
 *
 * @example
 * ```ts
 * await app.register(featureViewRoutes, { prefix: "/v1", tracking, root: "/srv/project" });
 * ```
 */
export const featureViewRoutes: FastifyPluginAsync<{ tracking: Tracking; root?: string }> = async (
  app,
  { tracking, root },
) => {
  const registry = new FeatureRegistry(tracking.database);

  app.get("/features/views", async () => {
    const { entities, featureViews, featureServices } = await viewsOf(registry);
    const now = Date.now();
    const views = [];
    for (const v of featureViews) {
      const state = await registry.state(v.name);
      const ttlSeconds = seconds(v.ttl, `featureView ${v.name}.ttl`);
      const freshnessSeconds =
        v.freshness === undefined
          ? ttlSeconds
          : seconds(v.freshness, `featureView ${v.name}.freshness`);
      const newest = Math.max(
        state.materializedUntil ?? Number.NEGATIVE_INFINITY,
        state.lastPushedEvent ?? Number.NEGATIVE_INFINITY,
      );
      const staleness = Number.isFinite(newest) ? Math.max(0, (now - newest) / 1000) : null;
      views.push({
        name: v.name,
        entities: v.entities,
        ttl_seconds: ttlSeconds,
        freshness_seconds: freshnessSeconds,
        online: v.online,
        features: Object.entries(v.schema).map(([name, kind]) => ({ name, kind })),
        source: v.source,
        timestamp_field: v.timestampField,
        description: v.description ?? null,
        tags: v.tags,
        materialized_until: state.materializedUntil,
        last_materialized_at: state.lastMaterializedAt,
        last_push_at: state.lastPushAt,
        staleness_seconds: staleness,
        stale:
          v.online &&
          (staleness === null || (freshnessSeconds > 0 && staleness > freshnessSeconds)),
      });
    }
    return {
      entities: entities.map((e) => ({
        name: e.name,
        join_keys: e.joinKeys,
        description: e.description ?? null,
      })),
      services: featureServices.map((s) => ({ name: s.name, features: s.features })),
      views,
    };
  });

  app.get<{ Params: { name: string } }>("/features/views/:name/stats", async (request) => {
    const name = request.params.name;
    const view: FeatureView | undefined = (await viewsOf(registry)).featureViews.find(
      (v) => v.name === name,
    );
    if (view === undefined)
      throw new KeelError(
        "KEEL_ERR_FEATURE_NOT_FOUND",
        `no registered feature view '${name}' (GET /v1/features/views lists them; keel apply registers them)`,
        { details: { view: name } },
      );
    if (view.source.type !== "file")
      return {
        view: name,
        profile: null,
        note: `statistics are computed for file sources; '${name}' reads a ${view.source.type} source`,
      };
    if (root === undefined && !isAbsolute(view.source.path))
      return {
        view: name,
        profile: null,
        note: `the source ${view.source.path} is relative to the project root, and this server was not started in the project`,
      };
    const path = resolve(root ?? "/", view.source.path);
    const frame = await readFrame(path);
    const wanted = new Set(Object.keys(view.schema));
    const profile = profileFrame(frame.select(frame.columnNames.filter((c) => wanted.has(c))));
    return { view: name, source: path, profile, note: null };
  });
};
