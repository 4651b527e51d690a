import { Frame, type FrameRecord } from "../core/index.js";
import type { ModelBundle } from "../models/index.js";
import type { LoggedPrediction } from "./prediction-entry.js";

/**
 * A window of the prediction log as a frame, the input of a monitor run: the logged inputs
 * typed by the model's signature (kinds only: a category the model never saw is data for the
 * drift report, not an error), `prediction` (the logged output) and `label` (1 for the positive
 * class, 0 otherwise, NaN where no feedback arrived yet).
 *
 * @example
 * ```ts
 * const frame = predictionLogFrame(await store.readPredictions({ deployment: "churn" }), bundle);
 * ```
 */
export function predictionLogFrame(rows: readonly LoggedPrediction[], bundle: ModelBundle): Frame {
  const positive = bundle.positiveClass ?? bundle.classes[1];
  const records: FrameRecord[] = rows.map((r) => {
    const label =
      r.label === undefined
        ? Number.NaN
        : r.label === true || r.label === 1 || String(r.label) === positive
          ? 1
          : 0;
    const prediction = typeof r.output.prediction === "number" ? r.output.prediction : Number.NaN;
    return { ...(r.input as FrameRecord), prediction, label };
  });
  return Frame.fromRecords(records, [
    ...bundle.inputSignature.columns.map((c) => ({ name: c.name, kind: c.kind })),
    { name: "prediction", kind: "numeric" as const },
    { name: "label", kind: "numeric" as const },
  ]);
}
