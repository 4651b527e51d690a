import {
  type Column,
  declareParams,
  type EstimatorState,
  type FitOptions,
  type FittedTransformer,
  type Frame,
  type FrameRecord,
  type ParamsInput,
  type ParamsOf,
  pairwiseSum,
  param,
  type StateLoader,
} from "../core/index.js";
import {
  expectState,
  type FitTransformResult,
  is,
  type OutputRecord,
  paramsState,
  requireColumns,
  stateField,
  TransformerEstimator,
} from "./base.js";
import { categoryIndex, type FittedCategories, fitCategories, fittedCodes } from "./categories.js";
import { frameOf } from "./fitted-columnwise.js";
import { recordCategory, requireRows } from "./input.js";
import { categoriesFromState, categoriesState } from "./one-hot-encoder.js";
import { encodeTarget, foldAssignment } from "./target-folds.js";

/**
 * The declared params of {@link TargetEncoder}: validation, defaults, docs and CLI parsing.
 *
 * @example
 * ```ts
 * targetEncoderParams.describe().map((p) => p.name);
 * ```
 */
export const targetEncoderParams = declareParams("TargetEncoder", {
  smooth: param.custom<"auto" | number>({
    default: "auto",
    doc: "Shrinkage towards the global target mean: 'auto' (empirical Bayes, per category) or a weight m ≥ 0.",
    constraint: "'auto' or a number ≥ 0",
    check: (v) => v === "auto" || (typeof v === "number" && Number.isFinite(v) && v >= 0),
    fromString: (t) => (t === "auto" ? t : Number(t)),
  }),
  targetType: param.enum(["auto", "binary", "continuous"] as const, {
    default: "auto",
    doc: "The target's type; 'auto' infers binary for two classes, continuous for other numbers.",
  }),
  cv: param.int({ default: 5, min: 2, doc: "Folds for cross-fitting the training output." }),
  shuffle: param.boolean({
    default: true,
    doc: "Shuffle rows before splitting folds (unshuffled folds equal scikit-learn's).",
  }),
  seed: param.optional(
    param.int({
      default: 0,
      doc: "Seed for the fold shuffle; falls back to the fit option seed, then 0.",
    }),
  ),
});

/** Validated {@link TargetEncoder} params. */
export type TargetEncoderParams = ParamsOf<typeof targetEncoderParams.specs>;

/**
 * Replaces each category with a smoothed mean of the target, as scikit-learn 1.3's
 * `TargetEncoder` (binary and continuous targets). `fit` learns encodings on all rows, used by
 * `transform` on new data; `fitTransform` (which Pipeline and ColumnTransformer call at fit)
 * returns cross-fitted values for the training rows, each encoded by the other folds, so that
 * the model does not see its own target leak through. With `smooth: "auto"` the weight of a
 * category's mean is `n·σ² / (n·σ² + s²/n)` (σ² the target variance, s² the category's sum of
 * squared deviations); with a number m it is `n / (n + m)`. Missing values are a category;
 * unseen categories get the target mean.
 *
 * @example
 * ```ts
 * const { fitted, output } = new TargetEncoder({ seed: 1 }).fitTransform(cats, frame.column("churn"));
 * fitted.transformRecord({ contract: "One year" }); // { contract: 0.11… }
 * ```
 */
export class TargetEncoder extends TransformerEstimator<TargetEncoderParams, FittedTargetEncoder> {
  constructor(params: ParamsInput<typeof targetEncoderParams.specs> = {}) {
    super("TargetEncoder", targetEncoderParams.parse(params));
  }

  protected rebuild(params: Readonly<Record<string, unknown>>): TargetEncoder {
    return new TargetEncoder(params);
  }

