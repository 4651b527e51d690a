import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { KeelError } from "../core/index.js";
import type { OnlineRecord, OnlineStore, OnlineWrite } from "./online-store.js";

/** A selected row in raw (array) form: entity key, event time, created time, values JSON. */
type Row = [string, number, number | null, string];

/**
 * The embedded online store: one SQLite file (WAL mode), one row per (view, entity) holding
 * the values as JSON. The newer-wins rule is a conditional upsert, so it holds across
 * processes writing the same file.
 *
 * @example
 * ```ts
 * const online = sqliteOnlineStore({ path: ".keel/online.db" });
 * ```
 */
export function sqliteOnlineStore(options: { path: string }): OnlineStore {
  let db: Database.Database;
  try {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    db = new Database(options.path, { timeout: 10_000 });
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(
      `CREATE TABLE IF NOT EXISTS keel_online (
         view TEXT NOT NULL, entity_key TEXT NOT NULL, event_ts REAL NOT NULL, created_ts REAL, value TEXT NOT NULL,
         PRIMARY KEY (view, entity_key)) WITHOUT ROWID`,
    );
  } catch (error) {
    throw new KeelError(
      "KEEL_ERR_ONLINE_STORE",
      `cannot open the SQLite online store at ${options.path}: ${(error as Error).message}`,
      {
        cause: error,
        details: { path: options.path },
      },
    );
  }
  const upsert = db.prepare(
    `INSERT INTO keel_online (view, entity_key, event_ts, created_ts, value) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (view, entity_key) DO UPDATE SET event_ts = excluded.event_ts, created_ts = excluded.created_ts, value = excluded.value
     WHERE excluded.event_ts > keel_online.event_ts
        OR (excluded.event_ts = keel_online.event_ts AND coalesce(excluded.created_ts, -1e308) >= coalesce(keel_online.created_ts, -1e308))`,
  );
  // Raw rows (arrays) skip building an object per row; the keys travel as one JSON array
  // parameter, so one prepared statement serves every request size.
  const select = db
    .prepare<[string, string], Row>(
      "SELECT entity_key, event_ts, created_ts, value FROM keel_online WHERE view = ? AND entity_key IN (SELECT value FROM json_each(?))",
    )
    .raw(true);
  const writeAll = db.transaction((view: string, rows: readonly OnlineWrite[]) => {
    for (const row of rows)
      upsert.run(view, row.key, row.eventTs, row.createdTs, JSON.stringify(row.values));
  });
  return {
    kind: "sqlite",
    async write(view, rows) {
      writeAll(view, rows);
    },
    async read(view, keys) {
      const found = new Map<string, OnlineRecord>();
      for (const [key, eventTs, createdTs, value] of select.all(view, JSON.stringify(keys)))
        found.set(key, { eventTs, createdTs, values: JSON.parse(value) });
      return keys.map((k) => found.get(k));
    },
    async dropView(view) {
      db.prepare("DELETE FROM keel_online WHERE view = ?").run(view);
    },
    async close() {
      db.close();
    },
  };
}
