import type { FastifyPluginAsync } from "fastify";
import type { AliasEvent, Tracking } from "../../track/index.js";
import { paramsOf, read } from "../mlflow/request.js";
import { modelVersionJson } from "../mlflow/shapes.js";

/** An alias move as JSON (snake case, like the MLflow endpoints next to it). */
function aliasEventJson(e: AliasEvent): Record<string, unknown> {
  return {
    id: e.id,
    name: e.name,
    alias: e.alias,
    from_version: e.fromVersion === null ? null : String(e.fromVersion),
    to_version: e.toVersion === null ? null : String(e.toVersion),
    actor: e.actor,
    reason: e.reason,
    created_at: e.createdAt,
  };
}

/**
 * keel's own registry endpoints that MLflow's API lacks, mounted under `/v1`: the alias audit
 * log (`GET /v1/models/alias-history?name=churn[&alias=champion]`, newest first) and rollback
 * (`POST /v1/models/rollback` with `{ name, alias, reason? }`, which moves the alias back to the
 * version it pointed at before its last move and logs that move too). The dashboard uses both;
 * the actor logged is the token's name, or `http` on an open server, as for alias moves made
 * through the MLflow endpoints.
 *
 * @example
 * ```ts
 * await app.register(modelAuditRoutes, { prefix: "/v1", tracking });
 * ```
 */
export const modelAuditRoutes: FastifyPluginAsync<{ tracking: Tracking }> = async (
  app,
  { tracking },
) => {
  app.get("/models/alias-history", async (request) => {
    const p = paramsOf(request);
    const alias = read.optionalString(p, "alias");
    const events = await tracking.models.aliasHistory(read.string(p, "name"), alias);
    return { events: events.map(aliasEventJson) };
  });

  app.post("/models/rollback", async (request) => {
    const p = paramsOf(request);
    const reason = read.optionalString(p, "reason");
    const version = await tracking.models.rollback(
      read.string(p, "name"),
      read.string(p, "alias"),
      {
        actor: request.tokenName ?? "http",
        ...(reason === undefined || reason.trim() === "" ? {} : { reason }),
      },
    );
    return { model_version: modelVersionJson(version) };
  });
};