  /**
   * Learns the encoding of every category from all rows.
   *
   * @example
   * ```ts
   * new TargetEncoder().fit(cats, y);
   * ```
   */
  fit(x: Frame, y?: Column): FittedTargetEncoder {
    requireRows(x, this.type);
    const target = encodeTarget(y, this.params.targetType, this.type);
    const columns = x.entries().map(([name, column]) => fitCategories(column, name, this.type));
    const all = Int32Array.from({ length: x.nRows }, (_, i) => i);
    const encodings = columns.map((c) =>
      encodingsOf(
        fittedCodes(x, c, this.type),
        target.values,
        all,
        c.counts.length,
        this.params.smooth,
      ),
    );
    return new FittedTargetEncoder(
      x.columnNames,
      this.params,
      columns,
      encodings,
      mean(target.values, all),
    );
  }

  /**
   * Fits on all rows and returns cross-fitted output for the training rows.
   *
   * @example
   * ```ts
   * const { output } = new TargetEncoder({ shuffle: false }).fitTransform(cats, y);
   * ```
   */
  override fitTransform(
    x: Frame,
    y?: Column,
    options?: FitOptions,
  ): FitTransformResult<FittedTargetEncoder> {
    const fitted = this.fit(x, y);
    const target = encodeTarget(y, this.params.targetType, this.type);
    const { cv, shuffle, smooth } = this.params;
    const folds = foldAssignment(target, cv, shuffle, this.params.seed ?? options?.seed ?? 0);
    const trainOf = Array.from({ length: cv }, (_, f) =>
      Int32Array.from(indicesWhere(folds, (g) => g !== f)),
    );
    const columns = fitted.columns.map((c) => {
      const codes = fittedCodes(x, c, this.type);
      const out = new Float64Array(x.nRows);
      trainOf.forEach((train, f) => {
        const encodings = encodingsOf(codes, target.values, train, c.counts.length, smooth);
        for (let i = 0; i < out.length; i++)
          if (folds[i] === f) out[i] = encodings[codes[i] as number] as number;
      });
      return [c.name, out] as const;
    });
    return { fitted, output: frameOf(columns) };
  }
}

