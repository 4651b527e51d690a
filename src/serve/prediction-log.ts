import { describeValue, KeelError, type Logger, nullLogger, toKeelError } from "../core/index.js";
import type { PredictionRowSink, PredictionSink } from "./log-writer-thread.js";
import type { PredictionLogEntry } from "./prediction-entry.js";
import {
  decodePredictionRows,
  type PredictionRowBatch,
  PredictionRowBatchBuilder,
} from "./prediction-row-batch.js";

export type { PredictionLogEntry } from "./prediction-entry.js";

/**
 * An asynchronous, bounded, batching writer of predictions to a {@link ServingStore}.
 *
 * The queue is measured in rows (one entry is one scored row, so a 1,000-row batch request
 * weighs 1,000) and in bytes (the rows' text as stored): a caller asks {@link hasRoomFor}
 * before it scores a request, and answers 503 when the answer is no, rather than drop entries.
 *
 * @example
 * ```ts
 * if (!log.hasRoomFor(rows.length)) reply.code(503); // the writer is behind: refuse, never drop
 * for (const entry of entries) log.append(entry);
 * await log.close();                                  // on shutdown: everything acknowledged is written
 * ```
 */
export interface PredictionLog {
  /** Queues an entry; false (and nothing queued) when the log is closed or holds `maxQueue` rows. */
  append(entry: PredictionLogEntry): boolean;
  /**
   * Whether `rows` more rows fit: the queue would hold at most `maxQueue` rows and holds less
   * than `maxQueueBytes` bytes now (the rows of a request already let in are always taken, so
   * the bytes may pass the bound by what the requests in flight bring).
   */
  hasRoomFor(rows: number): boolean;
  /** Rows acknowledged but not yet written (queued or in the batch being written). */
  readonly pending: number;
  /** The size of those rows, as {@link rowBytes} counts it. */
  readonly pendingBytes: number;
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
 * const options: PredictionLogOptions = { maxQueue: 100_000, maxQueueBytes: 64 << 20, batchSize: 2000 };
 * ```
 */
export interface PredictionLogOptions {
  /** Most rows held in memory: `append` answers false past it. Default 100,000. */
  readonly maxQueue?: number;
  /**
   * Once the queued rows reach this size, `hasRoomFor` answers false. Default 256 MiB (about
   * 500,000 Telco-sized rows: the row bound comes first unless the records are large).
   */
  readonly maxQueueBytes?: number;
  /** Most rows per transaction. Default 500. */
  readonly batchSize?: number;
  /** How long a partial batch waits for company before it is written. Default 100 ms. */
  readonly flushIntervalMs?: number;
  /** Told about failed background writes (the batch stays queued and is retried). */
  readonly logger?: Logger;
}

/**
 * Creates a prediction log over a serving store, or over a writer thread
 * ({@link SqliteLogWriter}, {@link PostgresLogWriter}) that stores the batches off the event
 * loop. Appends are synchronous: each entry is encoded once, there, into the batch being
 * filled ({@link PredictionRowBatchBuilder}: the input record's JSON text is what is stored;
 * the entry and its record are not kept). One writer at a time takes the batches in order and stores each in one
 * transaction (so a crash leaves whole batches or nothing), while new entries keep queueing.
 * A failed write puts its batch back at the head of the queue and is retried on the next
 * tick of the interval; while the store stays down the queue fills and `hasRoomFor` answers
 * false, so callers refuse requests (503) instead of losing entries.
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
  sink: PredictionSink | PredictionRowSink,
  options: PredictionLogOptions = {},
): PredictionLog {
  return new BatchingPredictionLog(rowSinkOf(sink), options);
}

/** A sink that takes encoded batches; a store that takes entries gets them decoded. */
function rowSinkOf(sink: PredictionSink | PredictionRowSink): PredictionRowSink {
  if ("appendRows" in sink) return sink;
  return {
    appendRows: (batch) => sink.appendPredictions(decodePredictionRows(batch)),
    ...(sink.close ? { close: () => sink.close!() } : {}),
  };
}

const DEFAULT_MAX_QUEUE_BYTES = 256 * 1024 * 1024;

class BatchingPredictionLog implements PredictionLog {
  readonly #sink: PredictionRowSink;
  readonly #maxQueue: number;
  readonly #maxBytes: number;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  /** Whole batches (and a failed batch put back), in append order, before `#open`. */
  readonly #ready: PredictionRowBatch[] = [];
  /** The batch being filled. */
  #open: PredictionRowBatchBuilder | undefined;
  #rows = 0;
  #bytes = 0;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(sink: PredictionRowSink, options: PredictionLogOptions) {
    this.#sink = sink;
    this.#maxQueue = positive(options.maxQueue, 100_000, "maxQueue");
    this.#maxBytes = positive(options.maxQueueBytes, DEFAULT_MAX_QUEUE_BYTES, "maxQueueBytes");
    this.#batchSize = positive(options.batchSize, 500, "batchSize");
    this.#intervalMs = options.flushIntervalMs ?? 100;
    this.#logger = options.logger ?? nullLogger;
  }

  get pending(): number {
    return this.#rows;
  }

  get pendingBytes(): number {
    return this.#bytes;
  }

  hasRoomFor(rows: number): boolean {
    return !this.#closed && this.#rows + rows <= this.#maxQueue && this.#bytes < this.#maxBytes;
  }

  append(entry: PredictionLogEntry): boolean {
    if (this.#closed || this.#rows >= this.#maxQueue) return false;
    let open = this.#open;
    if (open === undefined) {
      open = new PredictionRowBatchBuilder(this.#batchSize);
      this.#open = open;
    }
    this.#bytes += open.add(entry);
    this.#rows++;
    if (open.full) {
      this.#ready.push(open.build());
      this.#open = undefined;
      this.#startInBackground();
    } else this.#arm();
    return true;
  }

  async flush(): Promise<void> {
    while (this.#rows > 0) await this.#start();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    await this.#sink.close?.();
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
        if (this.#rows > 0 && !this.#closed) this.#arm();
      });
    }
    return this.#writing;
  }

  /** The next batch to write: a whole one, else the one being filled. */
  #next(): PredictionRowBatch | undefined {
    const ready = this.#ready.shift();
    if (ready !== undefined) return ready;
    const open = this.#open;
    if (open === undefined || open.count === 0) return undefined;
    this.#open = undefined;
    return open.build();
  }

  async #writeAll(): Promise<void> {
    for (let batch = this.#next(); batch !== undefined; batch = this.#next()) {
      try {
        await this.#sink.appendRows(batch);
      } catch (error) {
        this.#ready.unshift(batch);
        throw error;
      }
      // Counted out only once stored: rows in flight still hold their room in the queue.
      this.#rows -= batch.count;
      this.#bytes -= batch.bytes;
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
