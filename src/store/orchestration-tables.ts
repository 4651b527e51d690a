import type { Kysely } from "kysely";
import type { SqlDialectName } from "./migrations.js";
import type { KeelDatabase } from "./schema.js";

/**
 * Migration 6: pipeline state. `pipeline_runs` (one row per run of a pipeline for a logical
 * date), `pipeline_steps` (each step's state, attempts, lease and recorded outputs: a finished
 * step is a checkpoint), `pipeline_cache` (outputs by content-hash key, so an unchanged step is
 * skipped), `pipeline_step_logs` and `dead_letters` (steps that failed after their retries, and
 * records a step rejected).
 *
 * @example
 * ```ts
 * await orchestrationTables(db, "sqlite");
 * ```
 */
export async function orchestrationTables(
  typed: Kysely<KeelDatabase>,
  dialect: SqlDialectName,
): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely<any> is the documented type for migrations
  const db = typed as Kysely<any>;
  const autoId = (table: string) => {
    const t = db.schema.createTable(table);
    return dialect === "sqlite"
      ? t.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
      : t.addColumn("id", "bigint", (c) => c.primaryKey().generatedByDefaultAsIdentity());
  };
  await db.schema
    .createTable("pipeline_runs")
    .addColumn("run_id", "text", (c) => c.primaryKey())
    .addColumn("pipeline", "text", (c) => c.notNull())
    .addColumn("logical_date", "bigint", (c) => c.notNull())
    .addColumn("params", "text", (c) => c.notNull())
    .addColumn("params_hash", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("trigger", "text", (c) => c.notNull())
    .addColumn("executor", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("finished_at", "bigint")
    .execute();
  await db.schema
    .createIndex("pipeline_runs_pipeline_idx")
    .on("pipeline_runs")
    .columns(["pipeline", "logical_date"])
    .execute();
  await db.schema
    .createTable("pipeline_steps")
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("step", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("cache_key", "text")
    .addColumn("outputs", "text")
    .addColumn("error", "text")
    .addColumn("lease_owner", "text")
    .addColumn("lease_until", "bigint")
    .addColumn("started_at", "bigint")
    .addColumn("finished_at", "bigint")
    .addPrimaryKeyConstraint("pipeline_steps_pk", ["run_id", "step"])
    .execute();
  await db.schema
    .createTable("pipeline_cache")
    .addColumn("cache_key", "text", (c) => c.primaryKey())
    .addColumn("pipeline", "text", (c) => c.notNull())
    .addColumn("step", "text", (c) => c.notNull())
    .addColumn("outputs", "text", (c) => c.notNull())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await autoId("pipeline_step_logs")
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("step", "text", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("level", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("time", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("pipeline_step_logs_run_idx")
    .on("pipeline_step_logs")
    .columns(["run_id", "step"])
    .execute();
  await autoId("dead_letters")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("pipeline", "text", (c) => c.notNull())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("step", "text", (c) => c.notNull())
    .addColumn("error", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("replayed_at", "bigint")
    .execute();
}
