import { createRequire } from "node:module";
import type { MetadataDatabase } from "../store/index.js";
import { LogWriterThread, type PredictionSink } from "./log-writer-thread.js";
import { PostgresLogWriter } from "./postgres-log-writer.js";
import { EACH_SERVED_ROW_SOURCE } from "./prediction-row-batch.js";
import type { ServingStore } from "./serving-store.js";

// The worker's code. It is plain CommonJS evaluated by `new Worker(..., { eval: true })` so it
// runs the same from `dist` and from the TypeScript sources under vitest (a worker cannot load
// a .ts file). It owns its own better-sqlite3 connection (WAL lets it write beside the main
// thread's connection; busy_timeout waits out the main thread's short writes) and stores each
// batch it is handed in one transaction, so a SIGKILL leaves whole batches or nothing. WAL with
// synchronous=NORMAL (as the store's own connection): a commit survives the process dying at
// any point, and only a power loss may take the last commits back, never leave half a batch.
// The batch comes encoded (prediction-row-batch.ts): texts are bound as they come, in
// statements of ROWS rows (one statement per row spent about a third of the insert time in
// the per-statement work: bind, step, reset).
const ROWS = 64;
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
${EACH_SERVED_ROW_SOURCE}
const db = new Database(workerData.file, { timeout: 10000 });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
const ROWS = ${ROWS}, WIDTH = 12;
const head = "insert into prediction_log (request_id, time, received_at, deployment, variant, model_version, input, prediction, score, probabilities, latency_ms, shadow) values ";
const tuple = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const many = db.prepare(head + Array(ROWS).fill(tuple).join(", "));
const one = db.prepare(head + tuple);
const params = new Array(ROWS * WIDTH);
const writeBatch = db.transaction((b) => {
  let k = 0;
  eachServedRow(b, (i, deployment, variant, modelVersion) => {
    const p = b.prediction[i];
    params[k] = b.requestId[i]; params[k + 1] = b.time[i]; params[k + 2] = b.receivedAt[i];
    params[k + 3] = deployment; params[k + 4] = variant; params[k + 5] = modelVersion;
    params[k + 6] = b.input[i]; params[k + 7] = JSON.stringify(p);
    params[k + 8] = typeof p === "number" && Number.isFinite(p) ? p : null;
    const probabilities = b.probabilities[i];
    params[k + 9] = probabilities === null ? null : JSON.stringify(probabilities);
    params[k + 10] = b.latencyMs[i]; params[k + 11] = b.shadow[i];
    k += WIDTH;
    if (k === params.length) { many.run(params); k = 0; }
  });
  for (let j = 0; j < k; j += WIDTH) one.run(params.slice(j, j + WIDTH));
});
parentPort.on("message", (message) => {
  if (message.close) { db.close(); parentPort.postMessage({ id: message.id, ok: true }); return; }
  try {
    writeBatch(message.batch);
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
