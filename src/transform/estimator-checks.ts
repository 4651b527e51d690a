import {
  booleanColumn,
  type CellValue,
  type Column,
  categoricalColumn,
  decodeState,
  describeValue,
  type Estimator,
  type EstimatorState,
  encodeState,
  type Fitted,
  Frame,
  type FrameRecord,
  isKeelError,
  numericColumn,
  type StateLoaders,
  stringColumn,
  timestampColumn,
} from "../core/index.js";
import { transformLoaders } from "./loaders.js";
import { isFittedModel, isFittedTransformer, loadFitted } from "./state.js";

/** How an estimator treats NaN / missing input, as its documentation states. */
export type MissingPolicy =
  /** Missing values come out missing where they went in (scalers). */
  | "kept"
  /** The output has no missing values (imputers, one-hot encoders). */
  | "filled"
  /** Output may contain missing values; the check only requires that transform succeeds. */
  | "allowed"
  /** Missing input is a KeelError. */
  | "rejected";

/** Options of {@link estimatorChecks}. */
export interface EstimatorCheckOptions {
  /** Training data; include every column kind the estimator accepts. */
  readonly data: Frame;
  /** The target, for supervised estimators and models. */
  readonly y?: Column;
  /** Loaders for the JSON round-trip (defaults to this module's; add model loaders for models). */
  readonly loaders?: StateLoaders;
  /** What missing numeric input does (default "allowed"). */
  readonly missing?: MissingPolicy;
  /** Rows checked one by one for transformRecord = transform (default: the first 200). */
  readonly recordRows?: number;
  /**
   * What ±Infinity in a numeric input does: "rejected" (default, as scikit-learn's
   * `check_array`) — a KeelError `KEEL_ERR_NON_FINITE` naming the column, at fit and at
   * transform, unless the estimator ignores the column; "kept" — it passes through (only for
   * estimators that merely compute on their input, such as DeriveColumns).
   */
  readonly nonFinite?: "rejected" | "kept";
  /**
   * Whether a model's fit honours `FitOptions.sampleWeight`: "checked" (default) — NaN,
   * negative, all-zero and wrong-length weights must each be a KeelError naming
   * `sampleWeight`; "ignored" — skip the check (only for test doubles that weigh nothing).
   * Transformers never weigh rows and are not checked.
   */
  readonly sampleWeight?: "checked" | "ignored";
}

/**
 * The names of the checks, in the order they run.
 *
 * @example
 * ```ts
 * expect(await estimatorChecks(factory, { data })).toEqual([...ESTIMATOR_CHECK_NAMES]);
 * ```
 */
export const ESTIMATOR_CHECK_NAMES = [
  "fit does not mutate params",
  "fit returns a new object each time",
  "JSON round-trip gives identical output",
  "missing values are handled as documented",
  "same seed gives the same result",
  "wrong schema at transform is a clear KeelError",
  "transformRecord equals transform",
  "constant columns give finite output that does not depend on the row count",
  "fitting on 0 rows is a clear KeelError",
  "infinite input is handled as documented",
  "invalid sample weights are a clear KeelError",
] as const;

/**
 * scikit-learn's `check_estimator` for keel: one conformance suite that every estimator runs.
 * It fits `factory()` on `data` and checks that fit leaves params untouched, that the fitted
 * state survives `JSON.stringify` with bit-identical output, that missing values follow
 * `missing`, that the same seed reproduces the output, that a frame without a fitted column is
 * rejected with a KeelError naming it (columns it ignores must not change the output), that
 * `transformRecord` (or a model's `predictRecord`) gives exactly the batch numbers row by row,
 * and three checks on hard
 * inputs: constant columns of awkward values (0.1, 19.99, 1e9 + 0.1, 3e-9) fit and give finite
 * output, the same (within 1e-9) whether fitted on 7 or 10 rows, so rounding residue is never
 * mistaken for spread; fitting on 0 rows throws `KEEL_ERR_EMPTY_INPUT`; and ±Infinity follows
 * `nonFinite` (at fit, at transform or predict, and at `predictRecord`). Models must also refuse
 * NaN, negative and all-zero `sampleWeight` with a KeelError, as scikit-learn's
 * `_check_sample_weight`. Every failing check is collected; the returned promise rejects with one Error
 * listing them all. Framework-free, so any test runner can call it.
 *
 * @example
 * ```ts
 * it("passes estimatorChecks", async () => {
 *   await estimatorChecks(() => new StandardScaler(), { data: numericFrame, missing: "kept" });
 * });
 * ```
 */
