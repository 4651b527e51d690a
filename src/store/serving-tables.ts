import type { Kysely } from "kysely";
import type { SqlDialectName } from "./migrations.js";
import type { KeelDatabase } from "./schema.js";

/**
 * Migration 4: serving. Deployments (the current spec as JSON, rollout state, a revision
 * that every change bumps), their event history (what changed, from which spec to which, who
 * and why), the prediction log (one row per scored record: written in batches, read by
 * deployment and time) and ground-truth feedback keyed by deployment and request id (joined
 * to the log by request id; feedback may arrive before its prediction is flushed).
 *
 * @example
 * ```ts
 * await servingTables(db, "postgres");
 * ```
 */
export async function servingTables(
  typed: Kysely<KeelDatabase>,
  dialect: SqlDialectName,
): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely<any> is the documented type for migrations
  const db = typed as Kysely<any>;
  const serial = dialect === "sqlite" ? "integer" : "bigint";
  await db.schema
    .createTable("deployments")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("spec", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  const events = db.schema.createTable("deployment_events");
  await (dialect === "sqlite"
    ? events.addColumn("id", serial, (c) => c.primaryKey().autoIncrement())
    : events.addColumn("id", serial, (c) => c.primaryKey().generatedByDefaultAsIdentity())
  )
    .addColumn("deployment", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("from_spec", "text")
    .addColumn("to_spec", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("deployment_events_deployment_idx")
    .on("deployment_events")
    .columns(["deployment", "id"])
    .execute();
  const log = db.schema.createTable("prediction_log");
  await (dialect === "sqlite"
    ? log.addColumn("id", serial, (c) => c.primaryKey().autoIncrement())
    : log.addColumn("id", serial, (c) => c.primaryKey().generatedByDefaultAsIdentity())
  )
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("time", "bigint", (c) => c.notNull())
    .addColumn("deployment", "text", (c) => c.notNull())
    .addColumn("variant", "text", (c) => c.notNull())
    .addColumn("model_version", "text", (c) => c.notNull())
    .addColumn("input", "text", (c) => c.notNull())
    .addColumn("prediction", "text", (c) => c.notNull())
    .addColumn("score", "double precision")
    .addColumn("probabilities", "text")
    .addColumn("latency_ms", "double precision", (c) => c.notNull())
    .addColumn("shadow", "text")
    .execute();
  // Monitoring and A/B analysis read a deployment's log over a time window.
  await db.schema
    .createIndex("prediction_log_deployment_time_idx")
    .on("prediction_log")
    .columns(["deployment", "time", "id"])
    .execute();
  // Feedback joins by request id (and checks whether a request id is known).
  await db.schema
    .createIndex("prediction_log_request_idx")
    .on("prediction_log")
    .columns(["deployment", "request_id"])
    .execute();
  await db.schema
    .createTable("prediction_feedback")
    .addColumn("deployment", "text", (c) => c.notNull())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("time", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("prediction_feedback_pk", ["deployment", "request_id"])
    .execute();
}

/**
 * Migration 8: event time in the prediction log. `time` is the entry's event time — when the
 * prediction happened in the caller's world, which a replay of historical or simulated traffic
 * sets explicitly — and the new `received_at` is when the server answered (its own clock).
 * Entries logged before keep `received_at` null: they were stamped when answered, so their
 * `time` is their receipt time too (readers use `coalesce(received_at, time)`).
 *
 * @example
 * ```ts
 * await predictionReceivedAt(db);
 * ```
 */
export async function predictionReceivedAt(typed: Kysely<KeelDatabase>): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely<any> is the documented type for migrations
  const db = typed as Kysely<any>;
  await db.schema.alterTable("prediction_log").addColumn("received_at", "bigint").execute();
}
