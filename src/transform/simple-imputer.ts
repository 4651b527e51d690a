import {
  type CategoricalColumn,
  type Column,
  categoricalColumn,
  compareStrings,
  declareParams,
  type EstimatorState,
  type FittedTransformer,
  Frame,
  type FrameRecord,
  KeelError,
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
  categoryCodes,
  numericInput,
  recordCategory,
  recordNumber,
  requireRows,
  wrongKind,
} from "./input.js";
import { finiteSorted, medianSorted, nanMean } from "./stats.js";

/**
 * The declared params of {@link SimpleImputer}: validation, defaults, docs and CLI parsing.
 *
 * @example
 * ```ts
 * simpleImputerParams.describe().map((p) => p.name);
 * ```
 */
export const simpleImputerParams = declareParams("SimpleImputer", {
  strategy: param.enum(["mean", "median", "mostFrequent", "constant"] as const, {
    default: "mean",
    doc: "The statistic that replaces missing values; mean and median need numeric columns.",
    search: true,
  }),
  fillValue: param.custom<number | string | undefined>({
    default: undefined,
    doc: "The value for strategy 'constant' (default 0 for numeric and 'missing_value' for categorical columns).",
    constraint: "a finite number or a string, or left out",
    check: (v) =>
      v === undefined || typeof v === "string" || (typeof v === "number" && Number.isFinite(v)),
    fromString: (t) => (t.trim() !== "" && Number.isFinite(Number(t)) ? Number(t) : t),
  }),
  addIndicator: param.boolean({
    default: false,
    doc: "Append a 0/1 column `missingindicator_<col>` for every column that had missing values at fit.",
  }),
});

/** Validated {@link SimpleImputer} params. */
export type SimpleImputerParams = ParamsOf<typeof simpleImputerParams.specs>;

const DEFAULT_CATEGORY_FILL = "missing_value";

/**
 * Replaces missing values with a per-column statistic, as scikit-learn's `SimpleImputer`.
 * Numeric (and boolean) columns take `mean`, `median`, `mostFrequent` or `constant`;
 * categorical and string columns take `mostFrequent` or `constant` and stay categorical.
 * The mean is NumPy's (`np.ma.mean`: a pairwise sum), so it matches on columns around 1e9.
 * Ties in `mostFrequent` go to the smallest value. As in scikit-learn 1.2, a column with no
 * observed value at fit is dropped from the output unless the strategy is `constant`.
 *
 * @example
 * ```ts
 * const fitted = new SimpleImputer({ strategy: "median", addIndicator: true }).fit(numericPart);
 * fitted.featureNamesOut(); // ["tenure", "total_charges", "missingindicator_total_charges"]
 * ```
 */
export class SimpleImputer extends TransformerEstimator<SimpleImputerParams, FittedSimpleImputer> {
  constructor(params: ParamsInput<typeof simpleImputerParams.specs> = {}) {
    super("SimpleImputer", simpleImputerParams.parse(params));
  }

  protected rebuild(params: Readonly<Record<string, unknown>>): SimpleImputer {
    return new SimpleImputer(params);
  }

  /**
   * Learns the fill value of every column.
   *
   * @example
   * ```ts
   * new SimpleImputer({ strategy: "mostFrequent" }).fit(frame.select(["contract"]));
   * ```
   */
  fit(x: Frame): FittedSimpleImputer {
    requireRows(x, this.type);
    const columns: ImputedColumn[] = [];
    const indicators: string[] = [];
    for (const [name, column] of x.entries()) {
      const imputed = this.#fitColumn(name, column);
      if (imputed.hadMissing && this.params.addIndicator) indicators.push(name);
      if (imputed.keep) columns.push(imputed.column);
    }
    return new FittedSimpleImputer(x.columnNames, this.params, columns, indicators);
  }

