import type { ColumnKind, Frame } from "../core/index.js";

/**
 * Picks columns of a frame at fit time, as scikit-learn's `make_column_selector`. The chosen
 * names are stored in the fitted state, so a fitted transformer does not re-select.
 */
export interface ColumnSelector {
  /** How the selector reads in docs, errors and saved params ("numeric columns"). */
  readonly description: string;
  select(frame: Frame): string[];
}

/** What a ColumnTransformer entry may name: one column, a list, a regex or a selector. */
export type ColumnSpecifier = string | readonly string[] | RegExp | ColumnSelector;

/** Options shared by the selector helpers. */
export interface SelectOptions {
  /** Column kinds to keep (any kind when left out). */
  readonly kinds?: readonly ColumnKind[];
  /** Keep only names matching this pattern. */
  readonly pattern?: RegExp;
  /** Leave these names out. */
  readonly exclude?: readonly string[];
}

/**
 * A selector by kind, name pattern and exclusions, in the frame's column order.
 *
 * @example
 * ```ts
 * selectColumns({ kinds: ["numeric"], exclude: ["churn"] });
 * ```
 */
export function selectColumns(options: SelectOptions): ColumnSelector {
  const parts = [
    options.kinds ? `${options.kinds.join("/")} columns` : "columns",
    options.pattern ? `matching ${options.pattern}` : "",
    options.exclude?.length ? `except ${options.exclude.join(", ")}` : "",
  ].filter(Boolean);
  const excluded = new Set(options.exclude ?? []);
  return {
    description: parts.join(" "),
    select: (frame) =>
      frame
        .entries()
        .filter(
          ([name, column]) =>
            !excluded.has(name) &&
            (options.kinds === undefined || options.kinds.includes(column.kind)) &&
            (options.pattern === undefined || matches(options.pattern, name)),
        )
        .map(([name]) => name),
  };
}

/**
 * Numeric and boolean columns (scikit-learn's `dtype_include=np.number`).
 *
 * @example
 * ```ts
 * new ColumnTransformer([["num", new StandardScaler(), selectNumeric()]]);
 * ```
 */
export function selectNumeric(options: Omit<SelectOptions, "kinds"> = {}): ColumnSelector {
  return selectColumns({ ...options, kinds: ["numeric", "boolean"] });
}

/**
 * Categorical and string columns.
 *
 * @example
 * ```ts
 * new ColumnTransformer([["cat", new OneHotEncoder(), selectCategorical({ exclude: ["id"] })]]);
 * ```
 */
export function selectCategorical(options: Omit<SelectOptions, "kinds"> = {}): ColumnSelector {
  return selectColumns({ ...options, kinds: ["categorical", "string"] });
}

/**
 * Columns whose name matches a regular expression.
 *
 * @example
 * ```ts
 * selectPattern(/^streaming_/);
 * ```
 */
export function selectPattern(pattern: RegExp): ColumnSelector {
  return selectColumns({ pattern });
}

function matches(pattern: RegExp, name: string): boolean {
  // A global or sticky regex keeps lastIndex between calls; reset it so selection is stable.
  pattern.lastIndex = 0;
  return pattern.test(name);
}

/**
 * True when the value is a {@link ColumnSelector}.
 *
 * @example
 * ```ts
 * isColumnSelector(selectNumeric()); // true
 * ```
 */
export function isColumnSelector(value: unknown): value is ColumnSelector {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ColumnSelector).select === "function" &&
    typeof (value as ColumnSelector).description === "string"
  );
}
