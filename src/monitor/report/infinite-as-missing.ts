import { type Frame, numericColumn } from "../../core/index.js";

/**
 * The frame with ±Infinity in numeric columns replaced by NaN (missing), and how many were
 * replaced: how the drift tests see such values (as Evidently does), applied before a model
 * scores a window for the prediction shift, so that a few infinite inputs give a report rather
 * than a scoring error. Columns without infinities are shared, not copied.
 *
 * @example
 * ```ts
 * const { frame, replaced } = infiniteAsMissing(window);
 * if (replaced > 0) console.warn(`${replaced} infinite values scored as missing`);
 * ```
 */
export function infiniteAsMissing(frame: Frame): { frame: Frame; replaced: number } {
  let replaced = 0;
  let out = frame;
  for (const [name, column] of frame.entries()) {
    if (column.kind !== "numeric") continue;
    const values = column.values;
    let copy: Float64Array | undefined;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v !== Number.POSITIVE_INFINITY && v !== Number.NEGATIVE_INFINITY) continue;
      copy ??= Float64Array.from(values);
      copy[i] = Number.NaN;
      replaced++;
    }
    if (copy) out = out.withColumn(name, numericColumn(copy));
  }
  return { frame: out, replaced };
}
