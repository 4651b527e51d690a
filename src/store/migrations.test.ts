import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "./database.js";
import { MIGRATIONS, type SqlDialectName } from "./migrations.js";
import type { KeelDatabase } from "./schema.js";
import { dropPgSchemas } from "./testing/index.js";

// A store written by the first keel (schema version 1) with what the mlflow_semantics migration
// (version 3) must repair: the same metric point stored twice, and model versions whose highest
// number must be remembered.
const pgUrl = process.env.KEEL_TEST_PG_URL;
const pgSchema = `keel_upgrade_${process.pid}_${Date.now() % 1e8}`;
const dir = mkdtempSync(join(tmpdir(), "keel-upgrade-"));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgUrl === undefined) return;
  await dropPgSchemas(pgUrl, pgSchema);
});

async function writeVersionOneStore(db: Kysely<KeelDatabase>, dialect: SqlDialectName) {
  await sql`create table keel_migrations (version integer primary key, name text not null, applied_at bigint not null)`.execute(
    db,
  );
  await MIGRATIONS[0]!.up(db, dialect);
  await db
    .insertInto("keel_migrations")
    .values({ version: 1, name: "initial", applied_at: 0 })
    .execute();
  const point = { run_uuid: "r1", key: "loss", value: 0.5, is_nan: 0, step: 1, timestamp: 10 };
  await db
    .insertInto("metrics")
    .values([point, point, { ...point, timestamp: 11 }, point])
    .execute();
  await db
    .insertInto("registered_models")
    .values({ name: "churn", description: "", creation_time: 0, last_updated_time: 0 })
    .execute();
  for (const version of [1, 3])
    await db
      .insertInto("model_versions")
      .values({
        name: "churn",
        version,
        creation_time: 0,
        last_updated_time: 0,
        description: "",
        user_id: "",
        source: "s",
        run_id: "",
        run_link: "",
        status: "READY",
        signature: null,
      })
      .execute();
}

const backends: [
  string,
  (() => Promise<{ open: () => ReturnType<typeof openDatabase> }>) | undefined,
][] = [
  [
    "SQLite",
    async () => {
      const file = join(dir, "v1.db");
      const db = new Kysely<KeelDatabase>({
        dialect: new SqliteDialect({ database: new Database(file) }),
      });
      await writeVersionOneStore(db, "sqlite");
      await db.destroy();
      return { open: () => openDatabase({ dbUrl: `sqlite:${file}` }) };
    },
  ],
  [
    "PostgreSQL",
    pgUrl === undefined
      ? undefined
      : async () => {
          const db = new Kysely<KeelDatabase>({
            dialect: new PostgresDialect({
              pool: new pg.Pool({ connectionString: pgUrl, options: `-c search_path=${pgSchema}` }),
            }),
          });
          await sql`create schema ${sql.raw(pgSchema)}`.execute(db);
          await writeVersionOneStore(db, "postgres");
          await db.destroy();
          return { open: () => openDatabase({ dbUrl: pgUrl, pgSchema }) };
        },
  ],
];

for (const [backend, prepare] of backends)
  describe.skipIf(prepare === undefined)(`upgrading a version-1 store on ${backend}`, () => {
    it("drops repeated metric points, remembers the highest version, adds stages", async () => {
      const { open } = await prepare!();
      const store = await open();
      try {
        const metrics = await store.db
          .selectFrom("metrics")
          .select(["timestamp"])
          .orderBy("timestamp")
          .execute();
        expect(metrics.map((m) => Number(m.timestamp))).toEqual([10, 11]);
        const model = await store.db
          .selectFrom("registered_models")
          .select("last_version")
          .executeTakeFirstOrThrow();
        expect(Number(model.last_version)).toBe(3);
        const stages = await store.db
          .selectFrom("model_versions")
          .select("current_stage")
          .execute();
        expect(stages.map((s) => s.current_stage)).toEqual(["None", "None"]);
        // The unique index now refuses a repeated point.
        await expect(
          store.db
            .insertInto("metrics")
            .values({ run_uuid: "r1", key: "loss", value: 0.5, is_nan: 0, step: 1, timestamp: 10 })
            .execute(),
        ).rejects.toThrow();
      } finally {
        await store.close();
      }
    });
  });