  #fitColumn(
    name: string,
    column: Column,
  ): { column: ImputedColumn; hadMissing: boolean; keep: boolean } {
    const { strategy, fillValue } = this.params;
    if (column.kind === "numeric" || column.kind === "boolean") {
      const values = numericInput(Frame.fromColumns([[name, column]]), name, this.type);
      // Sorting is only needed for order statistics; mean and constant take one pass.
      const sorted =
        strategy === "median" || strategy === "mostFrequent" ? finiteSorted(values) : undefined;
      const observed = sorted?.length ?? countObserved(values);
      const hadMissing = observed < values.length;
      let fill: number;
      if (strategy === "constant") {
        if (typeof fillValue === "string") {
          throw new KeelError(
            "KEEL_ERR_INVALID_PARAM",
            `SimpleImputer: fillValue ${JSON.stringify(fillValue)} is a string but column '${name}' is numeric; give a number.`,
            {
              details: {
                estimator: this.type,
                column: name,
                param: "fillValue",
                expected: "a number",
              },
            },
          );
        }
        fill = fillValue ?? 0;
      } else if (strategy === "mean") fill = nanMean(values);
      else if (strategy === "median") fill = medianSorted(sorted as Float64Array);
      else fill = modeOfSorted(sorted as Float64Array);
      const keep = strategy === "constant" || observed > 0;
      return {
        column: { name, kind: "numeric", numberFill: fill, categoryFill: "" },
        hadMissing,
        keep,
      };
    }
    if (column.kind !== "categorical" && column.kind !== "string") {
      throw wrongKind(
        this.type,
        name,
        column.kind,
        "a numeric, boolean, categorical or string column",
      );
    }
    if (strategy === "mean" || strategy === "median") {
      throw wrongKind(
        this.type,
        name,
        column.kind,
        `a numeric column for strategy '${strategy}' (use 'mostFrequent' or 'constant' for categories)`,
      );
    }
    const { codes, dictionary } = categoryCodes(column, name, this.type);
    const counts = new Float64Array(dictionary.length);
    let missing = 0;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i] as number;
      if (c < 0) missing++;
      else counts[c] = (counts[c] as number) + 1;
    }
    let fill = strategy === "constant" ? String(fillValue ?? DEFAULT_CATEGORY_FILL) : "";
    let best = 0;
    if (strategy === "mostFrequent") {
      dictionary.forEach((key, c) => {
        const n = counts[c] as number;
        if (n > best || (n === best && n > 0 && compareStrings(key, fill) < 0)) {
          best = n;
          fill = key;
        }
      });
    }
    const keep = strategy === "constant" || best > 0;
    return {
      column: { name, kind: "categorical", numberFill: Number.NaN, categoryFill: fill },
      hadMissing: missing > 0,
      keep,
    };
  }
}

/** One imputed column: its kind at fit and its fill value. */
interface ImputedColumn {
  readonly name: string;
  readonly kind: "numeric" | "categorical";
  readonly numberFill: number;
  readonly categoryFill: string;
}

function countObserved(values: Float64Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) n++;
  return n;
}

function modeOfSorted(sorted: Float64Array): number {
  let best = Number.NaN;
  let bestCount = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    // Strictly greater: on ties the earlier, smaller value wins, as in scikit-learn.
    if (j - i > bestCount) {
      bestCount = j - i;
      best = sorted[i] as number;
    }
    i = j;
  }
  return best;
}

/**
 * A fitted {@link SimpleImputer}.
 *
 * @example
 * ```ts
 * fitted.statistics(); // { tenure: 29, contract: "Month-to-month" }
 * ```
 */
export class FittedSimpleImputer extends RecordWritingTransformer implements FittedTransformer {
  readonly type = "SimpleImputer";
  readonly featureNamesIn: readonly string[];
  readonly #params: SimpleImputerParams;
  readonly #columns: readonly ImputedColumn[];
  readonly #indicators: readonly string[];

  constructor(
    featureNamesIn: readonly string[],
    params: SimpleImputerParams,
    columns: readonly ImputedColumn[],
    indicators: readonly string[],
  ) {
    super();
    this.featureNamesIn = featureNamesIn;
    this.#params = params;
    this.#columns = columns;
    this.#indicators = indicators;
  }

  /**
   * The fill value per kept column.
   *
   * @example
   * ```ts
   * fitted.statistics().tenure;
   * ```
   */
  statistics(): Record<string, number | string> {
    return Object.fromEntries(
      this.#columns.map((c) => [c.name, c.kind === "numeric" ? c.numberFill : c.categoryFill]),
    );
  }

