import { type Kysely, sql } from "kysely";
import { KeelError } from "../core/index.js";
import { featureNewestEvent, featureTables } from "./feature-tables.js";
import { monitoringTables } from "./monitoring-tables.js";
import { orchestrationTables } from "./orchestration-tables.js";
import { type RetryPolicy, retryWrite } from "./retry.js";
import type { KeelDatabase } from "./schema.js";
import { predictionReceivedAt, servingTables } from "./serving-tables.js";

/** Which SQL engine a store runs on. @example `const d: SqlDialectName = "sqlite";` */
export type SqlDialectName = "sqlite" | "postgres";

/**
 * One versioned schema change. Versions are consecutive integers; a migration never changes
 * once released (add a new one instead).
 *
 * @example
 * ```ts
 * const m: Migration = { version: 2, name: "add_index", up: async (db) => {} };
 * ```
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Kysely<KeelDatabase>, dialect: SqlDialectName): Promise<void>;
}

// Kysely's schema builder is untyped on purpose (tables may not exist yet).
// biome-ignore lint/suspicious/noExplicitAny: Kysely<any> is the documented type for migrations
type SchemaDb = Kysely<any>;

async function initial(typed: Kysely<KeelDatabase>, dialect: SqlDialectName): Promise<void> {
  const db = typed as SchemaDb;
  const experiments = db.schema.createTable("experiments");
  await (dialect === "sqlite"
    ? experiments.addColumn("experiment_id", "integer", (c) => c.primaryKey().autoIncrement())
    : experiments.addColumn("experiment_id", "bigint", (c) =>
        c.primaryKey().generatedByDefaultAsIdentity(),
      )
  )
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("artifact_location", "text", (c) => c.notNull())
    .addColumn("lifecycle_stage", "text", (c) => c.notNull())
    .addColumn("creation_time", "bigint", (c) => c.notNull())
    .addColumn("last_update_time", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("experiment_tags")
    .addColumn("experiment_id", "bigint", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("experiment_tags_pk", ["experiment_id", "key"])
    .execute();
  await db.schema
    .createTable("runs")
    .addColumn("run_uuid", "text", (c) => c.primaryKey())
    .addColumn("experiment_id", "bigint", (c) => c.notNull())
    .addColumn("run_name", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("start_time", "bigint", (c) => c.notNull())
    .addColumn("end_time", "bigint")
    .addColumn("lifecycle_stage", "text", (c) => c.notNull())
    .addColumn("artifact_uri", "text", (c) => c.notNull())
    .addColumn("parent_run_id", "text")
    .addColumn("deleted_time", "bigint")
    .execute();
  await db.schema
    .createIndex("runs_experiment_idx")
    .on("runs")
    .columns(["experiment_id", "start_time"])
    .execute();
  for (const table of ["params", "tags"]) {
    await db.schema
      .createTable(table)
      .addColumn("run_uuid", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["run_uuid", "key"])
      .execute();
  }
  for (const table of ["metrics", "latest_metrics"]) {
    await db.schema
      .createTable(table)
      .addColumn("run_uuid", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "double precision", (c) => c.notNull())
      .addColumn("is_nan", "integer", (c) => c.notNull())
      .addColumn("step", "bigint", (c) => c.notNull())
      .addColumn("timestamp", "bigint", (c) => c.notNull())
      .$call((t) =>
        table === "latest_metrics"
          ? t.addPrimaryKeyConstraint("latest_metrics_pk", ["run_uuid", "key"])
          : t,
      )
      .execute();
  }
  // History reads are per (run, key) ordered by step; latest-metric search filters by (key, value).
  await db.schema
    .createIndex("metrics_run_key_idx")
    .on("metrics")
    .columns(["run_uuid", "key", "step"])
    .execute();
  await db.schema
    .createIndex("latest_metrics_key_value_idx")
    .on("latest_metrics")
    .columns(["key", "value"])
    .execute();
  await db.schema
    .createTable("run_inputs")
    .addColumn("run_uuid", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("source_type", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("schema", "text")
    .addColumn("profile", "text")
    .addColumn("context", "text", (c) => c.notNull())
    .addColumn("tags", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("run_inputs_pk", ["run_uuid", "name", "digest", "context"])
    .execute();
  await db.schema
    .createTable("blobs")
    .addColumn("sha256", "text", (c) => c.primaryKey())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("ref_count", "integer", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("run_artifacts")
    .addColumn("run_uuid", "text", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("run_artifacts_pk", ["run_uuid", "path"])
    .execute();
  await db.schema
    .createTable("registered_models")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("creation_time", "bigint", (c) => c.notNull())
    .addColumn("last_updated_time", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("registered_model_tags")
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("registered_model_tags_pk", ["name", "key"])
    .execute();
  await db.schema
    .createTable("model_versions")
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("creation_time", "bigint", (c) => c.notNull())
    .addColumn("last_updated_time", "bigint", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("run_link", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("signature", "text")
    .addPrimaryKeyConstraint("model_versions_pk", ["name", "version"])
    .execute();
  await db.schema
    .createTable("model_version_tags")
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("model_version_tags_pk", ["name", "version", "key"])
    .execute();
  await db.schema
    .createTable("registered_model_aliases")
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("alias", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("registered_model_aliases_pk", ["name", "alias"])
    .execute();
  const events = db.schema.createTable("alias_events");
  await (dialect === "sqlite"
    ? events.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    : events.addColumn("id", "bigint", (c) => c.primaryKey().generatedByDefaultAsIdentity())
  )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("alias", "text", (c) => c.notNull())
    .addColumn("from_version", "integer")
    .addColumn("to_version", "integer")
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("alias_events_name_alias_idx")
    .on("alias_events")
    .columns(["name", "alias", "id"])
    .execute();
  // MLflow's "Default" experiment has id 0 and always exists.
  const now = Date.now();
  await typed
    .insertInto("experiments")
    .values({
      experiment_id: 0,
      name: "Default",
      artifact_location: "mlflow-artifacts:/0",
      lifecycle_stage: "active",
      creation_time: now,
      last_update_time: now,
    })
    .execute();
}

/**
 * MLflow 2.x semantics the first schema lacked: a metric point (run, key, step, timestamp,
 * value) is stored once however often it is logged (exact duplicates already stored are
 * dropped, the unique index replaces the history index it extends); latest-metric ordering
 * puts NaN after every number, so the index reads `(key, is_nan, value)`; a registered model
 * remembers the highest version number it ever handed out, so a deleted version's number is
 * never reused; model versions carry MLflow's (deprecated, still used) stage.
 */
