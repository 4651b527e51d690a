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
import { minMax, ZERO_SCALE } from "./stats.js";

/**
 * The declared params of {@link MinMaxScaler}: validation, defaults, docs and CLI parsing.
 *
 * @example
 * ```ts
 * minMaxScalerParams.describe().map((p) => p.name);
 * ```
 */
export const minMaxScalerParams = declareParams("MinMaxScaler", {
  featureRange: param.numberPair({
    default: [0, 1],
    doc: "The range [low, high] the training minimum and maximum map to.",
  }),
  clip: param.boolean({
    default: false,
    doc: "Clip transformed values to featureRange (values outside the training range otherwise extrapolate).",
  }),
});

/** Validated {@link MinMaxScaler} params. */
export type MinMaxScalerParams = ParamsOf<typeof minMaxScalerParams.specs>;

/**
 * Scales each numeric column linearly so that its training minimum and maximum land on
 * `featureRange`, as scikit-learn's `MinMaxScaler` (`x * scale + min`). A constant column maps
 * to the low end. NaN is ignored at fit and stays NaN; fitting on 0 rows and ±Infinity are
 * refused with a KeelError, as scikit-learn refuses them.
 *
 * @example
 * ```ts
 * const fitted = new MinMaxScaler({ featureRange: [-1, 1] }).fit(frame.select(["tenure"]));
 * ```
 */
export class MinMaxScaler extends TransformerEstimator<MinMaxScalerParams, FittedMinMaxScaler> {
  constructor(params: ParamsInput<typeof minMaxScalerParams.specs> = {}) {
    super("MinMaxScaler", minMaxScalerParams.parse(params));
  }

  protected rebuild(params: Readonly<Record<string, unknown>>): MinMaxScaler {
    return new MinMaxScaler(params);
  }

  /**
   * Learns each column's minimum and maximum.
   *
   * @example
   * ```ts
   * new MinMaxScaler().fit(frame);
   * ```
   */
  fit(x: Frame): FittedMinMaxScaler {
    requireRows(x, this.type);
    const [low, high] = this.params.featureRange;
    const names = x.columnNames;
    const scale = new Float64Array(names.length);
    const offset = new Float64Array(names.length);
    names.forEach((name, j) => {
      const { min, max } = minMax(numericInput(x, name, this.type));
      const range = max - min;
      scale[j] = (high - low) / (range < ZERO_SCALE ? 1 : range);
      offset[j] = low - min * (scale[j] as number);
    });
    return new FittedMinMaxScaler(names, this.params, scale, offset);
  }
}

/**
 * A fitted {@link MinMaxScaler}: `x * scale[j] + offset[j]`.
 *
 * @example
 * ```ts
 * fitted.scale[0];
 * ```
 */
export class FittedMinMaxScaler extends FittedColumnwise {
  readonly scale: Float64Array;
  readonly offset: Float64Array;
  readonly #clip: readonly [number, number] | undefined;

  constructor(
    featureNamesIn: readonly string[],
    params: MinMaxScalerParams,
    scale: Float64Array,
    offset: Float64Array,
  ) {
    super("MinMaxScaler", featureNamesIn, params);
    this.scale = scale;
    this.offset = offset;
    this.#clip = params.clip ? params.featureRange : undefined;
  }

  protected transformColumn(j: number, values: Float64Array): Float64Array {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = this.transformValue(j, values[i] as number);
    return out;
  }

  protected transformValue(j: number, value: number): number {
    const v = value * (this.scale[j] as number) + (this.offset[j] as number);
    return this.#clip === undefined ? v : Math.min(Math.max(v, this.#clip[0]), this.#clip[1]);
  }

  protected fittedState() {
    return { scale: this.scale, offset: this.offset };
  }
}

/**
 * Rebuilds a {@link FittedMinMaxScaler} from `toState()` output.
 *
 * @example
 * ```ts
 * loadMinMaxScaler(state, transformLoaders);
 * ```
 */
export const loadMinMaxScaler: StateLoader<FittedMinMaxScaler> = (state) => {
  expectState(state, "MinMaxScaler", 1);
  return new FittedMinMaxScaler(
    stateField(state, "featureNamesIn", is.strings),
    minMaxScalerParams.parse(state.params),
    stateField(state, "scale", is.float64),
    stateField(state, "offset", is.float64),
  );
};
