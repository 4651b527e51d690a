import type { PredictionLogEntry } from "./prediction-entry.js";

/**
 * Log entries encoded once, on append, into columns that a worker thread receives cheaply:
 * the input and shadows as their JSON text (the text that is stored), times and latencies in
 * typed arrays, the deployment, variant and model version as runs (the rows of one request
 * share them), and the probabilities as given: a structured clone of a few numbers costs the
 * event loop a quarter of `JSON.stringify`'s number formatting, which the writer does instead. A structured clone of this costs the event loop far less than
 * one of the entries' objects, and the writer thread binds the values as they come (no parse,
 * no second serialisation).
 *
 * @example
 * ```ts
 * const builder = new PredictionRowBatchBuilder(2000);
 * builder.add(entry);
 * worker.postMessage(builder.build());
 * ```
 */
export interface PredictionRowBatch {
  /** Rows in the batch (the typed arrays may be longer). */
  readonly count: number;
  readonly requestId: string[];
  /** Event time, epoch ms. */
  readonly time: Float64Array;
  /** When the server answered, epoch ms (the entry's `receivedAt`, else its `time`). */
  readonly receivedAt: Float64Array;
  /** Runs of rows served alike: `[rows, deployment, variant, modelVersion, rows, …]`. */
  readonly served: (number | string)[];
  /** The input record's JSON text. */
  readonly input: string[];
  /** The prediction as given (its JSON text is stored, and a finite number also as `score`). */
  readonly prediction: (number | string)[];
  /** The probabilities as given (the writer stores their JSON text), or null. */
  readonly probabilities: (Readonly<Record<string, number>> | null)[];
  readonly latencyMs: Float64Array;
  /** The shadows' JSON text, or null. */
  readonly shadow: (string | null)[];
  /** The rows' size as counted by {@link rowBytes}. */
  readonly bytes: number;
}

/** Bytes counted per row besides its text: the two numbers and the row's share of a run. */
const ROW_OVERHEAD_BYTES = 32;
/** Bytes counted per class probability (a short label and a number, as stored). */
const PROBABILITY_BYTES = 24;

/**
 * Builds a {@link PredictionRowBatch} one entry at a time, up to a fixed number of rows.
 *
 * @example
 * ```ts
 * const builder = new PredictionRowBatchBuilder(500);
 * const bytes = builder.add(entry); // the entry's weight in the queue
 * if (builder.full) sink.appendRows(builder.build());
 * ```
 */
export class PredictionRowBatchBuilder {
  readonly #requestId: string[] = [];
  readonly #time: Float64Array;
  readonly #receivedAt: Float64Array;
  readonly #served: (number | string)[] = [];
  readonly #input: string[] = [];
  readonly #prediction: (number | string)[] = [];
  readonly #probabilities: (Readonly<Record<string, number>> | null)[] = [];
  readonly #latencyMs: Float64Array;
  readonly #shadow: (string | null)[] = [];
  #count = 0;
  #bytes = 0;
  /** Where the current run's row count sits in `#served`. */
  #run = -1;

  /** @param capacity most rows the batch takes */
  constructor(readonly capacity: number) {
    this.#time = new Float64Array(capacity);
    this.#receivedAt = new Float64Array(capacity);
    this.#latencyMs = new Float64Array(capacity);
  }