async function mlflowSemantics(
  typed: Kysely<KeelDatabase>,
  dialect: SqlDialectName,
): Promise<void> {
  const db = typed as SchemaDb;
  await (dialect === "sqlite"
    ? sql`delete from metrics where rowid not in (select min(rowid) from metrics group by run_uuid, key, step, timestamp, value, is_nan)`
    : sql`delete from metrics a using metrics b where a.ctid > b.ctid and a.run_uuid = b.run_uuid and a.key = b.key and a.step = b.step and a.timestamp = b.timestamp and a.value = b.value and a.is_nan = b.is_nan`
  ).execute(db);
  await db.schema.dropIndex("metrics_run_key_idx").execute();
  await db.schema
    .createIndex("metrics_point_unique")
    .on("metrics")
    .columns(["run_uuid", "key", "step", "timestamp", "value", "is_nan"])
    .unique()
    .execute();
  await db.schema.dropIndex("latest_metrics_key_value_idx").execute();
  await db.schema
    .createIndex("latest_metrics_key_nan_value_idx")
    .on("latest_metrics")
    .columns(["key", "is_nan", "value"])
    .execute();
  await db.schema
    .alterTable("registered_models")
    .addColumn("last_version", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update registered_models set last_version = coalesce((select max(v.version) from model_versions v where v.name = registered_models.name), 0)`.execute(
    db,
  );
  await db.schema
    .alterTable("model_versions")
    .addColumn("current_stage", "text", (c) => c.notNull().defaultTo("None"))
    .execute();
}

/**
 * Every migration, in order. Append only.
 *
 * @example
 * ```ts
 * MIGRATIONS.at(-1)?.version; // the schema version this keel writes
 * ```
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", up: initial },
  { version: 2, name: "feature_registry", up: featureTables },
  { version: 3, name: "mlflow_semantics", up: mlflowSemantics },
  { version: 4, name: "serving", up: servingTables },
  { version: 5, name: "monitoring", up: monitoringTables },
  { version: 6, name: "orchestration", up: orchestrationTables },
  { version: 7, name: "feature_newest_event", up: featureNewestEvent },
  { version: 8, name: "prediction_received_at", up: predictionReceivedAt },
];

/**
 * Brings the schema up to date inside one exclusive transaction: SQLite takes the write lock
 * up front (`BEGIN IMMEDIATE`), PostgreSQL an advisory lock, so several processes opening the
 * same store at once apply each migration exactly once. A database written by a newer keel is
 * refused rather than guessed at.
 *
 * @example
 * ```ts
 * await migrate(db, "sqlite"); // returns the schema version now in place
 * ```
 */
export async function migrate(db: Kysely<KeelDatabase>, dialect: SqlDialectName): Promise<number> {
  const untyped = db as SchemaDb;
  await untyped.schema
    .createTable("keel_migrations")
    .ifNotExists()
    .addColumn("version", "integer", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("applied_at", "bigint", (c) => c.notNull())
    .execute();
  return writeTransaction(db, dialect, async (tx) => {
    if (dialect === "postgres") await sql`select pg_advisory_xact_lock(7306451)`.execute(tx);
    const applied = await tx.selectFrom("keel_migrations").select("version").execute();
    const done = new Set(applied.map((r) => Number(r.version)));
    const newest = Math.max(0, ...done);
    const known = MIGRATIONS.at(-1)?.version ?? 0;
    if (newest > known) {
      throw new KeelError(
        "KEEL_ERR_MIGRATION",
        `the metadata store has schema version ${newest}, newer than this keel knows (${known}); upgrade keel`,
        { details: { storeVersion: newest, knownVersion: known } },
      );
    }
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      try {
        await migration.up(tx, dialect);
      } catch (error) {
        throw new KeelError(
          "KEEL_ERR_MIGRATION",
          `migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
          { cause: error, details: { version: migration.version } },
        );
      }
      await tx
        .insertInto("keel_migrations")
        .values({ version: migration.version, name: migration.name, applied_at: Date.now() })
        .execute();
    }
    return known;
  });
}

