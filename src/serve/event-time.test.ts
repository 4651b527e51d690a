import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { type KeelDatabase, MIGRATIONS, openDatabase } from "../store/index.js";
import { EVENT_TIME_MAX_AHEAD_MS, openServingStore, parseEventTime } from "./index.js";
import { logEntry } from "./testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "keel-event-time-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseEventTime", () => {
  const now = Date.UTC(2026, 11, 6, 12);

  it("reads ISO-8601 timestamps with a zone and epoch milliseconds", () => {
    expect(parseEventTime("2025-03-02T09:30:00Z", "time", now)).toBe(Date.UTC(2025, 2, 2, 9, 30));
    expect(parseEventTime("2025-03-02T10:30:00.250+01:00", "time", now)).toBe(
      Date.UTC(2025, 2, 2, 9, 30, 0, 250),
    );
    expect(parseEventTime("2025-03-02T09:30Z", "time", now)).toBe(Date.UTC(2025, 2, 2, 9, 30));
    expect(parseEventTime(Date.UTC(2025, 0, 1), "time", now)).toBe(Date.UTC(2025, 0, 1));
    expect(parseEventTime(now + EVENT_TIME_MAX_AHEAD_MS, "time", now)).toBe(
      now + EVENT_TIME_MAX_AHEAD_MS,
    );
  });

  it("refuses what is not an instant, or lies in the future, naming the path", () => {
    for (const bad of [
      "2025-03-02T09:30:00", // no zone: a different instant on every machine
      "2025-03-02",
      "2025-02-30T09:30:00Z",
      "2025-03-02T24:00:00Z",
      "yesterday",
      -1,
      1.5,
      Number.NaN,
      null,
      now + EVENT_TIME_MAX_AHEAD_MS + 1,
    ])
      expect(() => parseEventTime(bad, "$.time", now), String(bad)).toThrow(
        expect.objectContaining({
          code: "KEEL_ERR_INVALID_ARGUMENT",
          details: expect.objectContaining({ path: "$.time" }),
        }),
      );
  });
});

describe("migration 8 on a log written before it", () => {
  it("reads old entries as received at their time, and stores both times of new ones", async () => {
    const file = join(dir, "v7.db");
    const db = new Kysely<KeelDatabase>({
      dialect: new SqliteDialect({ database: new Database(file) }),
    });
    await sql`create table keel_migrations (version integer primary key, name text not null, applied_at bigint not null)`.execute(
      db,
    );
    for (const m of MIGRATIONS.filter((m) => m.version <= 7)) {
      await m.up(db, "sqlite");
      await db
        .insertInto("keel_migrations")
        .values({ version: m.version, name: m.name, applied_at: 0 })
        .execute();
    }
    await sql`insert into prediction_log (request_id, time, deployment, variant, model_version, input, prediction, score, probabilities, latency_ms, shadow)
      values ('old', 1000, 'churn', 'champion', '3', '{}', '0.5', 0.5, null, 0.4, null)`.execute(
      db,
    );
    await db.destroy();

    const database = await openDatabase({ dbUrl: `sqlite:${file}` });
    try {
      const store = openServingStore(database);
      await store.appendPredictions([logEntry({ requestId: "new", time: 2000, receivedAt: 9000 })]);
      const rows = await store.readPredictions({ deployment: "churn" });
      expect(rows.map((r) => [r.requestId, r.time, r.receivedAt])).toEqual([
        ["old", 1000, 1000],
        ["new", 2000, 9000],
      ]);
      expect(
        (await store.readPredictions({ deployment: "churn", receivedFrom: 1001 })).length,
      ).toBe(1);
    } finally {
      await database.close();
    }
  });
});
