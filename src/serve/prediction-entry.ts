/**
 * One scored record as the prediction log keeps it: who asked (request id, event time), what
 * served it (deployment, variant, model version), the input record, the output, how long it
 * took and what the shadows answered.
 *
 * `time` is the entry's **event time**: when the prediction happened in the caller's world.
 * Live traffic leaves it to the server (the moment the answer went out); a replay of historical
 * or simulated traffic sets it per request (`runtime.predict(name, rows, { time })`, or `time`
 * in the HTTP body where the server accepts it). Every reader that windows the log by time —
 * monitors, A/B analysis, the dashboard — windows by this event time. `receivedAt` is when the
 * server answered, by its own clock, kept for audit (which entries were back-dated) and for
 * "since the deployment last changed" windows, which are measured on that same clock.
 *
 * @example
 * ```ts
 * const entry: PredictionLogEntry = {
 *   requestId: "7c1e…", time: Date.now(), deployment: "churn", variant: "champion", modelVersion: "3",
 *   input: { tenure: 12 }, output: { prediction: 0.81 }, latencyMs: 0.4,
 * };
 * ```
 */
export interface PredictionLogEntry {
  readonly requestId: string;
  /** Event time, epoch milliseconds. */
  readonly time: number;
  /** When the server answered, epoch milliseconds (default: `time`). */
  readonly receivedAt?: number;
  readonly deployment: string;
  readonly variant: string;
  readonly modelVersion: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** As in `keel predict`: P(positive) for binary, the class for multiclass, the value for regression. */
  readonly output: {
    readonly prediction: number | string;
    readonly probabilities?: Readonly<Record<string, number>>;
  };
  readonly latencyMs: number;
  /** Shadow outputs (or errors) by shadow name; never returned to the caller. */
  readonly shadow?: Readonly<Record<string, unknown>>;
}

/**
 * A ground-truth label sent back for a request: a class label, a 0/1 or true/false outcome,
 * or a regression target.
 *
 * @example
 * ```ts
 * const label: FeedbackLabel = "Yes";
 * ```
 */
export type FeedbackLabel = number | string | boolean;

/**
 * A logged prediction as read back, with its feedback label when one arrived.
 *
 * @example
 * ```ts
 * const rows: LoggedPrediction[] = await store.readPredictions({ deployment: "churn" });
 * rows.filter((r) => r.label !== undefined).length; // labelled rows
 * ```
 */
export interface LoggedPrediction extends PredictionLogEntry {
  /** Insertion order within the log (ascending ids were written later). */
  readonly id: number;
  readonly receivedAt: number;
  readonly label?: FeedbackLabel;
  readonly feedbackTime?: number;
}

/**
 * The request id logged for row `row` of a request that scored several rows: `ID:row`.
 * The log keeps one row per scored record (monitoring and feedback work row by row; a label
 * for one record of a batch is posted with `ID:row`), and {@link requestOfRow} maps the rows
 * of a batch back to the one request, which is what A/B traffic counts and the sample-ratio
 * test use: a variant is assigned once per request, not once per row.
 *
 * @example
 * ```ts
 * batchRowRequestId("7c1e", 3); // "7c1e:3"
 * ```
 */
export function batchRowRequestId(requestId: string, row: number): string {
  return `${requestId}:${row}`;
}

/**
 * The request a logged row belongs to: `ID` for a row logged as `ID:row` by
 * {@link batchRowRequestId}, the id itself otherwise.
 *
 * @example
 * ```ts
 * requestOfRow("7c1e:3"); // "7c1e"
 * requestOfRow("7c1e");   // "7c1e"
 * ```
 */
export function requestOfRow(loggedRequestId: string): string {
  return loggedRequestId.replace(BATCH_ROW_SUFFIX, "");
}

const BATCH_ROW_SUFFIX = /:\d+$/;
