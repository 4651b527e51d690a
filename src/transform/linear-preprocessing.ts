import { ColumnTransformer } from "./column-transformer.js";
import { OneHotEncoder } from "./one-hot-encoder.js";
import { Pipeline } from "./pipeline.js";
import { selectCategorical, selectNumeric } from "./selectors.js";
import { SimpleImputer } from "./simple-imputer.js";
import { StandardScaler } from "./standard-scaler.js";

/**
 * The preprocessing `keel train` puts in front of linear models: median-impute and standardise
 * numbers; most-frequent-impute and one-hot categories (unknown categories ignored); other
 * columns dropped. One definition, so that tests and the CLI train exactly the same recipe.
 *
 * @example
 * ```ts
 * const preprocessor = await linearPreprocessing().fit(frame);
 * ```
 */
export function linearPreprocessing(): ColumnTransformer {
  return new ColumnTransformer(
    [
      [
        "num",
        new Pipeline([
          ["impute", new SimpleImputer({ strategy: "median" })],
          ["scale", new StandardScaler()],
        ]),
        selectNumeric(),
      ],
      [
        "cat",
        new Pipeline([
          ["impute", new SimpleImputer({ strategy: "mostFrequent" })],
          ["onehot", new OneHotEncoder({ handleUnknown: "ignore" })],
        ]),
        selectCategorical(),
      ],
    ],
    { remainder: "drop" },
  );
}
