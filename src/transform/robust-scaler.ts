import {
  declareParams,
  type Frame,
  type ParamsInput,
  type ParamsOf,
  param,
  type StateLoader,
} from "../core/index.js";
import { expectState, is, stateField, TransformerEstimator } from "./base.js";
import { FittedColumnwise } from "./fitted-columnwise.js";
import { numericInput, requireRows } from "./input.js";
import { finiteSorted, medianSorted, percentileSorted, ZERO_SCALE } from "./stats.js";

/**
 * The declared params of {@link RobustScaler}: validation, defaults, docs and CLI parsing.
 *
 * @example
 * ```ts
 * robustScalerParams.describe().map((p) => p.name);
 * ```
 */
export const robustScalerParams = declareParams("RobustScaler", {
  withCentering: param.boolean({ default: true, doc: "Subtract the median of each column." }),
  withScaling: param.boolean({
    default: true,
    doc: "Divide by the interquantile range of each column.",
  }),
  quantileRange: param.numberPair({
    default: [25, 75],
    min: 0,
    max: 100,
    doc: "The percentiles [low, high] whose distance is the scale.",
  }),
});

/** Validated {@link RobustScaler} params. */
export type RobustScalerParams = ParamsOf<typeof robustScalerParams.specs>;

/**
 * Centres on the median and divides by an interquantile range, as scikit-learn's
 * `RobustScaler`: robust to outliers. Percentiles use NumPy's linear interpolation; NaN is
 * ignored at fit and stays NaN; a zero range leaves the column unscaled. Fitting on 0 rows and
 * ±Infinity are refused with a KeelError, as scikit-learn refuses them.
 *
 * @example
 * ```ts
 * new RobustScaler({ quantileRange: [10, 90] }).fit(frame.select(["total_charges"]));
 * ```
 */
export class RobustScaler extends TransformerEstimator<RobustScalerParams, FittedRobustScaler> {
  constructor(params: ParamsInput<typeof robustScalerParams.specs> = {}) {
    super("RobustScaler", robustScalerParams.parse(params));
  }

  protected rebuild(params: Readonly<Record<string, unknown>>): RobustScaler {
    return new RobustScaler(params);
  }

  /**
   * Learns each column's median and interquantile range.
   *
   * @example
   * ```ts
   * new RobustScaler().fit(frame);
   * ```
   */
  fit(x: Frame): FittedRobustScaler {
    requireRows(x, this.type);
    const names = x.columnNames;
    const center = new Float64Array(names.length);
    const scale = new Float64Array(names.length).fill(1);
    const [qLow, qHigh] = this.params.quantileRange;
    names.forEach((name, j) => {
      const sorted = finiteSorted(numericInput(x, name, this.type));
      if (this.params.withCentering) center[j] = medianSorted(sorted);
      if (this.params.withScaling) {
        const range = percentileSorted(sorted, qHigh) - percentileSorted(sorted, qLow);
        scale[j] = range < ZERO_SCALE || Number.isNaN(range) ? 1 : range;
      }
    });
    return new FittedRobustScaler(names, this.params, center, scale);
  }
}

/**
 * A fitted {@link RobustScaler}: `(x - center[j]) / scale[j]`.
 *
 * @example
 * ```ts
 * fitted.center[0];
 * ```
 */
export class FittedRobustScaler extends FittedColumnwise {
  readonly center: Float64Array;
  readonly scale: Float64Array;

  constructor(
    featureNamesIn: readonly string[],
    params: RobustScalerParams,
    center: Float64Array,
    scale: Float64Array,
  ) {
    super("RobustScaler", featureNamesIn, params);
    this.center = center;
    this.scale = scale;
  }

  protected transformColumn(j: number, values: Float64Array): Float64Array {
    const center = this.center[j] as number;
    const scale = this.scale[j] as number;
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = ((values[i] as number) - center) / scale;
    return out;
  }

  protected transformValue(j: number, value: number): number {
    return (value - (this.center[j] as number)) / (this.scale[j] as number);
  }

  protected fittedState() {
    return { center: this.center, scale: this.scale };
  }
}

/**
 * Rebuilds a {@link FittedRobustScaler} from `toState()` output.
 *
 * @example
 * ```ts
 * loadRobustScaler(state, transformLoaders);
 * ```
 */
export const loadRobustScaler: StateLoader<FittedRobustScaler> = (state) => {
  expectState(state, "RobustScaler", 1);
  return new FittedRobustScaler(
    stateField(state, "featureNamesIn", is.strings),
    robustScalerParams.parse(state.params),
    stateField(state, "center", is.float64),
    stateField(state, "scale", is.float64),
  );
};
