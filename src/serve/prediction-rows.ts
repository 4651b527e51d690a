import type { Insertable, Selectable } from "kysely";
import type { PredictionLogRow } from "../store/index.js";
import type { FeedbackLabel, LoggedPrediction, PredictionLogEntry } from "./prediction-entry.js";

/**
 * Log entries as table rows: input, output and shadows as JSON text, plus the numeric
 * prediction in `score` (null for a class label) so SQL can aggregate it.
 *
 * @example
 * ```ts
 * await tx.insertInto("prediction_log").values(predictionRows(entries)).execute();
 * ```
 */
export function predictionRows(
  entries: readonly PredictionLogEntry[],
): Insertable<PredictionLogRow>[] {
  return entries.map((e) => ({
    request_id: e.requestId,
    time: e.time,
    received_at: e.receivedAt ?? e.time,
    deployment: e.deployment,
    variant: e.variant,
    model_version: e.modelVersion,
    input: JSON.stringify(e.input),
    prediction: JSON.stringify(e.output.prediction),
    score:
      typeof e.output.prediction === "number" && Number.isFinite(e.output.prediction)
        ? e.output.prediction
        : null,
    probabilities:
      e.output.probabilities === undefined ? null : JSON.stringify(e.output.probabilities),
    latency_ms: e.latencyMs,
    shadow: e.shadow === undefined ? null : JSON.stringify(e.shadow),
  }));
}

/**
 * A log row (left-joined with its feedback) back as a {@link LoggedPrediction}.
 *
 * @example
 * ```ts
 * const rows = (await query.execute()).map(predictionFromRow);
 * ```
 */
export function predictionFromRow(
  row: Selectable<PredictionLogRow> & { label: string | null; feedback_time: number | null },
): LoggedPrediction {
  const probabilities =
    row.probabilities === null
      ? undefined
      : (JSON.parse(row.probabilities) as Record<string, number>);
  return {
    id: Number(row.id),
    requestId: row.request_id,
    time: Number(row.time),
    // Entries logged before migration 8 were stamped when answered: that is their receipt time.
    receivedAt: Number(row.received_at ?? row.time),
    deployment: row.deployment,
    variant: row.variant,
    modelVersion: row.model_version,
    input: JSON.parse(row.input) as Record<string, unknown>,
    output: {
      prediction: JSON.parse(row.prediction) as number | string,
      ...(probabilities === undefined ? {} : { probabilities }),
    },
    latencyMs: Number(row.latency_ms),
    ...(row.shadow === null ? {} : { shadow: JSON.parse(row.shadow) as Record<string, unknown> }),
    ...(row.label === null
      ? {}
      : { label: JSON.parse(row.label) as FeedbackLabel, feedbackTime: Number(row.feedback_time) }),
  };
}
