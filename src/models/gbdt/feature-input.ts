import {
  type Column,
  columnNotFound,
  compareStrings,
  type Frame,
  type FrameRecord,
  KeelError,
} from "../../core/index.js";
import { finiteOrNaN, nonFiniteError } from "../../transform/index.js";

/** One model input as the trees see it: a number, or a category code into `categories`. */
export interface FeatureSpec {
  readonly name: string;
  readonly kind: "numeric" | "categorical";
  /** The training dictionary of a categorical feature; codes index it. */
  readonly categories?: readonly string[];
}

/** One feature's training values: numbers (NaN missing) or category codes (-1 missing). */
export type FeatureValues =
  | { readonly kind: "numeric"; readonly values: Float64Array }
  | { readonly kind: "categorical"; readonly codes: Int32Array };

/**
 * Describes the model inputs of a training frame: numeric, timestamp and boolean columns are
 * numbers; categorical and string columns are native categoricals with their dictionary.
 *
 * @example
 * ```ts
 * const specs = featureSpecsOf(frame); // [{ name: "tenure", kind: "numeric" }, …]
 * ```
 */
export function featureSpecsOf(frame: Frame): FeatureSpec[] {
  return frame.entries().map(([name, column]): FeatureSpec => {
    if (column.kind === "categorical")
      return { name, kind: "categorical", categories: column.categories };
    if (column.kind === "string") {
      const seen = new Set<string>();
      for (const v of column.values) if (v !== null) seen.add(v);
      // Code-point order, as transform's encoders and Python sort categories.
      return { name, kind: "categorical", categories: [...seen].sort(compareStrings) };
    }
    return { name, kind: "numeric" };
  });
}

function numericValues(name: string, column: Column, owner: string): Float64Array {
  switch (column.kind) {
    case "numeric":
    case "timestamp":
      // ±Infinity is KEEL_ERR_NON_FINITE in the words transforms use (column, row, value).
      return finiteOrNaN(column.values, name, owner);
    case "boolean": {
      const out = new Float64Array(column.values.length);
      for (let i = 0; i < out.length; i++) {
        const v = column.values[i]!;
        out[i] = v < 0 ? Number.NaN : v;
      }
      return out;
    }
    default:
      throw new KeelError(
        "KEEL_ERR_COLUMN_KIND",
        `Column '${name}' must be numeric, boolean or timestamp as at training. Got a ${column.kind} column instead.`,
        { details: { column: name, expected: "numeric", got: column.kind } },
      );
  }
}

/** Codes into `categories` for a categorical or string column; unseen values become -1. */
function categoryCodes(
  name: string,
  column: Column,
  categories: readonly string[],
): { codes: Int32Array; unseen: number } {
  const index = new Map(categories.map((c, i) => [c, i]));
  let unseen = 0;
  const lookup = (v: string | null): number => {
    if (v === null) return -1;
    const code = index.get(v);
    if (code === undefined) unseen++;
    return code ?? -1;
  };
  if (column.kind === "string") {
    const codes = new Int32Array(column.values.length);
    for (let i = 0; i < codes.length; i++) codes[i] = lookup(column.values[i] ?? null);
    return { codes, unseen };
  }
  if (column.kind !== "categorical") {
    throw new KeelError(
      "KEEL_ERR_COLUMN_KIND",
      `Column '${name}' must be categorical or string as at training. Got a ${column.kind} column instead.`,
      { details: { column: name, expected: "categorical", got: column.kind } },
    );
  }
  const same =
    column.categories.length === categories.length &&
    column.categories.every((c, i) => c === categories[i]);
  if (same) return { codes: column.codes, unseen: 0 };
  const remap = column.categories.map((c) => lookup(c));
  unseen = 0;
  const codes = new Int32Array(column.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = column.codes[i]!;
    const mapped = c < 0 ? -1 : remap[c]!;
    if (c >= 0 && mapped < 0) unseen++;
    codes[i] = mapped;
  }
  return { codes, unseen };
}

/**
 * The training values of each feature, checked: ±Inf is a `KEEL_ERR_NON_FINITE` error naming
 * `owner` (the model type), the column, the row and the value.
 *
 * @example
 * ```ts
 * const values = featureValues(frame, featureSpecsOf(frame), "GbdtClassifier");
 * ```
 */
