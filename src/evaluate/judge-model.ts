import type { Estimator, FittedModel, Frame } from "../core/index.js";
import type { Scorer } from "./predictions.js";
import { type RowFingerprint, trainingOverlap } from "./training-overlap.js";
import type { ModelToJudge } from "./validate-model.js";

/**
 * What a model records about its training data (a model bundle's lineage, structurally).
 *
 * @example
 * ```ts
 * const lineage: TrainingLineage = { dataHash: "3f2a…", trainedOn: "telco.csv" };
 * ```
 */
export interface TrainingLineage {
  readonly dataHash?: string;
  readonly trainedOn?: string;
  readonly rows?: RowFingerprint;
}

/**
 * Builds the {@link ModelToJudge} that `validateModel` takes for a fitted model: its recipe
 * (or why it has none), and how much of the evaluation data it was trained on, found from its
 * lineage: the data file's hash (`dataHash` of the evaluation file, as `datasetVersion` gives
 * it) against the training data's, else the row fingerprint.
 *
 * @example
 * ```ts
 * const candidate = judgeModel({ model: bundle, lineage: bundle.lineage, ...bundleRecipe(bundle), columns }, holdout, await datasetVersion(file));
 * ```
 */
export function judgeModel(
  input: {
    readonly model: Scorer;
    readonly lineage: TrainingLineage;
    readonly recipe?: Estimator<FittedModel>;
    readonly noRecipe?: string;
    readonly earlyStopping?: boolean;
    readonly columns?: readonly string[];
  },
  frame: Frame,
  dataHash: string,
): ModelToJudge {
  return {
    model: input.model,
    ...(input.recipe !== undefined
      ? { recipe: input.recipe }
      : { noRecipe: input.noRecipe ?? "the model records no recipe to refit" }),
    earlyStopping: input.earlyStopping ?? false,
    ...(input.columns === undefined ? {} : { columns: input.columns }),
    ...seenOf(input.lineage, frame, dataHash),
  };
}

function seenOf(
  lineage: TrainingLineage,
  frame: Frame,
  dataHash: string,
): { seen?: { share: number; how: string } } {
  if (lineage.dataHash === dataHash) {
    return {
      seen: {
        share: 1,
        how: `the data file's SHA-256 equals the training data hash in the bundle's lineage${lineage.trainedOn ? ` (trained on ${lineage.trainedOn})` : ""}`,
      },
    };
  }
  if (lineage.rows) {
    const overlap = trainingOverlap(lineage.rows, frame);
    return { seen: { share: overlap.share, how: overlap.how } };
  }
  if (lineage.dataHash) {
    return {
      seen: {
        share: 0,
        how: "the data file's hash differs from the training data's; the bundle records no row fingerprint to check for partial overlap",
      },
    };
  }
  return {};
}
