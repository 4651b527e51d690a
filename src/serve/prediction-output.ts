import type { FrameRecord } from "../core/index.js";
import type { ModelBundle } from "../models/index.js";

/**
 * One record's answer: `prediction` means what it means in `keel predict`'s output file —
 * P(positive class) for binary models, the most likely class for multiclass, the value for
 * regression — and classifiers add every class's probability.
 *
 * @example
 * ```ts
 * const out: PredictionOutput = { prediction: 0.71, probabilities: { No: 0.29, Yes: 0.71 } };
 * ```
 */
export interface PredictionOutput {
  readonly prediction: number | string;
  readonly probabilities?: Readonly<Record<string, number>>;
}

/**
 * Scores one record already conformed to the bundle's signature (`conformRows`) and shapes the
 * answer as {@link PredictionOutput}.
 *
 * @example
 * ```ts
 * predictionOutput(bundle, record); // { prediction: 0.71, probabilities: { No: 0.29, Yes: 0.71 } }
 * ```
 */
export function predictionOutput(bundle: ModelBundle, record: FrameRecord): PredictionOutput {
  if (bundle.task === "regression")
    return { prediction: bundle.predictRecord(record, { checked: true }) };
  return classOutput(
    bundle.classes,
    bundle.task,
    bundle.predictProbaRecord(record, { checked: true }),
    0,
  );
}

function classOutput(
  classes: readonly string[],
  task: "binary" | "multiclass",
  proba: Float64Array,
  offset: number,
): PredictionOutput {
  const probabilities: Record<string, number> = {};
  let best = 0;
  for (let c = 0; c < classes.length; c++) {
    probabilities[classes[c]!] = proba[offset + c]!;
    if (proba[offset + c]! > proba[offset + best]!) best = c;
  }
  return {
    prediction: task === "binary" ? proba[offset + 1]! : classes[best]!,
    probabilities,
  };
}

/**
 * From this many rows {@link predictionOutputs} (the batch record path) costs less per row than
 * {@link predictionOutput} row by row; both give the same numbers.
 *
 * @example
 * ```ts
 * if (records.length >= BATCH_PATH_ROWS) predictionOutputs(bundle, records, 0, records.length, out);
 * ```
 */
export const BATCH_PATH_ROWS = 32;

/**
 * Scores `records[from..to)` (conformed to the bundle's signature) through the bundle's batch
 * record path (`predictProbaRecords`: no frame for a GBDT) into `out[from..to)`: the numbers
 * equal {@link predictionOutput}'s row by row.
 *
 * @example
 * ```ts
 * predictionOutputs(bundle, records, 0, records.length, out);
 * ```
 */
export function predictionOutputs(
  bundle: ModelBundle,
  records: readonly FrameRecord[],
  from: number,
  to: number,
  out: PredictionOutput[],
): void {
  const range = { checked: true, from, to };
  if (bundle.task === "regression") {
    const values = bundle.predictValueRecords(records, range);
    for (let i = from; i < to; i++) out[i] = { prediction: values[i - from]! };
    return;
  }
  const proba = bundle.predictProbaRecords(records, range);
  const k = bundle.classes.length;
  for (let i = from; i < to; i++)
    out[i] = classOutput(bundle.classes, bundle.task, proba, (i - from) * k);
}
