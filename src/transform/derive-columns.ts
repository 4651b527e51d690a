import {
  type CellValue,
  type Column,
  cellAt,
  declareParams,
  type EstimatorState,
  type FittedTransformer,
  Frame,
  type FrameRecord,
  isKeelError,
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
  requireColumns,
  stateField,
  TransformerEstimator,
} from "./base.js";
import {
  type CompiledExpression,
  compileExpression,
  type ExpressionValue,
} from "./expression/compile.js";
import { parseExpression } from "./expression/parser.js";
import { requireRows } from "./input.js";

/**
 * The declared params of {@link DeriveColumns}: validation, defaults, docs and CLI parsing.
 *
 * @example
 * ```ts
 * deriveColumnsParams.describe().map((p) => p.name);
 * ```
 */
export const deriveColumnsParams = declareParams("DeriveColumns", {
  columns: param.custom<Readonly<Record<string, string>>>({
    default: {},
    doc: "New column name → expression over the frame's columns (see DeriveColumns for the language).",
    constraint: "an object mapping column names to expression strings",
    check: (v) =>
      typeof v === "object" &&
      v !== null &&
      !Array.isArray(v) &&
      Object.values(v).every((e) => typeof e === "string"),
  }),
});

/** Validated {@link DeriveColumns} params. */
export type DeriveColumnsParams = ParamsOf<typeof deriveColumnsParams.specs>;

type Kind = "number" | "string";

/**
 * Adds columns computed from expressions over other columns: ratios, logs, differences,
 * flags. Input columns pass through unchanged (a derived column with an input's name replaces
 * it in place); new columns are appended in the order given. Unlike the other transformers it
 * does not refuse ±Infinity (it only computes, like scikit-learn's FunctionTransformer): an
 * infinite input, or a division by zero, stays infinite, and the next step refuses it.
 *
 * The expression language (parsed by a tokenizer and a recursive-descent parser, never `eval`):
 * - values: numbers (`2`, `1.5e3`), quoted strings (`"One year"`), columns by name (`tenure`)
 *   or in backquotes for any name (`` `monthly charges` ``);
 * - operators, loosest first: `c ? a : b`; `or` `||`; `and` `&&`; `not` `!`;
 *   `== != < <= > >=`; `+ -`; `* / %`; unary `-`; `^` (power, right-associative);
 * - functions: `abs ceil exp floor log log10 log1p round sign sqrt pow(a, b) min(…) max(…)
 *   clip(x, lo, hi) coalesce(a, b, …) isMissing(x) if(c, a, b)`;
 * - categorical and string columns compare to strings with `==` / `!=` only; comparisons and
 *   logic give 1 or 0;
 * - a missing input makes the result missing (except `isMissing` and `coalesce`), and so does
 *   a non-finite result: `x / 0` and `log(0)` are missing, not infinite.
 *
 * @example
 * ```ts
 * const derive = new DeriveColumns({
 *   columns: {
 *     charges_per_month: "total_charges / tenure",
 *     log_total: "log1p(coalesce(total_charges, 0))",
 *     long_contract: 'contract != "Month-to-month"',
 *   },
 * });
 * const fitted = derive.fit(frame);
 * ```
 */
export class DeriveColumns extends TransformerEstimator<DeriveColumnsParams, FittedDeriveColumns> {
  constructor(params: ParamsInput<typeof deriveColumnsParams.specs> = {}) {
    super("DeriveColumns", deriveColumnsParams.parse(params));
  }

  protected rebuild(params: Readonly<Record<string, unknown>>): DeriveColumns {
    return new DeriveColumns(params);
  }

  /**
   * Parses and type-checks every expression against the frame's columns.
   *
   * @example
   * ```ts
   * new DeriveColumns({ columns: { ratio: "a / b" } }).fit(frame);
   * ```
   */
  fit(x: Frame): FittedDeriveColumns {
    requireRows(x, this.type);
    const kinds = x.entries().map(([name, column]): [string, Kind] => [name, kindOf(column)]);
    return new FittedDeriveColumns(x.columnNames, this.params, kinds);
  }
}

function kindOf(column: Column): Kind {
  return column.kind === "categorical" || column.kind === "string" ? "string" : "number";
}

/**
 * A fitted {@link DeriveColumns}: the compiled expressions.
 *
 * @example
 * ```ts
 * fitted.transformRecord({ total_charges: 100, tenure: 4, contract: "One year" });
 * ```
 */
export class FittedDeriveColumns implements FittedTransformer {
  readonly type = "DeriveColumns";
  readonly featureNamesIn: readonly string[];
  readonly #params: DeriveColumnsParams;
  readonly #kinds: readonly (readonly [string, Kind])[];
  readonly #derived: readonly (readonly [string, CompiledExpression])[];
  readonly #namesOut: readonly string[];
  readonly #kindMap: ReadonlyMap<string, Kind>;

