import { type Column, compareStrings, KeelError } from "../core/index.js";

/** A classification target as class indices plus the labels they stand for. */
export interface ClassTarget {
  readonly classes: string[];
  /** Class index per row, as floats (what objectives read). */
  readonly y: Float64Array;
}

function missingTarget(row: number): KeelError {
  return new KeelError(
    "KEEL_ERR_TARGET_INVALID",
    `The target has a missing value at row ${row}; drop or fill such rows before training.`,
    { details: { row } },
  );
}

/**
 * Encodes a classification target: labels become strings sorted as scikit-learn sorts them
 * (numbers numerically), or `[other, positive]` when a positive label is named for a binary
 * target. One class only, a missing label, or a positive label that never occurs is an error.
 *
 * @example
 * ```ts
 * encodeClassTarget(categoricalFromValues(["No", "Yes", "No"]), "Yes"); // classes ["No", "Yes"], y [0, 1, 0]
 * ```
 */
export function encodeClassTarget(column: Column, positive?: string): ClassTarget {
  const labels = labelsOf(column);
  const n = labels.length;
  const numericLabels = column.kind === "numeric" || column.kind === "timestamp";
  let classes = [...new Set(labels)];
  classes.sort(numericLabels ? (a, b) => Number(a) - Number(b) : compareStrings);
  if (classes.length < 2) {
    throw new KeelError(
      "KEEL_ERR_TARGET_INVALID",
      `The target must have at least two classes. Got only ${classes.length === 0 ? "no rows" : `'${classes[0]}'`}.`,
      { details: { classes } },
    );
  }
  if (positive !== undefined) {
    if (!classes.includes(positive)) {
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `The positive class '${positive}' never occurs in the target (classes: ${classes
          .slice(0, 10)
          .map((c) => `'${c}'`)
          .join(", ")}).`,
        { details: { positive, classes: classes.slice(0, 100) } },
      );
    }
    if (classes.length !== 2) {
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `A positive class is only meaningful for a binary target; this one has ${classes.length} classes.`,
        { details: { positive, classes: classes.slice(0, 100) } },
      );
    }
    classes = [classes.find((c) => c !== positive)!, positive];
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = index.get(labels[i]!)!;
  return { classes, y };
}

/** The label of each row as a string; a missing label is an error naming its row. */
function labelsOf(column: Column): string[] {
  const n = column.kind === "categorical" ? column.codes.length : column.values.length;
  const labels: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let label: string | null;
    switch (column.kind) {
      case "categorical": {
        const c = column.codes[i]!;
        label = c < 0 ? null : column.categories[c]!;
        break;
      }
      case "boolean":
        label = column.values[i]! < 0 ? null : column.values[i] === 1 ? "true" : "false";
        break;
      case "string":
        label = column.values[i] ?? null;
        break;
      default: {
        const v = column.values[i]!;
        label = Number.isNaN(v) ? null : String(v);
      }
    }
    if (label === null) throw missingTarget(i);
    labels[i] = label;
  }
  return labels;
}

/**
 * Encodes labels against classes a model already knows (validation or scored data), where one
 * class or a class absent from this batch is fine; a label the model never saw is an error
 * naming `where` and the row.
 *
 * @example
 * ```ts
 * encodeKnownClasses(categoricalFromValues(["No", "No"]), ["No", "Yes"], "validation"); // [0, 0]
 * ```
 */
export function encodeKnownClasses(
  column: Column,
  classes: readonly string[],
  where: string,
): Float64Array {
  const labels = labelsOf(column);
  const index = new Map(classes.map((c, i) => [c, i]));
  const y = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const k = index.get(labels[i]!);
    if (k === undefined) {
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `The ${where} data has class '${labels[i]}' at row ${i}, which the training data lacks (classes: ${classes
          .slice(0, 10)
          .map((c) => `'${c}'`)
          .join(", ")}).`,
        { details: { row: i, label: labels[i], classes: classes.slice(0, 100) } },
      );
    }
    y[i] = k;
  }
  return y;
}

/**
 * The target column a supervised `fit` was given, or the error every model raises without one.
 *
 * @example
 * ```ts
 * const target = requireTarget(y); // throws KEEL_ERR_TARGET_INVALID when y is undefined
 * ```
 */
