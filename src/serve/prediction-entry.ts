/**
 * One scored record as the prediction log keeps it: who asked (request id, time), what
 * served it (deployment, variant, model version), the input record, the output, how long it
 * took and what the shadows answered.
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
  /** Epoch milliseconds. */
  readonly time: number;
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
  readonly label?: FeedbackLabel;
  readonly feedbackTime?: number;
}