  constructor(
    featureNamesIn: readonly string[],
    params: DeriveColumnsParams,
    kinds: readonly (readonly [string, Kind])[],
  ) {
    this.featureNamesIn = featureNamesIn;
    this.#params = params;
    this.#kinds = kinds;
    const kindMap = new Map(kinds);
    this.#kindMap = kindMap;
    this.#derived = Object.entries(params.columns).map(([name, source]) => {
      try {
        return [name, compileExpression(parseExpression(source), source, kindMap)] as const;
      } catch (error) {
        if (!isKeelError(error)) throw error;
        throw new KeelError(
          error.code,
          `DeriveColumns: expression for '${name}' ${error.message}`,
          {
            details: { ...error.details, estimator: this.type, derivedColumn: name },
          },
        );
      }
    });
    const added = this.#derived.map(([name]) => name).filter((name) => !kindMap.has(name));
    this.#namesOut = [...featureNamesIn, ...added];
  }

  /**
   * Passes the input columns through and appends (or replaces) the derived ones.
   *
   * @example
   * ```ts
   * fitted.transform(frame).numeric("charges_per_month");
   * ```
   */
  transform(x: Frame): Frame {
    requireColumns(x, this.featureNamesIn, this.type);
    const derived = new Map<string, Column>();
    for (const [name, compiled] of this.#derived) {
      const sources = compiled.columns.map((c) => x.column(c));
      const out = new Float64Array(x.nRows);
      let row = 0;
      const read = (slot: number): ExpressionValue => {
        const column = sources[slot] as Column;
        if (column.kind === "numeric" || column.kind === "timestamp")
          return column.values[row] as number;
        const cell = cellAt(column, row);
        return typeof cell === "boolean"
          ? cell
            ? 1
            : 0
          : cell === null && column.kind === "boolean"
            ? Number.NaN
            : cell;
      };
      for (row = 0; row < out.length; row++) out[row] = compiled.evaluate(read);
      derived.set(name, numericColumn(out));
    }
    return Frame.fromColumns(
      this.#namesOut.map((name) => [name, derived.get(name) ?? x.column(name)] as const),
    );
  }

  /**
   * The same for one record.
   *
   * @example
   * ```ts
   * fitted.transformRecord(frame.row(0));
   * ```
   */
  transformRecord(record: FrameRecord): OutputRecord {
    const kinds = this.#kindMap;
    for (const name of this.featureNamesIn) {
      if (record[name] === undefined) {
        throw new KeelError(
          "KEEL_ERR_SCHEMA_MISMATCH",
          `${this.type}: the record has no field '${name}', which was seen at fit.`,
          {
            details: { estimator: this.type, column: name, expected: `a field named '${name}'` },
          },
        );
      }
    }
    const derived = new Map<string, CellValue>();
    for (const [name, compiled] of this.#derived) {
      const read = (slot: number): ExpressionValue => {
        const column = compiled.columns[slot] as string;
        const v = record[column];
        if (typeof v === "boolean") return v ? 1 : 0;
        if (v === null || v === undefined)
          return kinds.get(column) === "string" ? null : Number.NaN;
        return kinds.get(column) === "string" ? String(v) : typeof v === "number" ? v : Number.NaN;
      };
      const value = compiled.evaluate(read);
      derived.set(name, Number.isNaN(value) ? null : value);
    }
    const out: OutputRecord = {};
    for (const name of this.#namesOut) {
      if (derived.has(name)) out[name] = derived.get(name) ?? null;
      else {
        const v = record[name] ?? null;
        out[name] = typeof v === "number" && Number.isNaN(v) ? null : v;
      }
    }
    return out;
  }

  /**
   * The input names, then the new derived names.
   *
   * @example
   * ```ts
   * fitted.featureNamesOut(); // [..., "charges_per_month", "log_total"]
   * ```
   */
  featureNamesOut(): string[] {
    return [...this.#namesOut];
  }

  /**
   * Serialises the expressions and the input kinds they were checked against.
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
      params: paramsState({ columns: { ...this.#params.columns } }),
      state: {
        featureNamesIn: [...this.featureNamesIn],
        kindNames: this.#kinds.map(([name]) => name),
        kinds: this.#kinds.map(([, kind]) => kind),
      },
    };
  }
}

/**
 * Rebuilds a {@link FittedDeriveColumns} from `toState()` output (re-parsing the expressions).
 *
 * @example
 * ```ts
 * loadDeriveColumns(state, transformLoaders);
 * ```
 */
export const loadDeriveColumns: StateLoader<FittedDeriveColumns> = (state) => {
  expectState(state, "DeriveColumns", 1);
  const names = stateField(state, "kindNames", is.strings);
  const kinds = stateField(state, "kinds", is.strings);
  return new FittedDeriveColumns(
    stateField(state, "featureNamesIn", is.strings),
    deriveColumnsParams.parse(state.params),
    names.map((name, j) => [name, kinds[j] === "string" ? "string" : "number"] as const),
  );
};
