import {
  cellAt,
  declareParams,
  type EstimatorState,
  type FittedTransformer,
  Frame,
  type FrameRecord,
  numericColumn,
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
  RecordWritingTransformer,
  requireColumns,
  stateField,
  TransformerEstimator,
} from "./base.js";
import {
  categoryIndex,
  categoryLabel,
  type FittedCategories,
  fitCategories,
  fittedCodes,
  unknownCategory,
} from "./categories.js";
import { groupedIndex, infrequentIndices } from "./infrequent.js";
import { recordCategory, requireRows } from "./input.js";

/**
 * The declared params of {@link OneHotEncoder}: validation, defaults, docs and CLI parsing.
 *
 * @example
 * ```ts
 * oneHotEncoderParams.describe().map((p) => p.name);
 * ```
 */
export const oneHotEncoderParams = declareParams("OneHotEncoder", {
  handleUnknown: param.enum(["error", "ignore", "infrequentIfExist"] as const, {
    default: "error",
    doc: "What an unseen category does at transform: raise, encode as all zeros, or go to the infrequent column if there is one (zeros otherwise).",
  }),
  minFrequency: param.optional(
    param.number({
      default: 1,
      min: 0,
      minExclusive: true,
      doc: "Categories rarer than this are grouped as infrequent: a count when ≥ 1, a fraction of rows when < 1.",
    }),
  ),
  maxCategories: param.optional(
    param.int({
      default: 1,
      min: 1,
      doc: "At most this many output columns per input column, the infrequent group included.",
    }),
  ),
  drop: param.enum(["none", "first", "ifBinary"] as const, {
    default: "none",
    doc: "Drop the first category's column of every feature, or only of features with two categories.",
  }),
});

/** Validated {@link OneHotEncoder} params. */
export type OneHotEncoderParams = ParamsOf<typeof oneHotEncoderParams.specs>;

const INFREQUENT_LABEL = "infrequent_sklearn";
const UNKNOWN_HINT =
  "Set handleUnknown to 'ignore' or 'infrequentIfExist' to encode unseen categories instead.";

/**
 * One 0/1 column per category, as scikit-learn's `OneHotEncoder` with dense output. Categories
 * are sorted; a missing value is a category of its own (named `nan`, sorted last). Rare
 * categories can be grouped (`minFrequency`, `maxCategories`) into `<col>_infrequent_sklearn`.
 * Output names are `<col>_<category>`.
 *
 * @example
 * ```ts
 * const fitted = new OneHotEncoder({ handleUnknown: "ignore" }).fit(frame.select(["contract"]));
 * fitted.featureNamesOut(); // ["contract_Month-to-month", "contract_One year", "contract_Two year"]
 * ```
 */
export class OneHotEncoder extends TransformerEstimator<OneHotEncoderParams, FittedOneHotEncoder> {
  constructor(params: ParamsInput<typeof oneHotEncoderParams.specs> = {}) {
    super("OneHotEncoder", oneHotEncoderParams.parse(params));
  }

  protected rebuild(params: Readonly<Record<string, unknown>>): OneHotEncoder {
    return new OneHotEncoder(params);
  }

  /**
   * Learns the categories of every column.
   *
   * @example
   * ```ts
   * new OneHotEncoder({ drop: "ifBinary" }).fit(frame.select(["partner", "contract"]));
   * ```
   */
  fit(x: Frame): FittedOneHotEncoder {
    requireRows(x, this.type);
    const columns = x.entries().map(([name, column]) => fitCategories(column, name, this.type));
    const { minFrequency, maxCategories } = this.params;
    const infrequent = columns.map((c) =>
      minFrequency === undefined && maxCategories === undefined
        ? []
        : infrequentIndices(c.counts, x.nRows, minFrequency, maxCategories),
    );
    return new FittedOneHotEncoder(x.columnNames, this.params, columns, infrequent);
  }
}

/** The output layout of one encoded column. */
interface ColumnLayout {
  readonly fitted: FittedCategories;
  /** Output column (within this feature) per category index, -1 when dropped. */
  readonly outOf: Int32Array;
  /** Output column for an unseen category, -1 for all zeros, -2 to raise. */
  readonly unknownOut: number;
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
}

/**
 * A fitted {@link OneHotEncoder}.
 *
 * @example
 * ```ts
 * fitted.categories(); // { contract: ["Month-to-month", "One year", "Two year"] }
 * ```
 */
