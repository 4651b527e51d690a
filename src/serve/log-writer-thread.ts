import { Worker } from "node:worker_threads";
import { KeelError } from "../core/index.js";
import type { PredictionLogEntry } from "./prediction-entry.js";
import { encodePredictionRows, type PredictionRowBatch } from "./prediction-row-batch.js";

/**
 * Where a {@link PredictionLog} writes its batches: a {@link ServingStore}, or a
 * {@link LogWriterThread} that writes them from a worker thread.
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

/**
 * A sink that stores batches already encoded by the log ({@link PredictionRowBatch}): a
 * writer thread, which then binds the stored texts as they come.
 *
 * @example
 * ```ts
 * const sink: PredictionRowSink = new SqliteLogWriter(file);
 * await sink.appendRows(encodePredictionRows([entry]));
 * ```
 */
export interface PredictionRowSink {
  /** Stores the batch's rows in one transaction: all of them or none. */
  appendRows(batch: PredictionRowBatch): Promise<void>;
  /** Releases what the sink holds (a worker thread); optional. */
  close?(): Promise<void>;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly message?: string;
}

/**
 * Writes prediction batches from a worker thread with its own connection to the metadata
 * store, so the inserts' CPU stays off the event loop that answers requests. The event loop
 * encodes each entry once as it is appended (the log's {@link PredictionRowBatch}: the input
 * records' JSON texts that are stored, in columns) and posts whole batches; the structured
 * clone of that is a copy of strings and typed arrays, not a walk over every record's fields,
 * and the worker binds the texts without parsing them or serialising the records again. The worker (`source`, CommonJS
 * run with `eval`, replying `{ id, ok, message? }` to `{ id, batch }` and `{ id, close: true }`)
 * stores each batch in one transaction, and the returned promise settles when it committed or
 * failed. A worker that dies fails its pending batches (the log retries them) and is
 * restarted on the next batch.
 *
 * @example
 * ```ts
 * const writer = new SqliteLogWriter(file); // a LogWriterThread over SQLite
 * const log = createPredictionLog(writer, { batchSize: 2000 });
 * await log.close(); // flushes, then stops the worker
 * ```
 */
export class LogWriterThread implements PredictionSink, PredictionRowSink {
  readonly #source: string;
  readonly #workerData: () => Record<string, unknown>;
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  /**
   * @param source the worker's CommonJS code
   * @param workerData what the worker gets, made when a thread starts
   */
  constructor(source: string, workerData: () => Record<string, unknown>) {
    this.#source = source;
    this.#workerData = workerData;
  }

  appendRows(batch: PredictionRowBatch): Promise<void> {
    if (batch.count === 0) return Promise.resolve();
    return this.#send({ batch });
  }

  appendPredictions(entries: readonly PredictionLogEntry[]): Promise<void> {
    return this.appendRows(encodePredictionRows(entries));
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    await this.#send({ close: true });
    this.#worker = undefined;
    await worker.terminate();
  }

  #send(message: { batch?: PredictionRowBatch; close?: boolean }): Promise<void> {
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...message });
    });
  }

  #start(): Worker {
    const worker = new Worker(this.#source, { eval: true, workerData: this.#workerData() });
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
