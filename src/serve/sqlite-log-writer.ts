import { createRequire } from "node:module";
import type { MetadataDatabase } from "../store/index.js";
import { LogWriterThread, type PredictionSink } from "./log-writer-thread.js";
import { PostgresLogWriter } from "./postgres-log-writer.js";
import type { ServingStore } from "./serving-store.js";

// The worker's code. It is plain CommonJS evaluated by `new Worker(..., { eval: true })` so it
// runs the same from `dist` and from the TypeScript sources under vitest (a worker cannot load
// a .ts file). It owns its own better-sqlite3 connection (WAL lets it write beside the main
// thread's connection; busy_timeout waits out the main thread's short writes) and stores each
// batch it is handed in one transaction, so a SIGKILL leaves whole batches or nothing. The row
// mapping is the one of `predictionRows` (prediction-rows.ts), done here so that the event loop
// pays only the hand-over of the batch.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 10000 });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
const insert = db.prepare(
  "insert into prediction_log (request_id, time, received_at, deployment, variant, model_version, input, prediction, score, probabilities, latency_ms, shadow) " +
  "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
const writeAll = db.transaction((entries) => {
  for (const e of entries) {
    const p = e.output.prediction;
    insert.run(e.requestId, e.time, e.receivedAt === undefined ? e.time : e.receivedAt, e.deployment, e.variant, e.modelVersion,
      JSON.stringify(e.input), JSON.stringify(p),
      typeof p === "number" && Number.isFinite(p) ? p : null,
      e.output.probabilities === undefined ? null : JSON.stringify(e.output.probabilities),
      e.latencyMs, e.shadow === undefined ? null : JSON.stringify(e.shadow));
  }
});
parentPort.on("message", (message) => {
  if (message.close) { db.close(); parentPort.postMessage({ id: message.id, ok: true }); return; }
  try {
    writeAll(message.entries);
    parentPort.postMessage({ id: message.id, ok: true });
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, message: String(error && error.message || error) });
  }
});
`;

/**
 * Writes prediction batches to a SQLite metadata store file from a worker thread with its own
 * better-sqlite3 connection ({@link LogWriterThread}).
 *
 * @example
 * ```ts
 * const writer = new SqliteLogWriter(database.sqlite.name);
 * const log = createPredictionLog(writer, { batchSize: 2000 });
 * await log.close(); // flushes, then stops the worker
 * ```
 */
export class SqliteLogWriter extends LogWriterThread {
  /** @param file the SQLite database file (already migrated by `openDatabase`). */
  constructor(file: string) {
    super(WORKER_SOURCE, () => ({
      file,
      driver: createRequire(import.meta.url).resolve("better-sqlite3"),
    }));
  }
}

/**
 * Where a server's prediction log should write: a writer thread, {@link SqliteLogWriter} for
 * a SQLite file or {@link PostgresLogWriter} for PostgreSQL (the inserts, and on PostgreSQL
 * the query building and parameter encoding, would otherwise run on the event loop); else the
 * store itself (an in-memory SQLite database cannot be opened a second time).
 *
 * @example
 * ```ts
 * const log = createPredictionLog(predictionSinkFor(database, openServingStore(database)));
 * ```
 */
export function predictionSinkFor(database: MetadataDatabase, store: ServingStore): PredictionSink {
  if (database.postgres !== undefined) return new PostgresLogWriter(database.postgres);
  const file = database.sqlite?.name;
  if (file === undefined || file === "" || file === ":memory:" || database.sqlite?.memory)
    return store;
  return new SqliteLogWriter(file);
}
