import {
  type EstimatorState,
  type FittedTransformer,
  Frame,
  type FrameRecord,
  numericColumn,
  type StateValue,
} from "../core/index.js";
import {
  type OutputRecord,
  paramsState,
  RecordWritingTransformer,
  requireColumns,
} from "./base.js";
import { numericInput, recordNumber } from "./input.js";

/**
 * The shared shape of fitted numeric transformers that map each input column to one output
 * column of the same name (the scalers). Subclasses supply the column kernel and the scalar
 * kernel; both must use the same arithmetic so that `transformRecord` equals `transform`.
 *
 * @example
 * ```ts
 * class FittedNegate extends FittedColumnwise {
 *   protected transformColumn(_j: number, v: Float64Array) { return v.map((x) => -x); }
 *   protected transformValue(_j: number, x: number) { return -x; }
 *   protected fittedState() { return {}; }
 * }
 * ```
 */
export abstract class FittedColumnwise
  extends RecordWritingTransformer
  implements FittedTransformer
{
  readonly type: string;
  readonly featureNamesIn: readonly string[];
  protected readonly params: object;

  protected constructor(type: string, featureNamesIn: readonly string[], params: object) {
    super();
    this.type = type;
    this.featureNamesIn = featureNamesIn;
    this.params = params;
  }

  /** Transforms column `j` (all rows). */
  protected abstract transformColumn(j: number, values: Float64Array): Float64Array;
  /** Transforms one value of column `j`, with exactly the arithmetic of `transformColumn`. */
  protected abstract transformValue(j: number, value: number): number;
  /** The fitted statistics, for {@link toState}. */
  protected abstract fittedState(): { [key: string]: StateValue };

  /**
   * Transforms every fitted column; other columns of `x` are ignored.
   *
   * @example
   * ```ts
   * fitted.transform(frame).numeric("tenure");
   * ```
   */
  transform(x: Frame): Frame {
    requireColumns(x, this.featureNamesIn, this.type);
    return frameOf(
      this.featureNamesIn.map((name, j) => [
        name,
        this.transformColumn(j, numericInput(x, name, this.type)),
      ]),
    );
  }

  /**
   * Writes one record's outputs into `out` under `names[offset + j]` (see RecordWriter).
   *
   * @example
   * ```ts
   * fitted.writeRecord({ tenure: 12 }, out, ["num__tenure"], 0);
   * ```
   */
  writeRecord(
    record: FrameRecord,
    out: OutputRecord,
    names: readonly string[],
    offset: number,
  ): void {
    const inputs = this.featureNamesIn;
    for (let j = 0; j < inputs.length; j++) {
      const v = this.transformValue(j, recordNumber(record, inputs[j] as string, this.type));
      out[names[offset + j] as string] = !Number.isNaN(v) ? v : null;
    }
  }

  /**
   * The output names: the input names, unchanged.
   *
   * @example
   * ```ts
   * fitted.featureNamesOut(); // ["tenure", "monthly_charges"]
   * ```
   */
  featureNamesOut(): string[] {
    return [...this.featureNamesIn];
  }

  /**
   * The JSON-able state that the matching loader turns back into an identical object.
   *
   * @example
   * ```ts
   * const again = loadFitted(fitted.toState(), transformLoaders);
   * ```
   */
  toState(): EstimatorState {
    return {
      type: this.type,
      version: 1,
      params: paramsState(this.params),
      state: { featureNamesIn: [...this.featureNamesIn], ...this.fittedState() },
    };
  }
}

/**
 * A frame of numeric columns from `[name, values]` pairs.
 *
 * @example
 * ```ts
 * frameOf([["a", Float64Array.of(1)]]);
 * ```
 */
export function frameOf(columns: readonly (readonly [string, Float64Array])[]): Frame {
  return Frame.fromColumns(columns.map(([n, v]) => [n, numericColumn(v)] as const));
}
