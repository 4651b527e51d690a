import type { StateLoader } from "../core/index.js";
import {
  declareParams,
  type Frame,
  type ParamsInput,
  type ParamsOf,
  param,
} from "../core/index.js";
import { expectState, is, stateField, TransformerEstimator } from "./base.js";
import { FittedColumnwise } from "./fitted-columnwise.js";
import { numericInput, requireRows } from "./input.js";
import { isConstantFeature, meanVariance } from "./stats.js";

/**
 * The declared params of {@link StandardScaler}: validation, defaults, docs and CLI parsing.
 *
 * @example
 * ```ts
 * standardScalerParams.describe().map((p) => p.name);
 * ```
 */
export const standardScalerParams = declareParams("StandardScaler", {
  withMean: param.boolean({ default: true, doc: "Subtract the mean of each column." }),
  withStd: param.boolean({
    default: true,
    doc: "Divide by the standard deviation of each column.",
  }),
});

/** Validated {@link StandardScaler} params. */
export type StandardScalerParams = ParamsOf<typeof standardScalerParams.specs>;

/**
 * Standardises numeric columns to zero mean and unit variance, as scikit-learn's
 * `StandardScaler`: `(x - mean) / std` with the population standard deviation. Sums are
 * NumPy's pairwise sums and the variance its corrected two-pass formula, so columns around 1e9
 * match to the last bits. A column constant up to rounding (scikit-learn's
 * `_is_constant_feature`) is only centred, so it comes out 0. NaN is ignored at fit and stays
 * NaN; fitting on 0 rows and ±Infinity anywhere are refused with a KeelError.
 *
 * @example
 * ```ts
 * const fitted = new StandardScaler().fit(frame.select(["tenure", "monthly_charges"]));
 * fitted.transform(frame).numeric("tenure");
 * ```
 */
export class StandardScaler extends TransformerEstimator<
  StandardScalerParams,
  FittedStandardScaler
> {
  constructor(params: ParamsInput<typeof standardScalerParams.specs> = {}) {
    super("StandardScaler", standardScalerParams.parse(params));
  }

  protected rebuild(params: Readonly<Record<string, unknown>>): StandardScaler {
    return new StandardScaler(params);
  }

  /**
   * Learns each column's mean and standard deviation.
   *
   * @example
   * ```ts
   * const fitted = new StandardScaler({ withMean: false }).fit(frame);
   * ```
   */
  fit(x: Frame): FittedStandardScaler {
    requireRows(x, this.type);
    const names = x.columnNames;
    const mean = new Float64Array(names.length);
    const scale = new Float64Array(names.length);
    names.forEach((name, j) => {
      const stats = meanVariance(numericInput(x, name, this.type));
      mean[j] = this.params.withMean ? stats.mean : 0;
      // A column constant up to rounding keeps scale 1, as scikit-learn's _handle_zeros_in_scale
      // with its constant mask: dividing by a rounding residue (1e-17) would turn 0 into ±1.
      const constant =
        Number.isNaN(stats.variance) || isConstantFeature(stats.variance, stats.mean, stats.count);
      scale[j] = !this.params.withStd || constant ? 1 : Math.sqrt(stats.variance);
    });
    return new FittedStandardScaler(names, this.params, mean, scale);
  }
}

/**
 * A fitted {@link StandardScaler}: `mean` and `scale` per column.
 *
 * @example
 * ```ts
 * fitted.mean[0]; fitted.scale[0];
 * ```
 */
export class FittedStandardScaler extends FittedColumnwise {
  readonly mean: Float64Array;
  readonly scale: Float64Array;

  constructor(
    featureNamesIn: readonly string[],
    params: StandardScalerParams,
    mean: Float64Array,
    scale: Float64Array,
  ) {
    super("StandardScaler", featureNamesIn, params);
    this.mean = mean;
    this.scale = scale;
  }

  protected transformColumn(j: number, values: Float64Array): Float64Array {
    const mean = this.mean[j] as number;
    const scale = this.scale[j] as number;
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = ((values[i] as number) - mean) / scale;
    return out;
  }

  protected transformValue(j: number, value: number): number {
    return (value - (this.mean[j] as number)) / (this.scale[j] as number);
  }

  protected fittedState() {
    return { mean: this.mean, scale: this.scale };
  }
}

/**
 * Rebuilds a {@link FittedStandardScaler} from `toState()` output.
 *
 * @example
 * ```ts
 * const fitted = loadStandardScaler(state, transformLoaders);
 * ```
 */
export const loadStandardScaler: StateLoader<FittedStandardScaler> = (state) => {
  expectState(state, "StandardScaler", 1);
  return new FittedStandardScaler(
    stateField(state, "featureNamesIn", is.strings),
    standardScalerParams.parse(state.params),
    stateField(state, "mean", is.float64),
    stateField(state, "scale", is.float64),
  );
};