export async function estimatorChecks(
  factory: () => Estimator<Fitted>,
  options: EstimatorCheckOptions,
): Promise<string[]> {
  const { data, y } = options;
  const loaders = options.loaders ?? transformLoaders;
  const failures: string[] = [];
  const passed: string[] = [];
  const run = async (name: string, body: () => Promise<void> | void) => {
    try {
      await body();
      passed.push(name);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const fitOn = async (estimator: Estimator<Fitted>, frame = data, seed = 7) =>
    estimator.fit(frame, y, { seed });

  await run(ESTIMATOR_CHECK_NAMES[0], async () => {
    const estimator = factory();
    const before = snapshot(estimator.params);
    await fitOn(estimator);
    const after = snapshot(estimator.params);
    if (before !== after) throw new Error(`params changed from ${before} to ${after}`);
  });

  await run(ESTIMATOR_CHECK_NAMES[1], async () => {
    const estimator = factory();
    const a = await fitOn(estimator);
    const b = await fitOn(estimator);
    if (a === b || (a as unknown) === estimator) throw new Error("fit returned a shared object");
  });

  await run(ESTIMATOR_CHECK_NAMES[2], async () => {
    const fitted = await fitOn(factory());
    const json = JSON.stringify(encodeState(fitted.toState() as never));
    const loaded = loadFitted(decodeState(JSON.parse(json)) as unknown as EstimatorState, loaders);
    const again = JSON.stringify(encodeState(loaded.toState() as never));
    if (again !== json) throw new Error("re-serialising the loaded state gives different JSON");
    assertSameOutput(output(fitted, data), output(loaded, data), "loaded vs original");
  });

  await run(ESTIMATOR_CHECK_NAMES[3], async () => {
    const policy = options.missing ?? "allowed";
    const holed = withMissing(data);
    if (holed === undefined) return;
    let out: OutputTable;
    try {
      const fitted = await fitOn(factory(), holed);
      out = output(fitted, holed);
    } catch (error) {
      if (policy === "rejected" && isKeelError(error)) return;
      throw error;
    }
    if (policy === "rejected")
      throw new Error("missing input was accepted but is documented as rejected");
    const missingOut = out.values.some((row) => row.some((v) => v === null || Number.isNaN(v)));
    if (policy === "filled" && missingOut) throw new Error("output has missing values");
    if (policy === "kept" && !missingOut) throw new Error("missing input did not stay missing");
  });

  await run(ESTIMATOR_CHECK_NAMES[4], async () => {
    const a = output(await fitOn(factory(), data, 11), data);
    const b = output(await fitOn(factory(), data, 11), data);
    assertSameOutput(a, b, "two fits with seed 11");
  });

  await run(ESTIMATOR_CHECK_NAMES[5], async () => {
    // Drop each fitted column in turn: a column the estimator uses must be reported by name; a
    // column it ignores (a ColumnTransformer's dropped remainder) must not change the output.
    const fitted = await fitOn(factory());
    const reference = output(fitted, data);
    let reported = 0;
    for (const victim of fitted.featureNamesIn.slice(0, 30)) {
      let result: OutputTable;
      try {
        result = output(fitted, data.drop([victim]));
      } catch (error) {
        if (!isKeelError(error)) throw new Error(`threw a non-KeelError: ${String(error)}`);
        if (!error.message.includes(`'${victim}'`)) {
          throw new Error(`the error does not name column '${victim}': ${error.message}`);
        }
        reported++;
        continue;
      }
      assertSameOutput(reference, result, `without unused column '${victim}'`);
    }
    if (reported === 0) throw new Error("no missing fitted column was ever reported");
  });

  await run(ESTIMATOR_CHECK_NAMES[6], async () => {
    const fitted = await fitOn(factory());
    const predictRecord = recordPredictor(fitted);
    if (predictRecord !== undefined && data.nRows > 0) {
      // A model's single-record path (the serving one) must give the batch numbers exactly.
      const batch = predictRecord.batch(data);
      const n = Math.min(options.recordRows ?? 200, data.nRows);
      for (let i = 0; i < n; i++) {
        const one = predictRecord.one(data.row(i));
        const expected = batch[i] ?? [];
        if (
          one.length !== expected.length ||
          one.some((v, k) => !sameCell(v, expected[k] ?? null))
        ) {
          throw new Error(
            `row ${i}: predictRecord gave ${describeValue(one)}, the batch gave ${describeValue(expected)}`,
          );
        }
      }
      return;
    }
    if (!isFittedTransformer(fitted)) return;
    const batch = fitted.transform(data);
    const n = Math.min(options.recordRows ?? 200, data.nRows);
    for (let i = 0; i < n; i++) {
      const one = fitted.transformRecord(data.row(i));
      const expected = batch.row(i);
      const keys = Object.keys(expected);
      if (Object.keys(one).join("\u0000") !== keys.join("\u0000")) {
        throw new Error(
          `row ${i}: record keys ${describeValue(Object.keys(one))} differ from ${describeValue(keys)}`,
        );
      }
      for (const key of keys) {
        if (!sameCell(one[key] ?? null, expected[key] ?? null)) {
          throw new Error(
            `row ${i}, column '${key}': transformRecord gave ${describeValue(one[key])}, transform gave ${describeValue(expected[key])}`,
          );
        }
      }
    }
  });

  await run(ESTIMATOR_CHECK_NAMES[7], async () => {
    const n = Math.min(10, data.nRows);
    if (n < 2) return;
    const ySlice = (k: number) => (y === undefined ? undefined : firstRows(y, k));
    const fitConstant = async (values: readonly number[], rows: number) =>
      output(
        await factory().fit(constantFrame(data, values).slice(0, rows), ySlice(rows), { seed: 7 }),
        constantFrame(data, values).slice(0, Math.min(7, n)),
      );
    // Large magnitudes: finite output is all that is asked (centring leaves an ulp of 1e9).
    assertFinite(await fitConstant(LARGE, n), "fitted on constant columns around 1e9");
    const out10 = await fitConstant(AWKWARD, n);
    assertFinite(out10, "fitted on constant columns");
    if (y !== undefined || n < 8) return;
    // Unsupervised: rounding residue in a constant column's statistics must not be mistaken
    // for spread, so 7 or 10 rows of it give the same output.
    assertSameOutput(out10, await fitConstant(AWKWARD, 7), "10 vs 7 constant rows", 1e-9);
  });

  await run(ESTIMATOR_CHECK_NAMES[8], async () => {
    let error: unknown;
    try {
      await factory().fit(data.slice(0, 0), y === undefined ? undefined : firstRows(y, 0), {
        seed: 7,
      });
    } catch (caught) {
      error = caught;
    }
    if (error === undefined) throw new Error("fit on 0 rows succeeded");
    if (!isKeelError(error, "KEEL_ERR_EMPTY_INPUT")) {
      throw new Error(`expected KEEL_ERR_EMPTY_INPUT, got ${describeError(error)}`);
    }
  });

  await run(ESTIMATOR_CHECK_NAMES[9], async () => {
    const policy = options.nonFinite ?? "rejected";
    const candidates = data
      .entries()
      .filter(([, column]) => column.kind === "numeric")
      .map(([name]) => name)
      .slice(0, 10);
    if (candidates.length === 0 || data.nRows < 2) return;
    const fitted = await fitOn(factory());
    const reference = output(fitted, data);
    const predictRecord = recordPredictor(fitted);
    const row = Math.min(3, data.nRows - 1);
    let reported = 0;
    for (const [k, victim] of candidates.entries()) {
      const value = k % 2 === 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
      const poisoned = withValue(data, victim, row, value);
      // At fit, then at transform of a model fitted on clean data, then (models) one record.
      const stages = predictRecord === undefined ? STAGES.slice(0, 2) : STAGES;
      for (const stage of stages) {
        let result: OutputTable;
        try {
          if (stage === "predictRecord") {
            result = { names: ["record"], values: [predictRecord?.one(poisoned.row(row)) ?? []] };
          } else {
            result =
              stage === "fit"
                ? output(await fitOn(factory(), poisoned), data)
                : output(fitted, poisoned);
          }
        } catch (error) {
          if (policy === "kept")
            throw new Error(`${stage} refused ${value}: ${describeError(error)}`);
          if (!isKeelError(error, "KEEL_ERR_NON_FINITE")) {
            throw new Error(
              `${stage} with ${value} in '${victim}': expected KEEL_ERR_NON_FINITE, got ${describeError(error)}`,
            );
          }
          if (!error.message.includes(`'${victim}'`)) {
            throw new Error(`the error does not name column '${victim}': ${error.message}`);
          }
          reported++;
          continue;
        }
        if (policy === "kept") continue;
        if (stage === "predictRecord") {
          const expected = predictRecord?.one(data.row(row)) ?? [];
          assertSameOutput(
            { names: ["record"], values: [expected] },
            result,
            `predictRecord accepted ${value} in '${victim}' (only a field the model ignores may), and the output changed`,
          );
          continue;
        }
        // Accepted: only a column the estimator ignores may hold it, and nothing may change.
        assertSameOutput(
          reference,
          result,
          `${stage} accepted ${value} in '${victim}' (only a column the estimator ignores may), and the output changed`,
        );
      }
    }
    if (policy === "rejected" && reported === 0) {
      throw new Error("no infinite value was ever refused");
    }
  });

  await run(ESTIMATOR_CHECK_NAMES[10], async () => {
    // Only models weigh rows; transforms ignore FitOptions.sampleWeight.
    if (options.sampleWeight === "ignored" || data.nRows < 2) return;
    if (!isFittedModel(await fitOn(factory()))) return;
    const n = data.nRows;
    const bad: [string, Float64Array][] = [
      ["NaN at row 1", new Float64Array(n).fill(1).fill(Number.NaN, 1, 2)],
      ["-1 at row 1", new Float64Array(n).fill(1).fill(-1, 1, 2)],
      ["all zero", new Float64Array(n)],
      [`${n - 1} weights for ${n} rows`, new Float64Array(n - 1).fill(1)],
    ];
    for (const [what, sampleWeight] of bad) {
      let error: unknown;
      try {
        await factory().fit(data, y, { seed: 7, sampleWeight });
      } catch (caught) {
        error = caught;
      }
      if (error === undefined) throw new Error(`sampleWeight with ${what} was accepted`);
      if (!isKeelError(error)) {
        throw new Error(`sampleWeight with ${what}: threw a non-KeelError ${describeError(error)}`);
      }
      if (!error.message.includes("sampleWeight")) {
        throw new Error(`sampleWeight with ${what}: the error does not name it: ${error.message}`);
      }
    }
  });

  if (failures.length > 0) {
    throw new Error(
      `${factory().type} failed ${failures.length} estimator check(s):\n- ${failures.join("\n- ")}`,
    );
  }
  return passed;
}

const STAGES = ["fit", "transform", "predictRecord"] as const;

/**
 * A model's single-record prediction (`predictRecord`) as an array, when it has one, and the
 * batch output it must equal per row: a model's own `predictRecord` gives what the batch
 * output gives (probabilities, or the regression value); a pipeline's gives one number, its
 * `predict`.
 */
function recordPredictor(
  fitted: Fitted,
): { one: (record: FrameRecord) => number[]; batch: (frame: Frame) => number[][] } | undefined {
  if (!isFittedModel(fitted)) return undefined;
  const f = fitted as Partial<{
    predictRecord: (record: FrameRecord) => number | ArrayLike<number>;
  }>;
  const predictRecord = f.predictRecord;
  if (typeof predictRecord !== "function") return undefined;
  const one = (record: FrameRecord): number[] => {
    const out = predictRecord.call(fitted, record);
    return typeof out === "number" ? [out] : Array.from(out);
  };
  const batch = (frame: Frame): number[][] => {
    const width = one(frame.row(0)).length;
    // A classifier's one number is its predicted class; otherwise the output's numbers.
    const all: readonly number[] =
      width === 1 && fitted.task !== "regression"
        ? Array.from(fitted.predict(frame))
        : (output(fitted, frame).values[0] as readonly number[]);
    return Array.from({ length: frame.nRows }, (_, i) => all.slice(i * width, (i + 1) * width));
  };
  return { one, batch };
}

interface OutputTable {
  readonly names: readonly string[];
  readonly values: readonly (readonly (number | string | boolean | null)[])[];
}

function output(fitted: Fitted, frame: Frame): OutputTable {
  if (isFittedTransformer(fitted)) {
    const out = fitted.transform(frame);
    return {
      names: out.columnNames,
      values: out.entries().map(([name]) => columnCells(out, name)),
    };
  }
  if (isFittedModel(fitted)) {
    // Regression models have no probabilities; their predictions are the output.
    return fitted.task === "regression"
      ? { names: ["prediction"], values: [Array.from(fitted.predict(frame))] }
      : { names: ["proba"], values: [Array.from(fitted.predictProba(frame))] };
  }
  throw new Error(`${fitted.type} is neither a transformer nor a model`);
}

function columnCells(frame: Frame, name: string): (number | string | boolean | null)[] {
  const column = frame.column(name);
  if (column.kind === "numeric" || column.kind === "timestamp") return Array.from(column.values);
  return Array.from({ length: frame.nRows }, (_, i) => frame.row(i)[name] ?? null);
}

function assertSameOutput(a: OutputTable, b: OutputTable, what: string, tolerance = 0): void {
  if (a.names.join("\u0000") !== b.names.join("\u0000")) {
    throw new Error(
      `${what}: output names differ: ${describeValue(a.names)} vs ${describeValue(b.names)}`,
    );
  }
  a.values.forEach((column, j) => {
    const other = b.values[j] ?? [];
    column.forEach((v, i) => {
      const w = other[i] ?? null;
      const near =
        tolerance > 0 &&
        typeof v === "number" &&
        typeof w === "number" &&
        Math.abs(v - w) <= tolerance * Math.max(1, Math.abs(v), Math.abs(w));
      if (!near && !sameCell(v, w)) {
        throw new Error(
          `${what}: column '${a.names[j]}', row ${i}: ${describeValue(v)} vs ${describeValue(other[i])}`,
        );
      }
    });
  });
}

function assertFinite(table: OutputTable, what: string): void {
  table.values.forEach((column, j) => {
    column.forEach((v, i) => {
      if (typeof v === "number" && !Number.isFinite(v)) {
        throw new Error(`${what}: column '${table.names[j]}', row ${i} is ${v}`);
      }
    });
  });
}

function describeError(error: unknown): string {
  if (isKeelError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The first `k` values of a column. */
function firstRows(column: Column, k: number): Column {
  return Frame.fromColumns([["y", column]])
    .slice(0, k)
    .column("y");
}

/** `frame` with `value` at `row` of numeric column `name`. */
function withValue(frame: Frame, name: string, row: number, value: number): Frame {
  const values = Float64Array.from(frame.numeric(name));
  values[row] = value;
  return frame.withColumn(name, numericColumn(values));
}

/** Constants whose computed mean is not exactly themselves for some row counts. */
const AWKWARD = [0.1, 19.99, 3e-9, 0.15, 1 / 3, -7.3];
const LARGE = [1e9 + 0.1, -7.3e8 - 0.15];

/**
 * The frame with every column made constant: numeric columns one of `values` in turn, categorical ones their first category, booleans true, timestamps
 * their first instant, strings their first value.
 */
function constantFrame(frame: Frame, values: readonly number[]): Frame {
  const n = frame.nRows;
  let out = frame;
  frame.entries().forEach(([name, column], j) => {
    switch (column.kind) {
      case "numeric":
        out = out.withColumn(
          name,
          numericColumn(new Float64Array(n).fill(values[j % values.length] as number)),
        );
        break;
      case "timestamp":
        out = out.withColumn(
          name,
          timestampColumn(new Float64Array(n).fill(column.values[0] ?? 0)),
        );
        break;
      case "boolean":
        out = out.withColumn(name, booleanColumn(new Int8Array(n).fill(1)));
        break;
      case "categorical": {
        const first = column.codes.find((c) => c >= 0) ?? 0;
        out = out.withColumn(
          name,
          categoricalColumn(new Int32Array(n).fill(first), column.categories),
        );
        break;
      }
      default: {
        const first = column.values.find((v) => v !== null) ?? "x";
        out = out.withColumn(name, stringColumn(new Array<string>(n).fill(first)));
      }
    }
  });
  return out;
}

function sameCell(a: CellValue, b: CellValue): boolean {
  return Object.is(a, b) || (typeof a === "number" && typeof b === "number" && a === b);
}

/** The frame with every third value of each numeric and categorical column missing, or undefined if none. */
function withMissing(frame: Frame): Frame | undefined {
  let out = frame;
  let changed = false;
  for (const [name, column] of frame.entries()) {
    if (column.kind === "numeric") {
      const values = Float64Array.from(column.values);
      for (let i = 0; i < values.length; i += 3) values[i] = Number.NaN;
      out = out.withColumn(name, numericColumn(values));
      changed = true;
    } else if (column.kind === "categorical") {
      const codes = Int32Array.from(column.codes);
      for (let i = 1; i < codes.length; i += 3) codes[i] = -1;
      out = out.withColumn(name, categoricalColumn(codes, column.categories));
      changed = true;
    }
  }
  return changed ? out : undefined;
}

function snapshot(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) return `<${v}>`;
    if (v === undefined) return "<undefined>";
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    if (v instanceof RegExp) return String(v);
    if (typeof v === "object" && v !== null && "type" in v && "params" in v) {
      return { type: (v as { type: unknown }).type, params: (v as { params: unknown }).params };
    }
    return v;
  });
}
