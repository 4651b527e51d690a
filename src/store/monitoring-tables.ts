import type { Kysely } from "kysely";
import type { SqlDialectName } from "./migrations.js";
import type { KeelDatabase } from "./schema.js";

/**
 * Migration 5: monitoring. `monitor_results` is the time series of monitor runs (one row per
 * run: window, verdicts, the JSON summary); `alert_deliveries` records every alert delivery
 * attempt per sink (delivered, failed, suppressed by cooldown), indexed for the cooldown lookup.
 *
 * @example
 * ```ts
 * await monitoringTables(db, "sqlite");
 * ```
 */
export async function monitoringTables(
  typed: Kysely<KeelDatabase>,
  dialect: SqlDialectName,
): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely<any> is the documented type for migrations
  const db = typed as Kysely<any>;
  const results = db.schema.createTable("monitor_results");
  await (dialect === "sqlite"
    ? results.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    : results.addColumn("id", "bigint", (c) => c.primaryKey().generatedByDefaultAsIdentity())
  )
    .addColumn("monitor", "text", (c) => c.notNull())
    .addColumn("window_start", "bigint")
    .addColumn("window_end", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("dataset_drift", "integer", (c) => c.notNull())
    .addColumn("drift_share", "double precision", (c) => c.notNull())
    .addColumn("prediction_shift", "double precision")
    .addColumn("summary", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("monitor_results_by_monitor")
    .on("monitor_results")
    .columns(["monitor", "created_at"])
    .execute();
  const deliveries = db.schema.createTable("alert_deliveries");
  await (dialect === "sqlite"
    ? deliveries.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    : deliveries.addColumn("id", "bigint", (c) => c.primaryKey().generatedByDefaultAsIdentity())
  )
    .addColumn("monitor", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("sink", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("alert", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("alert_deliveries_cooldown")
    .on("alert_deliveries")
    .columns(["monitor", "kind", "sink", "at"])
    .execute();
}