/**
 * Runs `work` in a write transaction, whole or not at all. On SQLite the transaction is
 * `BEGIN IMMEDIATE`, so the write lock is taken (waiting up to the busy timeout) before anything
 * is read; a deferred transaction that reads and then writes can fail with SQLITE_BUSY under
 * concurrent writers without waiting. On PostgreSQL it is an ordinary READ COMMITTED
 * transaction. Either way a transaction the database aborts (deadlock, serialization failure,
 * lock timeout, a duplicate key taken by a racing writer) is rolled back and `work` runs again
 * from the start, with jittered backoff and a bound (see {@link retryWrite}), so `work` must
 * only touch the database through `tx` and may run more than once.
 *
 * @example
 * ```ts
 * await writeTransaction(db, "sqlite", async (tx) => {
 *   await tx.insertInto("tags").values({ run_uuid: id, key: "a", value: "b" }).execute();
 * });
 * ```
 */
export async function writeTransaction<T>(
  db: Kysely<KeelDatabase>,
  dialect: SqlDialectName,
  work: (tx: Kysely<KeelDatabase>) => Promise<T>,
): Promise<T> {
  if (dialect === "postgres") return retryWrite(() => db.transaction().execute(work));
  // SQLite writers already queue on the file lock for the busy timeout; two more tries are
  // enough to turn a rare timeout into an answer instead of waiting minutes.
  return retryWrite(() => sqliteTransaction(db, work), SQLITE_RETRY_POLICY);
}

const SQLITE_RETRY_POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 20, maxDelayMs: 200 };

function sqliteTransaction<T>(
  db: Kysely<KeelDatabase>,
  work: (tx: Kysely<KeelDatabase>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await work(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}