  get count(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get full(): boolean {
    return this.#count >= this.capacity;
  }

  /** Encodes one entry (its JSON texts made here, once); returns its size in bytes. */
  add(entry: PredictionLogEntry): number {
    const i = this.#count;
    if (i >= this.capacity) throw new RangeError(`the batch holds ${this.capacity} rows already`);
    const input = JSON.stringify(entry.input);
    const probabilities = entry.output.probabilities ?? null;
    const shadow = entry.shadow === undefined ? null : JSON.stringify(entry.shadow);
    this.#requestId.push(entry.requestId);
    this.#time[i] = entry.time;
    this.#receivedAt[i] = entry.receivedAt ?? entry.time;
    this.#input.push(input);
    this.#prediction.push(entry.output.prediction);
    this.#probabilities.push(probabilities);
    this.#latencyMs[i] = entry.latencyMs;
    this.#shadow.push(shadow);
    const served = this.#served;
    const run = this.#run;
    if (
      run >= 0 &&
      served[run + 1] === entry.deployment &&
      served[run + 2] === entry.variant &&
      served[run + 3] === entry.modelVersion
    )
      served[run] = (served[run] as number) + 1;
    else {
      this.#run = served.length;
      served.push(1, entry.deployment, entry.variant, entry.modelVersion);
    }
    this.#count = i + 1;
    const bytes = rowBytes(entry.requestId, input, entry.output.prediction, probabilities, shadow);
    this.#bytes += bytes;
    return bytes;
  }

  /** The batch of the rows added so far. */
  build(): PredictionRowBatch {
    return {
      count: this.#count,
      requestId: this.#requestId,
      time: this.#time,
      receivedAt: this.#receivedAt,
      served: this.#served,
      input: this.#input,
      prediction: this.#prediction,
      probabilities: this.#probabilities,
      latencyMs: this.#latencyMs,
      shadow: this.#shadow,
      bytes: this.#bytes,
    };
  }
}

/**
 * A row's weight in the log's queue: the length of its texts (one byte per character, which
 * is what V8 keeps for ASCII text), 24 bytes per class probability, plus a fixed overhead for
 * its numbers.
 *
 * @example
 * ```ts
 * rowBytes("r1", '{"tenure":3}', 0.8, { No: 0.2, Yes: 0.8 }, null); // 32 + 2 + 12 + 8 + 48
 * ```
 */
export function rowBytes(
  requestId: string,
  input: string,
  prediction: number | string,
  probabilities: Readonly<Record<string, number>> | null,
  shadow: string | null,
): number {
  let classes = 0;
  if (probabilities !== null) for (const _ in probabilities) classes++;
  return (
    ROW_OVERHEAD_BYTES +
    requestId.length +
    input.length +
    (typeof prediction === "string" ? prediction.length : 8) +
    classes * PROBABILITY_BYTES +
    (shadow?.length ?? 0)
  );
}

/**
 * Encodes entries into one batch (for callers that hold entries, not a queue).
 *
 * @example
 * ```ts
 * await writer.appendRows(encodePredictionRows([entry]));
 * ```
 */
export function encodePredictionRows(entries: readonly PredictionLogEntry[]): PredictionRowBatch {
  const builder = new PredictionRowBatchBuilder(Math.max(1, entries.length));
  for (const entry of entries) builder.add(entry);
  return builder.build();
}

/**
 * The entries of a batch again (JSON texts parsed), for a sink that stores entries: the
 * store itself, when the log cannot have a writer thread (an in-memory database).
 *
 * @example
 * ```ts
 * await store.appendPredictions(decodePredictionRows(batch));
 * ```
 */
export function decodePredictionRows(batch: PredictionRowBatch): PredictionLogEntry[] {
  const entries: PredictionLogEntry[] = [];
  eachServedRow(batch, (i, deployment, variant, modelVersion) => {
    const probabilities = batch.probabilities[i];
    const shadow = batch.shadow[i];
    entries.push({
      requestId: batch.requestId[i]!,
      time: batch.time[i]!,
      receivedAt: batch.receivedAt[i]!,
      deployment,
      variant,
      modelVersion,
      input: JSON.parse(batch.input[i]!) as Record<string, unknown>,
      output: {
        prediction: batch.prediction[i]!,
        ...(probabilities == null ? {} : { probabilities }),
      },
      latencyMs: batch.latencyMs[i]!,
      ...(shadow == null ? {} : { shadow: JSON.parse(shadow) as Record<string, unknown> }),
    });
  });
  return entries;
}

/**
 * Calls `visit` for each row of a batch with what served it (the runs expanded).
 *
 * @example
 * ```ts
 * eachServedRow(batch, (i, deployment) => console.log(batch.requestId[i], deployment));
 * ```
 */
export function eachServedRow(
  batch: PredictionRowBatch,
  visit: (row: number, deployment: string, variant: string, modelVersion: string) => void,
): void {
  let row = 0;
  for (let r = 0; r < batch.served.length; r += 4) {
    const end = row + (batch.served[r] as number);
    const deployment = batch.served[r + 1] as string;
    const variant = batch.served[r + 2] as string;
    const modelVersion = batch.served[r + 3] as string;
    for (; row < end; row++) visit(row, deployment, variant, modelVersion);
  }
}

/**
 * The same walk as {@link eachServedRow}, as CommonJS source for the writer threads (which
 * are evaluated from text and cannot import this module): defines `eachServedRow(batch, visit)`.
 */
export const EACH_SERVED_ROW_SOURCE = `
function eachServedRow(batch, visit) {
  let row = 0;
  for (let r = 0; r < batch.served.length; r += 4) {
    const end = row + batch.served[r];
    const deployment = batch.served[r + 1], variant = batch.served[r + 2], modelVersion = batch.served[r + 3];
    for (; row < end; row++) visit(row, deployment, variant, modelVersion);
  }
}
`;
