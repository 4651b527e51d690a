import {
  declareParams,
  type EstimatorState,
  type FittedTransformer,
  type Frame,
  type FrameRecord,
  type ParamsInput,
  type ParamsOf,
  param,
  type StateLoader,
} from "../core/index.js";
import {
  expectState,
  is,
  type OutputRecord,
  paramsState,
  requireColumns,
  stateField,
  TransformerEstimator,
} from "./base.js";
import { frameOf } from "./fitted-columnwise.js";
import { numericInput, recordNumber, requireRows } from "./input.js";
import { finiteSorted, linspace, percentileSorted } from "./stats.js";

/**
 * The declared params of {@link KBinsDiscretizer}: validation, defaults, docs and CLI parsing.
 *
 * @example
 * ```ts
 * kbinsDiscretizerParams.describe().map((p) => p.name);
 * ```
 */
export const kbinsDiscretizerParams = declareParams("KBinsDiscretizer", {
  nBins: param.int({
    default: 5,
    min: 2,
    doc: "The number of bins per column.",
    search: { low: 2, high: 20 },
  }),
  strategy: param.enum(["uniform", "quantile"] as const, {
    default: "quantile",
    doc: "Equal-width bins, or bins holding equal numbers of training values.",
  }),
  encode: param.enum(["ordinal", "onehot"] as const, {
    default: "onehot",
    doc: "Output the bin index, or one 0/1 column per bin (`<col>_<k>.0`).",
  }),
});

/** Validated {@link KBinsDiscretizer} params. */
export type KBinsDiscretizerParams = ParamsOf<typeof kbinsDiscretizerParams.specs>;

/**
 * Bins numeric columns, as scikit-learn's `KBinsDiscretizer` (strategies `uniform` and
 * `quantile`, without subsampling). Quantile edges closer than 1e-8 are merged, so a column
 * may get fewer bins; a constant column gets one. A value goes to the bin whose lower edge is
 * the largest inner edge ≤ it (scikit-learn 1.2.1's `searchsorted(..., side="right")`), so a
 * value on an edge opens the upper bin. NaN, which scikit-learn rejects, gives NaN (ordinal)
 * or all zeros (onehot); ±Infinity and fitting on 0 rows are refused with a KeelError.
 *
 * @example
 * ```ts
 * const fitted = new KBinsDiscretizer({ nBins: 4, encode: "ordinal" }).fit(frame.select(["tenure"]));
 * fitted.binEdges[0]; // Float64Array of 5 edges
 * ```
 */
export class KBinsDiscretizer extends TransformerEstimator<
  KBinsDiscretizerParams,
  FittedKBinsDiscretizer
