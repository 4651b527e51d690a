import { type Frame, type FrameRecord, KeelError } from "../../core/index.js";
import { finiteOrNaN, nonFiniteError } from "../../transform/index.js";

/**
 * A numeric frame as a row-major matrix for the linear models. Linear models need numbers:
 * categorical, string or missing values are an error that names the column (and row), with
 * the fix: preprocess with the transform module (SimpleImputer, OneHotEncoder, StandardScaler).
 * ±Infinity is `KEEL_ERR_NON_FINITE` naming `owner` (the model type), the column, row and value.
 *
 * @example
 * ```ts
 * const { values, nRows, nFeatures } = designMatrix(frame, frame.columnNames, "LinearRegression");
 * ```
 */
export function designMatrix(
  frame: Frame,
  names: readonly string[],
  owner: string,
): { values: Float64Array; nRows: number; nFeatures: number } {
  const nRows = frame.nRows;
  const nFeatures = names.length;
  const values = new Float64Array(nRows * nFeatures);
  names.forEach((name, f) => {
    const column = frame.column(name);
    if (column.kind !== "numeric" && column.kind !== "boolean") {
      throw new KeelError(
        "KEEL_ERR_COLUMN_KIND",
        `Column '${name}' must be numeric for a linear model. Got a ${column.kind} column instead; encode it first (OneHotEncoder in a Pipeline).`,
        { details: { column: name, expected: "numeric", got: column.kind } },
      );
    }
    // Infinity first, in the words transforms use; then NaN, which only imputing can fix.
    if (column.kind === "numeric") finiteOrNaN(column.values, name, owner);
    for (let i = 0; i < nRows; i++) {
      const v = column.values[i]!;
      if (column.kind === "boolean" ? v < 0 : !Number.isFinite(v)) {
        throw new KeelError(
          "KEEL_ERR_TYPE_MISMATCH",
          `Column '${name}', row ${i}: a linear model needs a finite number. Got ${column.kind === "boolean" ? "a missing value" : String(v)} instead; impute first (SimpleImputer in a Pipeline).`,
          { details: { column: name, row: i } },
        );
      }
      values[i * nFeatures + f] = v;
    }
  });
  return { values, nRows, nFeatures };
}

/**
 * One record's numbers for a linear model, written into `out` (length `names.length`): the
 * record path of {@link designMatrix}, refusing the same inputs in the same words (a string, a
 * missing value, ±Infinity), naming the field instead of a row.
 *
 * @example
 * ```ts
 * const x = new Float64Array(2);
 * recordVector({ tenure: 3, charges: 29.85 }, ["tenure", "charges"], "LinearRegression", x);
 * ```
 */
export function recordVector(
  record: FrameRecord,
  names: readonly string[],
  owner: string,
  out: Float64Array,
): Float64Array {
  for (let f = 0; f < names.length; f++) {
    const name = names[f]!;
    const v = record[name];
    if (typeof v === "boolean") {
      out[f] = v ? 1 : 0;
      continue;
    }
    if (typeof v !== "number" && v !== null && v !== undefined)
      throw new KeelError(
        "KEEL_ERR_COLUMN_KIND",
        `Field '${name}' must be numeric for a linear model. Got ${JSON.stringify(v)} instead; encode it first (OneHotEncoder in a Pipeline).`,
        { details: { column: name, expected: "numeric", got: v } },
      );
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)
      throw nonFiniteError(owner, name, v);
    if (typeof v !== "number" || Number.isNaN(v))
      throw new KeelError(
        "KEEL_ERR_TYPE_MISMATCH",
        `Field '${name}': a linear model needs a finite number. Got a missing value instead; impute first (SimpleImputer in a Pipeline).`,
        { details: { column: name } },
      );
    out[f] = v;
  }
  return out;
}
