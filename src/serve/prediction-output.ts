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
  const proba = bundle.predictProbaRecord(record, { checked: true });
  const classes = bundle.classes;
  const probabilities: Record<string, number> = {};
  let best = 0;
  for (let c = 0; c < classes.length; c++) {
    probabilities[classes[c]!] = proba[c]!;
    if (proba[c]! > proba[best]!) best = c;
  }
  return {
    prediction: bundle.task === "binary" ? proba[1]! : classes[best]!,
    probabilities,
  };
}
