import {
  cellAt,
  declareParams,
  describeValue,
  type EstimatorState,
  type FittedTransformer,
  type Frame,
  type FrameRecord,
  KeelError,
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
import {
  categoryIndex,
  type FittedCategories,
  fitCategories,
  fittedCodes,
  unknownCategory,
} from "./categories.js";
import { frameOf } from "./fitted-columnwise.js";
import { recordCategory, requireRows } from "./input.js";
import { categoriesFromState, categoriesState } from "./one-hot-encoder.js";

const numberOrNaN = (doc: string, fallback: number) =>
  param.custom<number>({
    default: fallback,
    doc,
    constraint: "a number (NaN allowed)",
    check: (v) => typeof v === "number",
    fromString: (t) => (t.trim().toLowerCase() === "nan" ? Number.NaN : Number(t)),
  });

/**
 * The declared params of {@link OrdinalEncoder}: validation, defaults, docs and CLI parsing.
 *
 * @example
 * ```ts
 * ordinalEncoderParams.describe().map((p) => p.name);
 * ```
 */
export const ordinalEncoderParams = declareParams("OrdinalEncoder", {
  handleUnknown: param.enum(["error", "useEncodedValue"] as const, {
    default: "error",
    doc: "What an unseen category does at transform: raise, or encode as unknownValue.",
  }),
  unknownValue: numberOrNaN(
    "The code of unseen categories when handleUnknown is 'useEncodedValue'.",
    Number.NaN,
  ),
  encodedMissingValue: numberOrNaN("The code of missing values (seen at fit).", Number.NaN),
});

/** Validated {@link OrdinalEncoder} params. */
export type OrdinalEncoderParams = ParamsOf<typeof ordinalEncoderParams.specs>;

const UNKNOWN_HINT =
  "Set handleUnknown: 'useEncodedValue' with an unknownValue to encode unseen categories.";

/**
 * Encodes each category as its index in the sorted categories (0, 1, 2, …), as scikit-learn's
 * `OrdinalEncoder`. A missing value seen at fit becomes `encodedMissingValue` (NaN by
 * default); an unseen category (a missing value unseen at fit included) raises or becomes
 * `unknownValue`. Categories sort as Python sorts them (numbers by value, strings by code
 * point). As in scikit-learn, `unknownValue` or `encodedMissingValue` equal to a code a seen
 * category has (0 … n−1, the missing category counted) is refused at fit: the two would be
 * indistinguishable.
 *
 * @example
 * ```ts
 * const fitted = new OrdinalEncoder({ handleUnknown: "useEncodedValue", unknownValue: -1 }).fit(cats);
 * fitted.transformRecord({ contract: "Two year" }); // { contract: 2 }
 * ```
 */
export class OrdinalEncoder extends TransformerEstimator<
  OrdinalEncoderParams,
  FittedOrdinalEncoder
> {
  constructor(params: ParamsInput<typeof ordinalEncoderParams.specs> = {}) {
    super("OrdinalEncoder", ordinalEncoderParams.parse(params));
  }

  protected rebuild(params: Readonly<Record<string, unknown>>): OrdinalEncoder {
    return new OrdinalEncoder(params);
  }

  /**
   * Learns the sorted categories of every column.
   *
   * @example
   * ```ts
   * new OrdinalEncoder().fit(frame.select(["contract"]));
   * ```
   */
  fit(x: Frame): FittedOrdinalEncoder {
    requireRows(x, this.type);
    const columns = x.entries().map(([name, column]) => fitCategories(column, name, this.type));
    const { handleUnknown, unknownValue, encodedMissingValue } = this.params;
    if (handleUnknown === "useEncodedValue") {
      refuseCollision(this.type, "unknownValue", unknownValue, columns);
    }
    refuseCollision(
      this.type,
      "encodedMissingValue",
      encodedMissingValue,
      columns.filter((c) => c.hasMissing),
    );
    return new FittedOrdinalEncoder(x.columnNames, this.params, columns);
  }
}

/**
 * Refuses a code that a seen category already has, as scikit-learn does for `unknown_value`
 * and `encoded_missing_value`: otherwise an unseen or missing value would be indistinguishable
 * from the category with that code. Codes run 0..n−1 over the categories, the missing one
 * included (scikit-learn counts it), so the check is 0 ≤ code < n.
 */
function refuseCollision(
  owner: string,
  param: "unknownValue" | "encodedMissingValue",
  code: number,
  columns: readonly FittedCategories[],
): void {
  const clashes = columns.filter((c) => {
    const n = c.categories.length + (c.hasMissing ? 1 : 0);
    return code >= 0 && code < n;
  });
  if (clashes.length === 0) return;
  const first = clashes[0] as FittedCategories;
  const taken = code < first.categories.length ? describeValue(first.categories[code]) : "missing";
  throw new KeelError(
    "KEEL_ERR_INVALID_PARAM",
    `${owner}: ${param} = ${code} is already the code of category ${taken} in column '${first.name}'${clashes.length > 1 ? ` (and ${clashes.length - 1} more column(s))` : ""}; use a code outside 0..${first.categories.length + (first.hasMissing ? 1 : 0) - 1}, such as -1, or NaN.`,
    {
      details: {
        estimator: owner,
        param,
        value: code,
        columns: clashes.map((c) => c.name),
        expected: "a code no seen category uses (negative, ≥ the number of categories, or NaN)",
      },
    },
  );
}

/**
 * A fitted {@link OrdinalEncoder}.
 *
 * @example
 * ```ts
 * fitted.transform(frame).numeric("contract");
 * ```
 */
export class FittedOrdinalEncoder implements FittedTransformer {
  readonly type = "OrdinalEncoder";
  readonly featureNamesIn: readonly string[];
  readonly #params: OrdinalEncoderParams;
  readonly #columns: readonly FittedCategories[];
  readonly #indexes: readonly ReadonlyMap<string, number>[];

  constructor(
    featureNamesIn: readonly string[],
    params: OrdinalEncoderParams,
    columns: readonly FittedCategories[],
  ) {
    this.featureNamesIn = featureNamesIn;
    this.#params = params;
    this.#columns = columns;
    this.#indexes = columns.map(categoryIndex);
  }

  /**
   * Encodes every fitted column.
   *
   * @example
   * ```ts
   * fitted.transform(frame);
   * ```
   */
  transform(x: Frame): Frame {
    requireColumns(x, this.featureNamesIn, this.type);
    return frameOf(
      this.#columns.map((fitted) => {
        const codes = fittedCodes(x, fitted, this.type);
        const out = new Float64Array(codes.length);
        for (let i = 0; i < codes.length; i++) {
          const code = codes[i] as number;
          if (code < 0 && this.#params.handleUnknown === "error") {
            const value = cellAt(x.column(fitted.name), i);
            throw unknownCategory(
              this.type,
              fitted,
              value === null ? null : String(value),
              i,
              UNKNOWN_HINT,
            );
          }
          out[i] = this.#encode(fitted, code);
        }
        return [fitted.name, out] as const;
      }),
    );
  }

  /**
   * Encodes one record.
   *
   * @example
   * ```ts
   * fitted.transformRecord({ contract: "One year" }); // { contract: 1 }
   * ```
   */
  transformRecord(record: FrameRecord): OutputRecord {
    const out: OutputRecord = {};
    this.#columns.forEach((fitted, j) => {
      const key = recordCategory(record, fitted.name, this.type);
      const code =
        key === null
          ? fitted.hasMissing
            ? fitted.categories.length
            : -1
          : (this.#indexes[j]?.get(key) ?? -1);
      if (code < 0 && this.#params.handleUnknown === "error") {
        throw unknownCategory(this.type, fitted, key, undefined, UNKNOWN_HINT);
      }
      const v = this.#encode(fitted, code);
      out[fitted.name] = Number.isNaN(v) ? null : v;
    });
    return out;
  }

  #encode(fitted: FittedCategories, code: number): number {
    if (code < 0) return this.#params.unknownValue;
    return code === fitted.categories.length ? this.#params.encodedMissingValue : code;
  }

  /**
   * The input names, unchanged.
   *
   * @example
   * ```ts
   * fitted.featureNamesOut(); // ["contract"]
   * ```
   */
  featureNamesOut(): string[] {
    return [...this.featureNamesIn];
  }

  /**
   * Serialises the categories.
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
      state: { featureNamesIn: [...this.featureNamesIn], ...categoriesState(this.#columns) },
    };
  }
}

/**
 * Rebuilds a {@link FittedOrdinalEncoder} from `toState()` output.
 *
 * @example
 * ```ts
 * loadOrdinalEncoder(state, transformLoaders);
 * ```
 */
export const loadOrdinalEncoder: StateLoader<FittedOrdinalEncoder> = (state) => {
  expectState(state, "OrdinalEncoder", 1);
  return new FittedOrdinalEncoder(
    stateField(state, "featureNamesIn", is.strings),
    ordinalEncoderParams.parse(state.params),
    categoriesFromState(state),
  );
};
