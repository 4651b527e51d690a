import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { KeelError } from "../core/index.js";
import type { MetadataDatabase } from "../store/index.js";
import type { PredictionLogEntry } from "./prediction-entry.js";
import type { ServingStore } from "./serving-store.js";

/**
 * Where a {@link PredictionLog} writes its batches: a {@link ServingStore}, or a
 * {@link SqliteLogWriter} that writes them from a worker thread.
 *
 * @example
 * ```ts
 * const sink: PredictionSink = openServingStore(database);
 * await sink.appendPredictions([entry]);
 * ```
 */
export interface PredictionSink {
  /** Stores the entries in one transaction: all of them or none. */
  appendPredictions(entries: readonly PredictionLogEntry[]): Promise<void>;
  /** Releases what the sink holds (a worker thread); optional. */
  close?(): Promise<void>;
}

// The worker's code. It is plain CommonJS evaluated by `new Worker(..., { eval: true })` so it
// runs the same from `dist` and from the TypeScript sources under vitest (a worker cannot load
// a .ts file). It owns its own better-sqlite3 connection (WAL lets it write beside the main
// thread's connection; busy_timeout waits out the main thread's short writes) and stores each
// batch it is handed in one transaction, so a SIGKILL leaves whole batches or nothing. The row
// mapping is the one of `predictionRows` (prediction-rows.ts), done here so that the event loop
// pays only one JSON.stringify of the batch.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 10000 });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
const insert = db.prepare(
  "insert into prediction_log (request_id, time, deployment, variant, model_version, input, prediction, score, probabilities, latency_ms, shadow) " +
  "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
const writeAll = db.transaction((entries) => {
  for (const e of entries) {
    const p = e.output.prediction;
    insert.run(e.requestId, e.time, e.deployment, e.variant, e.modelVersion,
      JSON.stringify(e.input), JSON.stringify(p),
      typeof p === "number" && Number.isFinite(p) ? p : null,
      e.output.probabilities === undefined ? null : JSON.stringify(e.output.probabilities),
      e.latencyMs, e.shadow === undefined ? null : JSON.stringify(e.shadow));
  }
});
parentPort.on("message", (message) => {
  if (message.close) { db.close(); parentPort.postMessage({ id: message.id, ok: true }); return; }
  try {
    writeAll(JSON.parse(message.json));
    parentPort.postMessage({ id: message.id, ok: true });
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, message: String(error && error.message || error) });
  }
});
`;

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly message?: string;
}

/**
 * Writes prediction batches to a SQLite metadata store from a worker thread with its own
 * connection, so the inserts' CPU stays off the event loop that answers requests. The event
 * loop serialises each batch once (JSON text, ~2 µs per entry) and hands it over; the
 * returned promise settles when the worker committed (or failed) the batch's transaction.
 * A worker that dies fails its pending batches (the log retries them) and is restarted on the
 * next batch.
 *
 * @example
 * ```ts
 * const writer = new SqliteLogWriter(database.sqlite.name);
 * const log = createPredictionLog(writer, { batchSize: 2000 });
 * await log.close(); // flushes, then stops the worker
 * ```
 */
export class SqliteLogWriter implements PredictionSink {
  readonly #file: string;
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  /** @param file the SQLite database file (already migrated by `openDatabase`). */
  constructor(file: string) {
    this.#file = file;
  }

  appendPredictions(entries: readonly PredictionLogEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.#send({ json: JSON.stringify(entries) });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    await this.#send({ close: true });
    this.#worker = undefined;
    await worker.terminate();
  }

  #send(message: { json?: string; close?: boolean }): Promise<void> {
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...message });
    });
  }

  #start(): Worker {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.#file, driver },
    });
    // An idle writer must not keep a finished process alive; close() stops it explicitly.
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const waiting = this.#pending.get(reply.id);
      if (waiting === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiting.resolve();
      else
        waiting.reject(
          storeError(`the prediction log's writer could not store a batch: ${reply.message}`),
        );
    });
    const fail = (why: string): void => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, waiting] of this.#pending) {
        this.#pending.delete(id);
        waiting.reject(storeError(why));
      }
    };
    worker.on("error", (error) =>
      fail(`the prediction log's writer thread failed: ${error.message}`),
    );
    worker.on("exit", (code) =>
      fail(`the prediction log's writer thread exited with code ${code}`),
    );
    this.#worker = worker;
    return worker;
  }
}

function storeError(message: string): KeelError {
  return new KeelError("KEEL_ERR_STORE", message);
}

/**
 * Where a server's prediction log should write: a worker-thread {@link SqliteLogWriter} when
 * the metadata store is a SQLite file (its inserts would otherwise run on the event loop),
 * else the store itself (PostgreSQL's driver already writes asynchronously; an in-memory
 * SQLite database cannot be opened a second time).
 *
 * @example
 * ```ts
 * const log = createPredictionLog(predictionSinkFor(database, openServingStore(database)));
 * ```
 */
export function predictionSinkFor(database: MetadataDatabase, store: ServingStore): PredictionSink {
  const file = database.sqlite?.name;
  if (file === undefined || file === "" || file === ":memory:" || database.sqlite?.memory)
    return store;
  return new SqliteLogWriter(file);
}
