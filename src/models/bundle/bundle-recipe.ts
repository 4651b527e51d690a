import type { Estimator, FittedModel } from "../../core/index.js";
import { GbdtClassifier, GbdtRegressor } from "../gbdt/index.js";
import type { ModelBundle } from "./model-bundle.js";

/**
 * The unfitted recipe that trained a bundle, when it can be rebuilt from the bundle's record
 * (GBDT bundles trained by keel: the estimator from the recorded params), else why not; and
 * whether the recipe stops early on a validation split. Evaluation refits it for out-of-fold
 * predictions (see the evaluate module's `judgeModel` and `validateModel`).
 *
 * @example
 * ```ts
 * const { recipe, noRecipe, earlyStopping } = bundleRecipe(bundle);
 * ```
 */
export function bundleRecipe(bundle: ModelBundle): {
  recipe?: Estimator<FittedModel>;
  noRecipe?: string;
  earlyStopping: boolean;
} {
  const params = bundle.lineage.params;
  const type = bundle.model.type;
  const importedFrom = bundle.lineage.importedFrom;
  const earlyStopping =
    params.earlyStoppingRounds !== undefined && params.earlyStoppingRounds !== null;
  const noRecipe =
    importedFrom !== undefined
      ? `an imported model (${importedFrom}) has no keel training recipe to refit`
      : bundle.preprocessor !== undefined
        ? `a ${type} bundle with a fitted preprocessor records no unfitted recipe to refit yet`
        : type !== "GbdtClassifier" && type !== "GbdtRegressor"
          ? `a ${type} bundle cannot be refitted from its record yet`
          : undefined;
  if (noRecipe !== undefined) return { noRecipe, earlyStopping };
  return {
    recipe: type === "GbdtClassifier" ? new GbdtClassifier(params) : new GbdtRegressor(params),
    earlyStopping,
  };
}