export function featureValues(
  frame: Frame,
  specs: readonly FeatureSpec[],
  owner: string,
): FeatureValues[] {
  return specs.map((spec) => {
    const column = frame.get(spec.name);
    if (column === undefined) throw columnNotFound(spec.name, frame.columnNames);
    if (spec.kind === "numeric")
      return { kind: "numeric", values: numericValues(spec.name, column, owner) };
    return {
      kind: "categorical",
      codes: categoryCodes(spec.name, column, spec.categories ?? []).codes,
    };
  });
}

/** A row-major matrix of model inputs, with category codes as numbers and NaN for missing. */
export interface FeatureMatrix {
  readonly values: Float64Array;
  readonly nRows: number;
  readonly nFeatures: number;
  /** Categorical values not seen at training, per feature name (they are treated as missing). */
  readonly unseenCategories: Readonly<Record<string, number>>;
}

/**
 * A frame's model inputs column by column: numbers (NaN missing) or category codes into the
 * training dictionary (-1 missing or unseen). Missing model columns are one error naming all of
 * them; unseen categories are counted per feature; ±Infinity is `KEEL_ERR_NON_FINITE` naming
 * `owner` (the model type), the column and the row. Columns are the frame's own arrays where
 * no conversion is needed: read them, never write.
 *
 * @example
 * ```ts
 * const { sources, unseenCategories } = featureColumns(frame, model.features, model.type);
 * ```
 */
export function featureColumns(
  frame: Frame,
  specs: readonly FeatureSpec[],
  owner: string,
): {
  readonly sources: (Float64Array | Int32Array)[];
  readonly unseenCategories: Readonly<Record<string, number>>;
} {
  const missing = specs.filter((s) => !frame.has(s.name)).map((s) => s.name);
  if (missing.length > 0) {
    throw new KeelError(
      "KEEL_ERR_SCHEMA_MISMATCH",
      `The data lacks ${missing.length} column(s) the model needs: ${missing.map((m) => `'${m}'`).join(", ")}.`,
      { details: { missing } },
    );
  }
  const unseenCategories: Record<string, number> = {};
  const sources = specs.map((spec): Float64Array | Int32Array => {
    const column = frame.column(spec.name);
    if (spec.kind === "numeric") return numericValues(spec.name, column, owner);
    const { codes, unseen } = categoryCodes(spec.name, column, spec.categories ?? []);
    if (unseen > 0) unseenCategories[spec.name] = unseen;
    return codes;
  });
  return { sources, unseenCategories };
}

/**
 * Lays out a frame's model inputs row-major for prediction ({@link featureColumns}, transposed). Missing model columns are one error
 * naming all of them; extra columns are ignored; unseen categories become missing and are counted;
 * ±Infinity is `KEEL_ERR_NON_FINITE` naming `owner` (the model type), the column and the row.
 * `allocate` places the matrix (for example in a kernel's memory, to avoid a copy).
 *
 * @example
 * ```ts
 * const { values, unseenCategories } = featureMatrix(frame, model.features, model.type);
 * ```
 */
export function featureMatrix(
  frame: Frame,
  specs: readonly FeatureSpec[],
  owner: string,
  allocate: (length: number) => Float64Array = (length) => new Float64Array(length),
): FeatureMatrix {
  const nRows = frame.nRows;
  const nFeatures = specs.length;
  // Numeric sources are read as they are; category codes are read as codes (-1 missing) and
  // written as numbers, in the same pass that lays rows out.
  const { sources, unseenCategories } = featureColumns(frame, specs, owner);
  // Transpose column-major sources into row-major output in row blocks, so the block being
  // written stays in cache instead of every write missing it (5x faster on 200k × 50).
  const values = allocate(nRows * nFeatures);
  const BLOCK = 256;
  for (let b0 = 0; b0 < nRows; b0 += BLOCK) {
    const b1 = Math.min(nRows, b0 + BLOCK);
    for (let f = 0; f < nFeatures; f++) {
      const source = sources[f]!;
      if (source instanceof Float64Array) {
        for (let i = b0, at = b0 * nFeatures + f; i < b1; i++, at += nFeatures)
          values[at] = source[i]!;
      } else {
        for (let i = b0, at = b0 * nFeatures + f; i < b1; i++, at += nFeatures) {
          const code = source[i]!;
          values[at] = code < 0 ? Number.NaN : code;
        }
      }
    }
  }
  return { values, nRows, nFeatures, unseenCategories };
}

