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
  /** True when the column was boolean (keys "false" and "true"). */
  readonly boolean: boolean;
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
  const boolean = column.kind === "boolean";
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
  return { name, categories, hasMissing: missing > 0, numeric, boolean, counts };
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
 * The category's display name in feature names, as scikit-learn prints a pandas column's
 * categories: strings as they are; `nan` for missing; booleans as `False` / `True`; numbers as
 * Python prints them, which depends on the dtype pandas gives the column: integers (`1`) when
 * every category is a whole number and none is missing (an int64 column), otherwise floats in
 * Python's `repr` (`1.0`, `0.5`, `1e-07`, `1e+16`), because pandas stores an integer column
 * with a missing value as float64. keel frames keep every number as a float, so a column of
 * whole numbers written `1.0` in the source still prints as `1` (pandas would print `1.0`).
 *
 * @example
 * ```ts
 * categoryLabel(fitted, fitted.categories.length); // "nan" when missing was seen
 * ```
 */
export function categoryLabel(fitted: FittedCategories, k: number): string {
  if (k >= fitted.categories.length) return "nan";
  const key = fitted.categories[k] as string;
  if (fitted.boolean) return key === "true" ? "True" : key === "false" ? "False" : key;
  if (!fitted.numeric) return key;
  const floats = fitted.hasMissing || fitted.categories.some((c) => !isInt64(Number(c)));
  return floats ? pythonFloatRepr(Number(key)) : String(Number(key));
}

function isInt64(v: number): boolean {
  return Number.isInteger(v) && Math.abs(v) < 2 ** 63;
}

/**
 * A number as Python's `repr(float)` writes it: the shortest digits that round-trip (as
 * JavaScript's), in fixed notation with at least one decimal (`1.0`, `0.0001`) when the
 * decimal exponent is in −5 < e < 16, otherwise in exponent notation with a sign and at
 * least two exponent digits (`1e-05`, `1.5e+16`).
 *
 * @example
 * ```ts
 * pythonFloatRepr(1e-7); // "1e-07"
 * pythonFloatRepr(3); // "3.0"
 * ```
 */
export function pythonFloatRepr(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const sign = v < 0 ? "-" : "";
  const [mantissa = "", exponent = "0"] = Math.abs(v).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const e = Number(exponent);
  if (e <= -5 || e >= 16) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits[0]}${rest}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const point = e + 1;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point < digits.length) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
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
