import type { FittedModel, Frame } from "../core/index.js";
import { type BatchPredictions, FittedGbdt } from "./gbdt/gbdt-model.js";

/**
 * A batch's predictions: one forest walk for a GBDT, `predictProba` and `predict` otherwise.
 *
 * @example
 * ```ts
 * const { proba, predicted } = predictBatch(model, x);
 * ```
 */
export function predictBatch(model: FittedModel, x: Frame): BatchPredictions {
  if (model instanceof FittedGbdt) return model.predictBatch(x);
  return {
    ...(model.task === "regression" ? {} : { proba: model.predictProba(x) }),
    predicted: model.predict(x),
  };
}