function indicesWhere(values: Int32Array, keep: (v: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (keep(values[i] as number)) out.push(i);
  return out;
}

/** `np.mean(y[rows])`: NumPy's pairwise sum of the gathered rows, over their count. */
function mean(y: Float64Array, rows: Int32Array): number {
  return pairwiseSum(Float64Array.from(rows, (i) => y[i] as number)) / rows.length;
}

/** The encoding of each category from the rows in `rows` (scikit-learn 1.3's formula). */
function encodingsOf(
  codes: Int32Array,
  y: Float64Array,
  rows: Int32Array,
  nCategories: number,
  smooth: "auto" | number,
): Float64Array {
  const yMean = mean(y, rows);
  const sums = new Float64Array(nCategories);
  const counts = new Float64Array(nCategories);
  for (const i of rows) {
    const c = codes[i] as number;
    if (c < 0) continue;
    sums[c] = (sums[c] as number) + (y[i] as number);
    counts[c] = (counts[c] as number) + 1;
  }
  const out = new Float64Array(nCategories);
  if (smooth !== "auto") {
    // A category with no rows in this fold gets the fold's mean, as scikit-learn 1.3 does;
    // with smooth 0 the formula would be 0 / 0.
    for (let c = 0; c < nCategories; c++) {
      const n = counts[c] as number;
      out[c] = n === 0 ? yMean : ((sums[c] as number) + smooth * yMean) / (n + smooth);
    }
    return out;
  }
  // np.var: the pairwise sum of squared deviations from the pairwise mean, over n.
  const squares = Float64Array.from(rows, (i) => {
    const d = (y[i] as number) - yMean;
    return d * d;
  });
  const yVariance = pairwiseSum(squares) / rows.length;
  const means = Float64Array.from(sums, (s, c) => s / (counts[c] as number));
  const deviations = new Float64Array(nCategories);
  for (const i of rows) {
    const c = codes[i] as number;
    if (c < 0) continue;
    const d = (y[i] as number) - (means[c] as number);
    deviations[c] = (deviations[c] as number) + d * d;
  }
  for (let c = 0; c < nCategories; c++) {
    const n = counts[c] as number;
    const lambda = (yVariance * n) / (yVariance * n + (deviations[c] as number) / n);
    // NaN when the category has no rows or neither the target nor the category varies.
    out[c] = Number.isNaN(lambda) ? yMean : lambda * (means[c] as number) + (1 - lambda) * yMean;
  }
  return out;
}

/**
 * A fitted {@link TargetEncoder}.
 *
 * @example
 * ```ts
 * fitted.targetMean;
 * ```
 */
export class FittedTargetEncoder implements FittedTransformer {
  readonly type = "TargetEncoder";
  readonly featureNamesIn: readonly string[];
  readonly columns: readonly FittedCategories[];
  readonly encodings: readonly Float64Array[];
  readonly targetMean: number;
  readonly #params: TargetEncoderParams;
  readonly #indexes: readonly ReadonlyMap<string, number>[];

  constructor(
    featureNamesIn: readonly string[],
    params: TargetEncoderParams,
    columns: readonly FittedCategories[],
    encodings: readonly Float64Array[],
    targetMean: number,
  ) {
    this.featureNamesIn = featureNamesIn;
    this.#params = params;
    this.columns = columns;
    this.encodings = encodings;
    this.targetMean = targetMean;
    this.#indexes = columns.map(categoryIndex);
  }

  /**
   * Encodes new data with the encodings learned on all training rows.
   *
   * @example
   * ```ts
   * fitted.transform(frame).numeric("contract");
   * ```
   */
  transform(x: Frame): Frame {
    requireColumns(x, this.featureNamesIn, this.type);
    return frameOf(
      this.columns.map((c, j) => {
        const codes = fittedCodes(x, c, this.type);
        const encodings = this.encodings[j] as Float64Array;
        const out = new Float64Array(codes.length);
        for (let i = 0; i < out.length; i++) {
          const code = codes[i] as number;
          out[i] = code < 0 ? this.targetMean : (encodings[code] as number);
        }
        return [c.name, out] as const;
      }),
    );
  }

  /**
   * Encodes one record.
   *
   * @example
   * ```ts
   * fitted.transformRecord({ contract: "Two year" });
   * ```
   */
  transformRecord(record: FrameRecord): OutputRecord {
    const out: OutputRecord = {};
    this.columns.forEach((c, j) => {
      const key = recordCategory(record, c.name, this.type);
      const code =
        key === null
          ? c.hasMissing
            ? c.categories.length
            : -1
          : (this.#indexes[j]?.get(key) ?? -1);
      out[c.name] =
        code < 0 ? this.targetMean : ((this.encodings[j] as Float64Array)[code] as number);
    });
    return out;
  }

  /**
   * The input names, unchanged.
   *
   * @example
   * ```ts
   * fitted.featureNamesOut();
   * ```
   */
  featureNamesOut(): string[] {
    return [...this.featureNamesIn];
  }

  /**
   * Serialises categories and encodings.
   *
   * @example
   * ```ts
   * fitted.toState();
   * ```
   */
  toState(): EstimatorState {
    return {
      type: this.type,
      version: 1,
      params: paramsState(this.#params),
      state: {
        featureNamesIn: [...this.featureNamesIn],
        ...categoriesState(this.columns),
        encodings: [...this.encodings],
        targetMean: this.targetMean,
      },
    };
  }
}

/**
 * Rebuilds a {@link FittedTargetEncoder} from `toState()` output.
 *
 * @example
 * ```ts
 * loadTargetEncoder(state, transformLoaders);
 * ```
 */
export const loadTargetEncoder: StateLoader<FittedTargetEncoder> = (state) => {
  expectState(state, "TargetEncoder", 1);
  return new FittedTargetEncoder(
    stateField(state, "featureNamesIn", is.strings),
    targetEncoderParams.parse(state.params),
    categoriesFromState(state),
    stateField(state, "encodings", is.float64s),
    stateField(state, "targetMean", is.number),
  );
};