> {
  constructor(params: ParamsInput<typeof kbinsDiscretizerParams.specs> = {}) {
    super("KBinsDiscretizer", kbinsDiscretizerParams.parse(params));
  }

  protected rebuild(params: Readonly<Record<string, unknown>>): KBinsDiscretizer {
    return new KBinsDiscretizer(params);
  }

  /**
   * Learns the bin edges of every column.
   *
   * @example
   * ```ts
   * new KBinsDiscretizer({ strategy: "uniform" }).fit(frame);
   * ```
   */
  fit(x: Frame): FittedKBinsDiscretizer {
    requireRows(x, this.type);
    const { nBins, strategy } = this.params;
    const edges = x.columnNames.map((name) => {
      const sorted = finiteSorted(numericInput(x, name, this.type));
      const min = sorted[0] ?? Number.NaN;
      const max = sorted[sorted.length - 1] ?? Number.NaN;
      if (!(max > min)) return Float64Array.of(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
      if (strategy === "uniform") return linspace(min, max, nBins + 1);
      const raw = Array.from(linspace(0, 100, nBins + 1), (q) => percentileSorted(sorted, q));
      return Float64Array.from(
        raw.filter((edge, k) => k === 0 || edge - (raw[k - 1] as number) > 1e-8),
      );
    });
    return new FittedKBinsDiscretizer(x.columnNames, this.params, edges);
  }
}

/**
 * A fitted {@link KBinsDiscretizer}.
 *
 * @example
 * ```ts
 * fitted.transform(frame);
 * ```
 */
export class FittedKBinsDiscretizer implements FittedTransformer {
  readonly type = "KBinsDiscretizer";
  readonly featureNamesIn: readonly string[];
  readonly binEdges: readonly Float64Array[];
  readonly #params: KBinsDiscretizerParams;

  constructor(
    featureNamesIn: readonly string[],
    params: KBinsDiscretizerParams,
    binEdges: readonly Float64Array[],
  ) {
    this.featureNamesIn = featureNamesIn;
    this.#params = params;
    this.binEdges = binEdges;
  }

  /** The number of bins of column `j`. */
  #nBins(j: number): number {
    return (this.binEdges[j]?.length ?? 2) - 1;
  }

  /**
   * The bin of one value, as scikit-learn 1.2's `searchsorted(edges[1:-1], x, side="right")`:
   * the number of inner edges ≤ the value, so a value exactly on an edge goes to the upper bin
   * and one just below it stays in the lower bin (no tolerance is added).
   */
  #bin(j: number, value: number): number {
    if (Number.isNaN(value)) return Number.NaN;
    const edges = this.binEdges[j] as Float64Array;
    let lo = 1;
    let hi = edges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((edges[mid] as number) <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /**
   * Bins every fitted column.
   *
   * @example
   * ```ts
   * fitted.transform(frame).columnNames;
   * ```
   */
  transform(x: Frame): Frame {
    requireColumns(x, this.featureNamesIn, this.type);
    const columns: (readonly [string, Float64Array])[] = [];
    this.featureNamesIn.forEach((name, j) => {
      const values = numericInput(x, name, this.type);
      const bins = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) bins[i] = this.#bin(j, values[i] as number);
      if (this.#params.encode === "ordinal") {
        columns.push([name, bins]);
        return;
      }
      const blocks = Array.from({ length: this.#nBins(j) }, () => new Float64Array(values.length));
      for (let i = 0; i < bins.length; i++) {
        const b = bins[i] as number;
        if (!Number.isNaN(b)) (blocks[b] as Float64Array)[i] = 1;
      }
      blocks.forEach((block, k) => {
        columns.push([binName(name, k), block]);
      });
    });
    return frameOf(columns);
  }

  /**
   * Bins one record.
   *
   * @example
   * ```ts
   * fitted.transformRecord({ tenure: 12 });
   * ```
   */
  transformRecord(record: FrameRecord): OutputRecord {
    const out: OutputRecord = {};
    this.featureNamesIn.forEach((name, j) => {
      const b = this.#bin(j, recordNumber(record, name, this.type));
      if (this.#params.encode === "ordinal") out[name] = Number.isNaN(b) ? null : b;
      else for (let k = 0; k < this.#nBins(j); k++) out[binName(name, k)] = k === b ? 1 : 0;
    });
    return out;
  }

  /**
   * Input names (ordinal) or `<col>_<k>.0` per bin (onehot), as scikit-learn names them.
   *
   * @example
   * ```ts
   * fitted.featureNamesOut(); // ["tenure_0.0", "tenure_1.0", …]
   * ```
   */
  featureNamesOut(): string[] {
    if (this.#params.encode === "ordinal") return [...this.featureNamesIn];
    return this.featureNamesIn.flatMap((name, j) =>
      Array.from({ length: this.#nBins(j) }, (_, k) => binName(name, k)),
    );
  }

  /**
   * Serialises the bin edges.
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
      state: { featureNamesIn: [...this.featureNamesIn], binEdges: [...this.binEdges] },
    };
  }
}

function binName(name: string, k: number): string {
  return `${name}_${k}.0`;
}

/**
 * Rebuilds a {@link FittedKBinsDiscretizer} from `toState()` output.
 *
 * @example
 * ```ts
 * loadKBinsDiscretizer(state, transformLoaders);
 * ```
 */
export const loadKBinsDiscretizer: StateLoader<FittedKBinsDiscretizer> = (state) => {
  expectState(state, "KBinsDiscretizer", 1);
  return new FittedKBinsDiscretizer(
    stateField(state, "featureNamesIn", is.strings),
    kbinsDiscretizerParams.parse(state.params),
    stateField(state, "binEdges", is.float64s),
  );
};
