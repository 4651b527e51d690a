import { type Column, describeValue, type Frame, KeelError } from "../core/index.js";
import { categoryCodes, missingColumn, remapDictionary, sortCategories } from "./input.js";

/** What an encoder learns about one column: its sorted categories and their counts. */
export interface FittedCategories {
  readonly name: string;
  /** Observed categories, sorted; a missing value, when seen, is an extra last category. */
  readonly categories: readonly string[];
  readonly hasMissing: boolean;
  /** True when the column was numeric (keys are number strings). */
  readonly numeric: boolean;
  /** Counts per category, the missing category last. */
  readonly counts: Float64Array;
}

/**
 * Learns the categories of a column, sorted as scikit-learn sorts them, with counts.
 *
 * @example
 * ```ts
 * fitCategories(frame.column("contract"), "contract", "OneHotEncoder").categories;
 * ```
 */
export function fitCategories(column: Column, name: string, owner: string): FittedCategories {
  const { codes, dictionary, numeric } = categoryCodes(column, name, owner);
  const raw = new Float64Array(dictionary.length);
  let missing = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    if (c < 0) missing++;
    else raw[c] = (raw[c] as number) + 1;
  }
  const observed = dictionary.filter((_, c) => (raw[c] as number) > 0);
  const categories = sortCategories(observed, numeric);
  const byKey = new Map(dictionary.map((key, c) => [key, raw[c] as number]));
  const counts = new Float64Array(categories.length + (missing > 0 ? 1 : 0));
  categories.forEach((key, k) => {
    counts[k] = byKey.get(key) ?? 0;
  });
  if (missing > 0) counts[categories.length] = missing;
  return { name, categories, hasMissing: missing > 0, numeric, counts };
}

/**
 * Codes of a frame's column in the fitted category space: `k` for the k-th category, the last
 * index for a missing value (when missing was seen at fit) and -1 for an unknown category.
 *
 * @example
 * ```ts
 * const codes = fittedCodes(frame, fitted, "OneHotEncoder");
 * ```
 */
export function fittedCodes(frame: Frame, fitted: FittedCategories, owner: string): Int32Array {
  const column = frame.get(fitted.name);
  if (column === undefined) throw missingColumn(frame, fitted.name, owner);
  const { codes, dictionary } = categoryCodes(column, fitted.name, owner);
  const remap = remapDictionary(dictionary, categoryIndex(fitted));
  const missingCode = fitted.hasMissing ? fitted.categories.length : -1;
  const out = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    out[i] = c < 0 ? missingCode : (remap[c] as number);
  }
  return out;
}

/**
 * The lookup from category key to index that {@link fittedCodes} and record paths use.
 *
 * @example
 * ```ts
 * categoryIndex(fitted).get("One year"); // 1
 * ```
 */
export function categoryIndex(fitted: FittedCategories): Map<string, number> {
  return new Map(fitted.categories.map((key, k) => [key, k]));
}

/**
 * The category's display name in feature names: the key, or `nan` for missing (as scikit-learn).
 *
 * @example
 * ```ts
 * categoryLabel(fitted, fitted.categories.length); // "nan" when missing was seen
 * ```
 */
export function categoryLabel(fitted: FittedCategories, k: number): string {
  return k < fitted.categories.length ? (fitted.categories[k] as string) : "nan";
}

/**
 * The error for a category unseen at fit, with `handleUnknown` hints.
 *
 * @example
 * ```ts
 * throw unknownCategory("OneHotEncoder", fitted, "Three year", 12);
 * ```
 */
export function unknownCategory(
  owner: string,
  fitted: FittedCategories,
  value: string | null,
  row: number | undefined,
  hint: string,
): KeelError {
  const shown = fitted.categories.slice(0, 10).map(describeValue).join(", ");
  const where = row === undefined ? "" : ` (row ${row})`;
  return new KeelError(
    "KEEL_ERR_UNKNOWN_CATEGORY",
    `${owner}: column '${fitted.name}' has ${value === null ? "a missing value" : `category ${describeValue(value)}`}${where}, which was not seen at fit. Expected one of ${shown}${fitted.categories.length > 10 ? ", ..." : ""}${fitted.hasMissing ? " or missing" : ""}. ${hint}`,
    {
      details: {
        estimator: owner,
        column: fitted.name,
        value,
        row,
        expected: fitted.categories.slice(0, 100),
      },
    },
  );
}