export class FittedOneHotEncoder extends RecordWritingTransformer implements FittedTransformer {
  readonly type = "OneHotEncoder";
  readonly featureNamesIn: readonly string[];
  readonly #params: OneHotEncoderParams;
  readonly #columns: readonly FittedCategories[];
  readonly #infrequent: readonly (readonly number[])[];
  readonly #layouts: readonly ColumnLayout[];

  constructor(
    featureNamesIn: readonly string[],
    params: OneHotEncoderParams,
    columns: readonly FittedCategories[],
    infrequent: readonly (readonly number[])[],
  ) {
    super();
    this.featureNamesIn = featureNamesIn;
    this.#params = params;
    this.#columns = columns;
    this.#infrequent = infrequent;
    this.#layouts = columns.map((c, j) => layoutOf(c, infrequent[j] ?? [], params));
  }

  /**
   * The fitted categories per column (`null` stands for the missing category).
   *
   * @example
   * ```ts
   * fitted.categories().contract;
   * ```
   */
  categories(): Record<string, (string | null)[]> {
    return Object.fromEntries(
      this.#columns.map((c) => [c.name, [...c.categories, ...(c.hasMissing ? [null] : [])]]),
    );
  }

  /**
   * Encodes every fitted column into 0/1 numeric columns.
   *
   * @example
   * ```ts
   * fitted.transform(frame).numeric("contract_One year");
   * ```
   */
  transform(x: Frame): Frame {
    requireColumns(x, this.featureNamesIn, this.type);
    const n = x.nRows;
    const out: [string, ReturnType<typeof numericColumn>][] = [];
    for (const layout of this.#layouts) {
      const codes = fittedCodes(x, layout.fitted, this.type);
      const { outOf, unknownOut, names } = layout;
      // Per row: the output column that gets the 1, or -1 for none.
      const targets = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const code = codes[i] as number;
        const target = code >= 0 ? (outOf[code] as number) : unknownOut;
        if (target === -2) {
          const value = cellAt(x.column(layout.fitted.name), i);
          throw unknownCategory(
            this.type,
            layout.fitted,
            value === null ? null : String(value),
            i,
            UNKNOWN_HINT,
          );
        }
        targets[i] = target;
      }
      // One allocation per feature, filled column by column with sequential writes: far fewer
      // page and cache misses than scattering ones across many separately allocated arrays.
      const buffer = new Float64Array(names.length * n);
      for (let k = 0; k < names.length; k++) {
        const block = buffer.subarray(k * n, (k + 1) * n);
        for (let i = 0; i < n; i++) if (targets[i] === k) block[i] = 1;
        out.push([names[k] as string, numericColumn(block)]);
      }
    }
    return Frame.fromColumns(out);
  }

  /**
   * Writes one record's outputs into `out` under `names[offset + k]` (see RecordWriter).
   *
   * @example
   * ```ts
   * fitted.writeRecord(record, out, fitted.featureNamesOut(), 0);
   * ```
   */
  writeRecord(
    record: FrameRecord,
    out: OutputRecord,
    names: readonly string[],
    offset: number,
  ): void {
    let base = offset;
    const layouts = this.#layouts;
    for (let l = 0; l < layouts.length; l++) {
      const layout = layouts[l] as ColumnLayout;
      const key = recordCategory(record, layout.fitted.name, this.type);
      const code =
        key === null
          ? layout.fitted.hasMissing
            ? layout.fitted.categories.length
            : -1
          : (layout.index.get(key) ?? -1);
      const target = code >= 0 ? (layout.outOf[code] as number) : layout.unknownOut;
      if (target === -2)
        throw unknownCategory(this.type, layout.fitted, key, undefined, UNKNOWN_HINT);
      const width = layout.names.length;
      for (let k = 0; k < width; k++) out[names[base + k] as string] = k === target ? 1 : 0;
      base += width;
    }
  }

  /**
   * `<col>_<category>` for every kept category, as scikit-learn's `get_feature_names_out`.
   *
   * @example
   * ```ts
   * fitted.featureNamesOut(); // ["home_own", "home_rent", "home_nan"]
   * ```
   */
  featureNamesOut(): string[] {
    return this.#layouts.flatMap((l) => l.names);
  }

  /**
   * Serialises categories, counts and infrequent groups.
   *
   * @example
   * ```ts
   * fitted.toState().state;
   * ```
   */
  toState(): EstimatorState {
    return {
      type: this.type,
      version: 1,
      params: paramsState(this.#params),
      state: {
        featureNamesIn: [...this.featureNamesIn],
        ...categoriesState(this.#columns),
        infrequent: this.#infrequent.map((list) => Int32Array.from(list)),
      },
    };
  }
}

function layoutOf(
  fitted: FittedCategories,
  infrequent: readonly number[],
  params: OneHotEncoderParams,
): ColumnLayout {
  const nCategories = fitted.counts.length;
  const grouped = groupedIndex(nCategories, infrequent);
  const nFrequent = nCategories - infrequent.length;
  const nGrouped = nFrequent + (infrequent.length > 0 ? 1 : 0);
  const labels = [
    ...Array.from({ length: nCategories }, (_, k) => k)
      .filter((k) => !infrequent.includes(k))
      .map((k) => categoryLabel(fitted, k)),
    ...(infrequent.length > 0 ? [INFREQUENT_LABEL] : []),
  ];
  // scikit-learn 1.2 drops column 0 of the grouped layout (the first frequent category, or the
  // infrequent group when every category is infrequent).
  const dropped =
    params.drop === "first" || (params.drop === "ifBinary" && nGrouped === 2) ? 0 : -1;
  const outOfGrouped = (g: number): number =>
    g === dropped ? -1 : g > dropped && dropped >= 0 ? g - 1 : g;
  const outOf = Int32Array.from(grouped, outOfGrouped);
  const names = labels.filter((_, g) => g !== dropped).map((label) => `${fitted.name}_${label}`);
  let unknownOut = -1;
  if (params.handleUnknown === "error") unknownOut = -2;
  else if (params.handleUnknown === "infrequentIfExist" && infrequent.length > 0)
    unknownOut = outOfGrouped(nFrequent);
  return { fitted, outOf, unknownOut, names, index: categoryIndex(fitted) };
}

/**
 * The state fields shared by category encoders.
 *
 * @example
 * ```ts
 * categoriesState(columns); // { names, categories, hasMissing, numeric, boolean, counts }
 * ```
 */
export function categoriesState(columns: readonly FittedCategories[]) {
  return {
    names: columns.map((c) => c.name),
    categories: columns.map((c) => [...c.categories]),
    hasMissing: columns.map((c) => c.hasMissing),
    numeric: columns.map((c) => c.numeric),
    boolean: columns.map((c) => c.boolean),
    counts: columns.map((c) => c.counts),
  };
}

/**
 * Reads the fields {@link categoriesState} wrote.
 *
 * @example
 * ```ts
 * const columns = categoriesFromState(state);
 * ```
 */
export function categoriesFromState(state: EstimatorState): FittedCategories[] {
  const names = stateField(state, "names", is.strings);
  const categories = stateField(state, "categories", is.stringLists);
  const hasMissing = stateField(state, "hasMissing", is.booleans);
  const numeric = stateField(state, "numeric", is.booleans);
  const counts = stateField(state, "counts", is.float64s);
  // States written before boolean columns printed as False / True have no "boolean" field.
  const written = (state.state as { readonly boolean?: unknown } | null)?.boolean !== undefined;
  const boolean = written ? stateField(state, "boolean", is.booleans) : [];
  return names.map((name, j) => ({
    name,
    categories: categories[j] ?? [],
    hasMissing: hasMissing[j] ?? false,
    numeric: numeric[j] ?? false,
    boolean: boolean[j] ?? false,
    counts: counts[j] ?? new Float64Array(0),
  }));
}

/**
 * Rebuilds a {@link FittedOneHotEncoder} from `toState()` output.
 *
 * @example
 * ```ts
 * loadOneHotEncoder(state, transformLoaders);
 * ```
 */
export const loadOneHotEncoder: StateLoader<FittedOneHotEncoder> = (state) => {
  expectState(state, "OneHotEncoder", 1);
  const infrequent = stateField(
    state,
    "infrequent",
    (v): v is readonly Int32Array[] => Array.isArray(v) && v.every((x) => x instanceof Int32Array),
  );
  return new FittedOneHotEncoder(
    stateField(state, "featureNamesIn", is.strings),
    oneHotEncoderParams.parse(state.params),
    categoriesFromState(state),
    infrequent.map((list) => Array.from(list)),
  );
};