  /**
   * Fills missing values; categorical columns stay categorical (the fill joins the dictionary).
   *
   * @example
   * ```ts
   * fitted.transform(frame);
   * ```
   */
  transform(x: Frame): Frame {
    requireColumns(x, this.featureNamesIn, this.type);
    const out: [string, Column][] = [];
    for (const c of this.#columns) {
      if (c.kind === "numeric") {
        const values = numericInput(x, c.name, this.type);
        const filled = new Float64Array(values.length);
        const fill = c.numberFill;
        for (let i = 0; i < values.length; i++) {
          const v = values[i] as number;
          filled[i] = !Number.isNaN(v) ? v : fill;
        }
        out.push([c.name, numericColumn(filled)]);
      } else {
        out.push([c.name, fillCategorical(x.column(c.name), c, this.type)]);
      }
    }
    for (const name of this.#indicators) {
      const column = x.column(name);
      const flags = new Float64Array(x.nRows);
      const codes =
        column.kind === "numeric" || column.kind === "boolean"
          ? undefined
          : categoryCodes(column, name, this.type).codes;
      const values = codes === undefined ? numericInput(x, name, this.type) : undefined;
      for (let i = 0; i < flags.length; i++) {
        flags[i] = (codes !== undefined ? (codes[i] as number) < 0 : Number.isNaN(values?.[i]))
          ? 1
          : 0;
      }
      out.push([`missingindicator_${name}`, numericColumn(flags)]);
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
    let k = offset;
    const columns = this.#columns;
    for (let j = 0; j < columns.length; j++) {
      const c = columns[j] as ImputedColumn;
      if (c.kind === "numeric") {
        const v = recordNumber(record, c.name, this.type);
        const filled = !Number.isNaN(v) ? v : c.numberFill;
        out[names[k++] as string] = !Number.isNaN(filled) ? filled : null;
      } else {
        out[names[k++] as string] = recordCategory(record, c.name, this.type) ?? c.categoryFill;
      }
    }
    for (const name of this.#indicators) {
      // recordCategory reads any field kind and rejects an absent one.
      out[names[k++] as string] = recordCategory(record, name, this.type) === null ? 1 : 0;
    }
  }

  /**
   * Kept input names, then one `missingindicator_<col>` per indicator column.
   *
   * @example
   * ```ts
   * fitted.featureNamesOut();
   * ```
   */
  featureNamesOut(): string[] {
    return [
      ...this.#columns.map((c) => c.name),
      ...this.#indicators.map((n) => `missingindicator_${n}`),
    ];
  }

  /**
   * Serialises the fill values.
   *
   * @example
   * ```ts
   * JSON.stringify(encodeState(fitted.toState()));
   * ```
   */
  toState(): EstimatorState {
    return {
      type: this.type,
      version: 1,
      params: paramsState(this.#params),
      state: {
        featureNamesIn: [...this.featureNamesIn],
        names: this.#columns.map((c) => c.name),
        kinds: this.#columns.map((c) => c.kind),
        numberFill: Float64Array.from(this.#columns, (c) => c.numberFill),
        categoryFill: this.#columns.map((c) => c.categoryFill),
        indicators: [...this.#indicators],
      },
    };
  }
}

function fillCategorical(column: Column, c: ImputedColumn, owner: string): CategoricalColumn {
  if (column.kind === "numeric" || column.kind === "timestamp") {
    throw wrongKind(owner, c.name, column.kind, "a categorical column, as at fit");
  }
  const { codes, dictionary } = categoryCodes(column, c.name, owner);
  let fillCode = dictionary.indexOf(c.categoryFill);
  const categories = fillCode >= 0 ? dictionary : [...dictionary, c.categoryFill];
  if (fillCode < 0) fillCode = dictionary.length;
  const out = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] as number;
    out[i] = code < 0 ? fillCode : code;
  }
  return categoricalColumn(out, categories);
}

/**
 * Rebuilds a {@link FittedSimpleImputer} from `toState()` output.
 *
 * @example
 * ```ts
 * loadSimpleImputer(state, transformLoaders);
 * ```
 */
export const loadSimpleImputer: StateLoader<FittedSimpleImputer> = (state) => {
  expectState(state, "SimpleImputer", 1);
  const names = stateField(state, "names", is.strings);
  const kinds = stateField(state, "kinds", is.strings);
  const numberFill = stateField(state, "numberFill", is.float64);
  const categoryFill = stateField(state, "categoryFill", is.strings);
  const columns = names.map(
    (name, j): ImputedColumn => ({
      name,
      kind: kinds[j] === "categorical" ? "categorical" : "numeric",
      numberFill: numberFill[j] ?? Number.NaN,
      categoryFill: categoryFill[j] ?? "",
    }),
  );
  return new FittedSimpleImputer(
    stateField(state, "featureNamesIn", is.strings),
    simpleImputerParams.parse(state.params),
    columns,
    stateField(state, "indicators", is.strings),
  );
};
