import type { Kysely } from "kysely";
import type { SqlDialectName } from "./migrations.js";
import type { KeelDatabase } from "./schema.js";

/**
 * Migration 2: the feature registry (every applied version of every entity, feature view,
 * on-demand view and feature service), per-view freshness state (materialisation watermark,
 * last push) and the log of materialisation runs.
 *
 * @example
 * ```ts
 * await featureTables(db, "sqlite");
 * ```
 */
export async function featureTables(
  typed: Kysely<KeelDatabase>,
  dialect: SqlDialectName,
): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely<any> is the documented type for migrations
  const db = typed as Kysely<any>;
  await db.schema
    .createTable("feature_definitions")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("spec", "text", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("comment", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("feature_definitions_pk", ["kind", "name", "version"])
    .execute();
  await db.schema
    .createTable("feature_view_state")
    .addColumn("view", "text", (c) => c.primaryKey())
    .addColumn("materialized_until", "bigint")
    .addColumn("last_materialized_at", "bigint")
    .addColumn("last_push_at", "bigint")
    .addColumn("last_pushed_event", "bigint")
    .execute();
  const runs = db.schema.createTable("feature_materializations");
  await (dialect === "sqlite"
    ? runs.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    : runs.addColumn("id", "bigint", (c) => c.primaryKey().generatedByDefaultAsIdentity())
  )
    .addColumn("view", "text", (c) => c.notNull())
    .addColumn("start_ts", "bigint", (c) => c.notNull())
    .addColumn("end_ts", "bigint", (c) => c.notNull())
    .addColumn("rows", "bigint", (c) => c.notNull())
    .addColumn("finished_at", "bigint", (c) => c.notNull())
    .execute();
}

/**
 * Migration 7: the newest event time materialised per view, so freshness sees a source that
 * stopped receiving rows while materialisation kept moving the watermark.
 *
 * @example
 * ```ts
 * await featureNewestEvent(db);
 * ```
 */
export async function featureNewestEvent(typed: Kysely<KeelDatabase>): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely<any> is the documented type for migrations
  const db = typed as Kysely<any>;
  await db.schema.alterTable("feature_view_state").addColumn("newest_event", "bigint").execute();
}