export function requireTarget(y: Column | undefined): Column {
  if (y === undefined) {
    throw new KeelError("KEEL_ERR_TARGET_INVALID", "fit needs a target column y; none was given.");
  }
  return y;
}

/**
 * A regression target as numbers; missing or infinite values are an error naming the row.
 *
 * @example
 * ```ts
 * regressionTarget(numericColumn([1.5, 2])); // Float64Array [1.5, 2]
 * ```
 */
export function regressionTarget(column: Column): Float64Array {
  if (column.kind !== "numeric" && column.kind !== "boolean") {
    throw new KeelError(
      "KEEL_ERR_TARGET_INVALID",
      `A regression target must be numeric. Got a ${column.kind} column instead.`,
      { details: { expected: "numeric", got: column.kind } },
    );
  }
  const y = new Float64Array(column.values.length);
  for (let i = 0; i < y.length; i++) {
    const v = column.values[i]!;
    if (column.kind === "boolean" ? v < 0 : !Number.isFinite(v)) {
      if (Number.isNaN(v) || column.kind === "boolean") throw missingTarget(i);
      throw new KeelError(
        "KEEL_ERR_TARGET_INVALID",
        `The target is ${v} at row ${i}; expected a finite number.`,
        { details: { row: i, value: String(v) } },
      );
    }
    y[i] = v;
  }
  return y;
}

/**
 * Per-row weights from class weights: 'balanced' gives `n / (k * count)` per class.
 *
 * @example
 * ```ts
 * classWeights(Float64Array.of(0, 0, 1), ["a", "b"], "balanced"); // [0.75, 0.75, 1.5]
 * ```
 */
export function classWeights(
  y: Float64Array,
  classes: readonly string[],
  spec: "balanced" | Readonly<Record<string, number>>,
): Float64Array {
  const counts = new Float64Array(classes.length);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  if (spec !== "balanced") {
    const unknown = Object.keys(spec).filter((c) => !classes.includes(c));
    if (unknown.length > 0) {
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAM",
        `The 'classWeight' parameter names ${unknown.length === 1 ? "a class" : "classes"} the target lacks: ${unknown
          .slice(0, 10)
          .map((c) => `'${c}'`)
          .join(", ")}. The classes are ${classes
          .slice(0, 10)
          .map((c) => `'${c}'`)
          .join(", ")}.`,
        { details: { param: "classWeight", unknown, classes: classes.slice(0, 100) } },
      );
    }
  }
  const perClass = classes.map((c, k) =>
    spec === "balanced" ? y.length / (classes.length * Math.max(1, counts[k]!)) : (spec[c] ?? 1),
  );
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = perClass[y[i]!]!;
  return out;
}

/**
 * Checks per-row training weights: one per row, each finite and at least zero, some above zero
 * (XGBoost refuses the same with "Weights must be positive values"). A NaN or negative weight
 * would otherwise train a NaN or constant model without a word. Returns the weights, or ones
 * when none were given.
 *
 * @example
 * ```ts
 * const w = checkSampleWeight(options.sampleWeight, y.length); // throws on NaN, -1 or all zeros
 * ```
 */
export function checkSampleWeight(weight: Float64Array | undefined, nRows: number): Float64Array {
  if (weight === undefined) return new Float64Array(nRows).fill(1);
  if (weight.length !== nRows) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `sampleWeight has ${weight.length} entries but the data has ${nRows} rows.`,
      { details: { sampleWeight: weight.length, rows: nRows } },
    );
  }
  let total = 0;
  for (let i = 0; i < nRows; i++) {
    const w = weight[i]!;
    if (!(w >= 0) || w === Number.POSITIVE_INFINITY) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `sampleWeight must hold finite numbers of at least 0. Got ${w} at row ${i}.`,
        { details: { row: i, value: String(w) } },
      );
    }
    total += w;
  }
  if (nRows > 0 && total === 0) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `sampleWeight is 0 for all ${nRows} rows; at least one row needs a positive weight.`,
      { details: { rows: nRows } },
    );
  }
  return weight;
}