/**
 * Writes one record's model inputs into `out` (length = number of features): the allocation-free
 * path single-record serving uses. Unknown categories and absent keys are missing; ±Infinity
 * is `KEEL_ERR_NON_FINITE` naming `owner` (the model type) and the field, as at batch predict.
 *
 * @example
 * ```ts
 * const row = new Float64Array(specs.length);
 * recordInto({ tenure: 3, contract: "One year" }, specs, lookups, row, "GbdtClassifier");
 * ```
 */
export function recordInto(
  record: FrameRecord,
  specs: readonly FeatureSpec[],
  lookups: readonly (ReadonlyMap<string, number> | undefined)[],
  out: Float64Array,
  owner: string,
): void {
  for (let f = 0; f < specs.length; f++) {
    const spec = specs[f]!;
    const v = record[spec.name];
    if (v === null || v === undefined) {
      out[f] = Number.NaN;
    } else if (spec.kind === "numeric") {
      const n = typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : Number(v);
      if (n === Number.POSITIVE_INFINITY || n === Number.NEGATIVE_INFINITY)
        throw nonFiniteError(owner, spec.name, n);
      out[f] = n;
    } else {
      out[f] = lookups[f]?.get(String(v)) ?? Number.NaN;
    }
  }
}

/**
 * Checks every numeric model input of `frame` for ±Infinity before it is cut into slices, so the
 * `KEEL_ERR_NON_FINITE` error names the frame's row rather than a slice's.
 *
 * @example
 * ```ts
 * checkFiniteFeatures(frame, model.features, model.type);
 * ```
 */
export function checkFiniteFeatures(
  frame: Frame,
  specs: readonly FeatureSpec[],
  owner: string,
): void {
  for (const spec of specs) {
    const column = frame.get(spec.name);
    if (spec.kind === "numeric" && (column?.kind === "numeric" || column?.kind === "timestamp"))
      finiteOrNaN(column.values, spec.name, owner);
  }
}

/**
 * Writes the model inputs of `records[from..to)` column by column into `columns` (row `i` of
 * the batch at index `i - from`): numbers, NaN missing, in a `Float64Array` for numeric
 * features, category codes, -1 missing or unseen, in an `Int32Array` for categorical ones;
 * `columns[f]` may be undefined for a feature nothing reads. The values are
 * {@link recordInto}'s, laid out as {@link featureColumns} lays out a frame's, with no frame
 * and no per-record allocation: the serving batch path. ±Infinity is `KEEL_ERR_NON_FINITE`.
 *
 * @example
 * ```ts
 * recordsIntoColumns(records, 0, records.length, specs, lookups, columns, "GbdtClassifier");
 * ```
 */
export function recordsIntoColumns(
  records: readonly FrameRecord[],
  from: number,
  to: number,
  specs: readonly FeatureSpec[],
  lookups: readonly (ReadonlyMap<string, number> | undefined)[],
  columns: readonly (Float64Array | Int32Array | undefined)[],
  owner: string,
): void {
  for (let f = 0; f < specs.length; f++) {
    const column = columns[f];
    if (column === undefined) continue;
    const name = specs[f]!.name;
    if (column instanceof Float64Array) {
      for (let i = from; i < to; i++) {
        const v = records[i]![name];
        if (typeof v === "number") {
          if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)
            throw nonFiniteError(owner, name, v);
          column[i - from] = v;
        } else if (v === null || v === undefined) column[i - from] = Number.NaN;
        else {
          const n = Number(v);
          if (n === Number.POSITIVE_INFINITY || n === Number.NEGATIVE_INFINITY)
            throw nonFiniteError(owner, name, n);
          column[i - from] = n;
        }
      }
    } else {
      const lookup = lookups[f];
      for (let i = from; i < to; i++) {
        const v = records[i]![name];
        column[i - from] =
          v === null || v === undefined
            ? -1
            : (lookup?.get(typeof v === "string" ? v : String(v)) ?? -1);
      }
    }
  }
}
