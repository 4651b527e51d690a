import { describeValue, KeelError, type Logger, nullLogger, toKeelError } from "../core/index.js";
import type { PredictionSink } from "./log-writer-thread.js";
import type { PredictionLogEntry } from "./prediction-entry.js";

export type { PredictionLogEntry } from "./prediction-entry.js";

/**
 * An asynchronous, bounded, batching writer of predictions to a {@link ServingStore}.
 *
 * @example
 * ```ts
 * if (!log.append(entry)) reply.code(503); // queue full: refuse rather than drop
 * await log.close();                       // on shutdown: everything acknowledged is written
 * ```
 */
export interface PredictionLog {
  /** Queues an entry; false (and nothing queued) when the queue is full or the log closed. */
  append(entry: PredictionLogEntry): boolean;
  /** Entries acknowledged but not yet written (queued or in the batch being written). */
  readonly pending: number;
  /** Resolves once every entry appended before the call is written; rejects if a write fails. */
  flush(): Promise<void>;
  /** Refuses new entries, then writes everything acknowledged and closes the sink. */
  close(): Promise<void>;
}

/**
 * Options of {@link createPredictionLog}.
 *
 * @example
 * ```ts
 * const options: PredictionLogOptions = { maxQueue: 50_000, batchSize: 1000, flushIntervalMs: 50 };
 * ```
 */
export interface PredictionLogOptions {
  /** Most entries held in memory before `append` answers false. Default 10,000. */
  readonly maxQueue?: number;
  /** Most entries per transaction. Default 500. */
  readonly batchSize?: number;
  /** How long a partial batch waits for company before it is written. Default 100 ms. */
  readonly flushIntervalMs?: number;
  /** Told about failed background writes (the batch stays queued and is retried). */
  readonly logger?: Logger;
}

/**
 * Creates a prediction log over a serving store (or a {@link SqliteLogWriter}, which writes
 * from a worker thread). Appends are synchronous and cheap; one
 * writer at a time takes up to `batchSize` entries in order and stores them in one
 * transaction (so a crash leaves whole batches or nothing), while new entries keep queueing.
 * A failed write puts its batch back at the head of the queue and is retried on the next
 * tick of the interval; while the store stays down the queue fills and `append` answers false,
 * so callers refuse requests (503) instead of losing entries.
 *
 * @example
 * ```ts
 * const log = createPredictionLog(openServingStore(database), { maxQueue: 10_000 });
 * log.append({ requestId, time: Date.now(), deployment: "churn", variant: "champion",
 *   modelVersion: "3", input: record, output: { prediction: 0.8 }, latencyMs: 0.3 });
 * await log.close();
 * ```
 */
export function createPredictionLog(
  store: PredictionSink,
  options: PredictionLogOptions = {},
): PredictionLog {
  return new BatchingPredictionLog(store, options);
}

class BatchingPredictionLog implements PredictionLog {
  readonly #store: PredictionSink;
  readonly #maxQueue: number;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  #queue: PredictionLogEntry[] = [];
  #inFlight = 0;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(store: PredictionSink, options: PredictionLogOptions) {
    this.#store = store;
    this.#maxQueue = positive(options.maxQueue, 10_000, "maxQueue");
    this.#batchSize = positive(options.batchSize, 500, "batchSize");
    this.#intervalMs = options.flushIntervalMs ?? 100;
    this.#logger = options.logger ?? nullLogger;
  }

  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  append(entry: PredictionLogEntry): boolean {
    if (this.#closed || this.pending >= this.#maxQueue) return false;
    this.#queue.push(entry);
    if (this.#queue.length >= this.#batchSize) this.#startInBackground();
    else this.#arm();
    return true;
  }

  async flush(): Promise<void> {
    while (this.pending > 0) await this.#start();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    await this.#store.close?.();
  }

  /** Schedules a write of a partial batch, unless one is pending or running. */
  #arm(): void {
    if (this.#timer !== undefined || this.#writing !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#startInBackground();
    }, this.#intervalMs);
    // A queued partial batch must not keep a finished process alive; close() flushes it.
    this.#timer.unref();
  }

  #startInBackground(): void {
    this.#start().catch((error: unknown) => {
      const e = toKeelError(error, "KEEL_ERR_STORE");
      this.#logger.error("prediction log: a batch could not be written; retrying", {
        code: e.code,
        message: e.message,
        pending: this.pending,
      });
    });
  }

  /** The running write, or a new one: writes batches until the queue is empty. */
  #start(): Promise<void> {
    if (this.#writing === undefined) {
      this.#writing = this.#writeAll().finally(() => {
        this.#writing = undefined;
        if (this.#queue.length > 0 && !this.#closed) this.#arm();
      });
    }
    return this.#writing;
  }

  async #writeAll(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#batchSize);
      this.#inFlight = batch.length;
      try {
        await this.#store.appendPredictions(batch);
      } catch (error) {
        this.#queue = batch.concat(this.#queue);
        throw error;
      } finally {
        this.#inFlight = 0;
      }
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (Number.isInteger(value) && value > 0) return value;
  throw new KeelError(
    "KEEL_ERR_INVALID_ARGUMENT",
    `createPredictionLog: ${name} must be a positive integer, got ${describeValue(value)}`,
    { details: { parameter: name, got: value } },
  );
}
