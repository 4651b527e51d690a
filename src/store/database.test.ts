import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "./database.js";
import { MIGRATIONS } from "./migrations.js";
import { dropPgSchemas } from "./testing/index.js";

const pgUrl = process.env.KEEL_TEST_PG_URL;
if (!pgUrl) console.warn("KEEL_TEST_PG_URL is not set: skipping the PostgreSQL store tests");

describe("openDatabase (SQLite)", () => {
  const dir = mkdtempSync(join(tmpdir(), "keel-store-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("creates .keel/keel.db in WAL mode, applies migrations once, and reopens", async () => {
    const first = await openDatabase({ root: dir });
    expect(first.location).toBe(join(dir, ".keel", "keel.db"));
    expect(first.sqlite?.pragma("journal_mode", { simple: true })).toBe("wal");
    const experiments = await first.db.selectFrom("experiments").selectAll().execute();
    expect(experiments.map((e) => [e.experiment_id, e.name])).toEqual([[0, "Default"]]);
    await first.close();
    const second = await openDatabase({ root: dir });
    const versions = await second.db.selectFrom("keel_migrations").select("version").execute();
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await second.close();
  });

  it("refuses a store written by a newer keel", async () => {
    const store = await openDatabase({ root: dir });
    await store.db
      .insertInto("keel_migrations")
      .values({ version: 999, name: "future", applied_at: 0 })
      .execute();
    await store.close();
    await expect(openDatabase({ root: dir })).rejects.toMatchObject({ code: "KEEL_ERR_MIGRATION" });
  });
});

describe.skipIf(!pgUrl)("openDatabase (PostgreSQL)", () => {
  const schema = `keel_store_${process.pid}_${Date.now()}`;
  afterAll(async () => {
    await dropPgSchemas(pgUrl!, schema);
  });

  it("migrates a fresh schema and returns int8 columns as numbers", async () => {
    const store = await openDatabase({ dbUrl: pgUrl, pgSchema: schema });
    expect(store.dialect).toBe("postgres");
    const row = await store.db.selectFrom("experiments").selectAll().executeTakeFirstOrThrow();
    expect(typeof row.creation_time).toBe("number");
    expect(row.experiment_id).toBe(0);
    await store.close();
  });

  it("reports an unreachable server as KEEL_ERR_DB_CONNECTION", async () => {
    await expect(
      openDatabase({ dbUrl: "postgres://nobody@127.0.0.1:1/none" }),
    ).rejects.toMatchObject({ code: "KEEL_ERR_DB_CONNECTION" });
  });
});
