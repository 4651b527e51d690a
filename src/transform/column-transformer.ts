import {
  type Column,
  describeValue,
  type Estimator,
  type EstimatorState,
  type FitOptions,
  type Fitted,
  type FittedTransformer,
  Frame,
  type FrameRecord,
  KeelError,
  type StateLoader,
  type StateValue,
} from "../core/index.js";
import {
  expectState,
  type FitTransformResult,
  hasFitTransform,
  hasWriteRecord,
  inStep,
  inStepAsync,
  is,
  type OutputRecord,
  RecordWritingTransformer,
  stateField,
  unknownStep,
  withStepPath,
} from "./base.js";
import { missingColumn, requireRows } from "./input.js";
import { type ColumnSpecifier, isColumnSelector } from "./selectors.js";
import { isFittedTransformer, loadFitted, stateFromValue, stateToValue } from "./state.js";

/** What a ColumnTransformer entry applies: an estimator, or keep / drop the columns as they are. */
export type ColumnStep = Estimator<Fitted> | "passthrough" | "drop";

/** One entry: `[name, transformer, columns]`, as scikit-learn's `transformers` list. */
export type ColumnTransformerEntry = readonly [string, ColumnStep, ColumnSpecifier];

/** Options of {@link ColumnTransformer}. */
export interface ColumnTransformerOptions {
  /** What happens to columns no entry names: dropped (default) or passed through unchanged. */
  readonly remainder?: "drop" | "passthrough";
  /** Prefix output names with the entry name (`num__tenure`), as scikit-learn by default. */
  readonly verboseFeatureNamesOut?: boolean;
}

/**
 * Applies a transformer to each group of columns and concatenates the outputs side by side, as
 * scikit-learn's `ColumnTransformer`. Columns are names, a regex or a selector
 * ({@link selectNumeric}, {@link selectCategorical}); selected names are fixed at fit. Output
 * names are `<entry>__<name>` and remainder columns `remainder__<name>`.
 *
 * @example
 * ```ts
 * const prep = new ColumnTransformer(
 *   [
 *     ["num", new Pipeline([["impute", new SimpleImputer()], ["scale", new StandardScaler()]]), selectNumeric()],
 *     ["cat", new OneHotEncoder({ handleUnknown: "ignore" }), selectCategorical()],
 *   ],
 *   { remainder: "drop" },
 * );
 * const fitted = await prep.fit(frame);
 * fitted.featureNamesOut(); // ["num__tenure", …, "cat__contract_One year", …]
 * ```
 */
export class ColumnTransformer implements Estimator<FittedColumnTransformer> {
  readonly type = "ColumnTransformer";
  readonly transformers: readonly ColumnTransformerEntry[];
  readonly options: Required<ColumnTransformerOptions>;

  constructor(
    transformers: readonly ColumnTransformerEntry[],
    options: ColumnTransformerOptions = {},
  ) {
    const seen = new Set<string>();
    for (const [name] of transformers) {
      if (
        name === "" ||
        name.includes(".") ||
        name.includes("__") ||
        name === "remainder" ||
        seen.has(name)
      ) {
        throw new KeelError(
          "KEEL_ERR_INVALID_PARAM",
          `ColumnTransformer: entry name ${describeValue(name)} must be non-empty, unique, not 'remainder' and contain no '.' or '__'.`,
          { details: { estimator: this.type, param: "transformers", got: name } },
        );
      }
      seen.add(name);
    }
    const remainder = options.remainder ?? "drop";
    if (remainder !== "drop" && remainder !== "passthrough") {
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAM",
        `The 'remainder' parameter of ColumnTransformer must be one of 'drop', 'passthrough'. Got ${describeValue(remainder)} instead.`,
        {
          details: {
            estimator: this.type,
            param: "remainder",
            expected: "'drop' | 'passthrough'",
            got: remainder,
          },
        },
      );
    }
    this.transformers = transformers;
    this.options = { remainder, verboseFeatureNamesOut: options.verboseFeatureNamesOut ?? true };
  }

  /**
   * Every nested parameter by dotted path (`num.scale.withMean`), plus `remainder`.
   *
   * @example
   * ```ts
   * prep.params["cat.handleUnknown"]; // "ignore"
   * ```
   */
  get params(): Readonly<Record<string, unknown>> {
    const out: Record<string, unknown> = {
      remainder: this.options.remainder,
      verboseFeatureNamesOut: this.options.verboseFeatureNamesOut,
    };
    for (const [name, step] of this.transformers) {
      if (typeof step === "string") continue;
      for (const [key, value] of Object.entries(step.params)) out[`${name}.${key}`] = value;
    }
    return out;
  }

  /**
   * A new ColumnTransformer with nested params replaced by dotted path, or whole entries
   * replaced by name (an estimator, "drop" or "passthrough").
   *
   * @example
   * ```ts
   * prep.withParams({ "num.scale.withMean": false, remainder: "passthrough" });
   * ```
   */
  withParams(patch: Readonly<Record<string, unknown>>): ColumnTransformer {
    const options: { remainder?: "drop" | "passthrough"; verboseFeatureNamesOut?: boolean } = {
      ...this.options,
    };
    const nested = new Map<string, Record<string, unknown>>();
    const replaced = new Map<string, ColumnStep>();
    const names = this.transformers.map(([name]) => name);
    for (const [key, value] of Object.entries(patch)) {
      if (key === "remainder") options.remainder = value as "drop" | "passthrough";
      else if (key === "verboseFeatureNamesOut") options.verboseFeatureNamesOut = value as boolean;
      else {
        const dot = key.indexOf(".");
        const head = dot < 0 ? key : key.slice(0, dot);
        if (!names.includes(head)) throw unknownStep(this.type, key, names);
        if (dot < 0) replaced.set(head, value as ColumnStep);
        else nested.set(head, { ...nested.get(head), [key.slice(dot + 1)]: value });
      }
    }
    const transformers = this.transformers.map(([name, step, columns]): ColumnTransformerEntry => {
      let next = replaced.get(name) ?? step;
      const patchFor = nested.get(name);
      if (patchFor !== undefined) {
        if (typeof next === "string") {
          throw new KeelError(
            "KEEL_ERR_INVALID_PARAM",
            `ColumnTransformer: entry '${name}' is '${next}', which has no parameters to set.`,
            { details: { estimator: this.type, stepPath: name, param: Object.keys(patchFor)[0] } },
          );
        }
        const estimator = next;
        next = inStep(name, () => estimator.withParams(patchFor));
      }
      return [name, next, columns];
    });
    return new ColumnTransformer(transformers, options);
  }

  /**
   * Fits every entry on its columns and returns the fitted ColumnTransformer.
   *
   * @example
   * ```ts
   * const fitted = await prep.fit(frame, frame.column("churn"));
   * ```
   */
  async fit(x: Frame, y?: Column, options?: FitOptions): Promise<FittedColumnTransformer> {
    return (await this.#fitParts(x, y, options, false)).fitted;
  }

  /**
   * Fits and transforms the training data, using each entry's own `fitTransform` when it has
   * one (so cross-fitted encoders give their training-time output).
   *
   * @example
   * ```ts
   * const { fitted, output } = await prep.fitTransform(frame);
   * ```
   */
  fitTransform(
    x: Frame,
    y?: Column,
    options?: FitOptions,
  ): Promise<FitTransformResult<FittedColumnTransformer>> {
    return this.#fitParts(x, y, options, true);
  }

  async #fitParts(
    x: Frame,
    y: Column | undefined,
    options: FitOptions | undefined,
    wantOutput: boolean,
  ): Promise<FitTransformResult<FittedColumnTransformer>> {
    requireRows(x, this.type);
    const resolved = this.#resolveColumns(x);
    const used = new Set(resolved.flatMap((r) => r.columns));
    const remainder = x.columnNames.filter((name) => !used.has(name));
    const parts: FittedPart[] = [];
    const outputs: Frame[] = [];
    for (const { name, step, columns } of resolved) {
      if (step === "drop" || columns.length === 0) continue;
      const input = x.select(columns);
      if (step === "passthrough") {
        parts.push({ name, fitted: "passthrough", columns });
        outputs.push(input);
        continue;
      }
      const result = await inStepAsync(name, async () =>
        fitPart(step, input, y, options, wantOutput),
      );
      if (!isFittedTransformer(result.fitted)) {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `ColumnTransformer: entry '${name}' (${step.type}) is not a transformer; only a Pipeline's last step may be a model.`,
          { details: { estimator: this.type, stepPath: name, got: step.type } },
        );
      }
      parts.push({ name, fitted: result.fitted, columns });
      if (result.output !== undefined) outputs.push(result.output);
    }
    if (this.options.remainder === "passthrough" && remainder.length > 0) {
      parts.push({ name: "remainder", fitted: "passthrough", columns: remainder });
      outputs.push(x.select(remainder));
    }
    const fitted = new FittedColumnTransformer(x.columnNames, this.options, parts);
    return { fitted, output: wantOutput ? fitted.concat(outputs) : Frame.fromColumns([]) };
  }

  #resolveColumns(x: Frame): { name: string; step: ColumnStep; columns: string[] }[] {
    return this.transformers.map(([name, step, spec]) => {
      let columns: string[];
      if (typeof spec === "string") columns = [spec];
      else if (spec instanceof RegExp)
        columns = x.columnNames.filter((c) =>
          new RegExp(spec.source, spec.flags.replace(/[gy]/g, "")).test(c),
        );
      else if (isColumnSelector(spec)) columns = spec.select(x);
      else columns = [...spec];
      for (const column of columns) {
        if (!x.has(column)) {
          const base = missingColumn(x, column, `ColumnTransformer entry '${name}'`);
          throw new KeelError(base.code, base.message, {
            details: { ...base.details, estimator: this.type, stepPath: name },
          });
        }
      }
      return { name, step, columns };
    });
  }
}

async function fitPart(
  step: Estimator<Fitted>,
  input: Frame,
  y: Column | undefined,
  options: FitOptions | undefined,
  wantOutput: boolean,
): Promise<{ fitted: Fitted; output?: Frame }> {
  if (wantOutput && hasFitTransform(step)) return step.fitTransform(input, y, options);
  const fitted = await step.fit(input, y, options);
  if (!wantOutput || !isFittedTransformer(fitted)) return { fitted };
  return { fitted, output: fitted.transform(input) };
}

/** One fitted entry of a ColumnTransformer. */
interface FittedPart {
  readonly name: string;
  readonly fitted: FittedTransformer | "passthrough";
  readonly columns: readonly string[];
}

/**
 * A fitted {@link ColumnTransformer}.
 *
 * @example
 * ```ts
 * const out = fitted.transform(frame);
 * const one = fitted.transformRecord(frame.row(0));
 * ```
 */
export class FittedColumnTransformer extends RecordWritingTransformer implements FittedTransformer {
  readonly type = "ColumnTransformer";
  readonly featureNamesIn: readonly string[];
  readonly #options: Required<ColumnTransformerOptions>;
  readonly #parts: readonly FittedPart[];
  /** Per part: the part's own output names and the prefixed names they become. */
  readonly #names: readonly {
    readonly inner: readonly string[];
    readonly outer: readonly string[];
  }[];

  constructor(
    featureNamesIn: readonly string[],
    options: Required<ColumnTransformerOptions>,
    parts: readonly FittedPart[],
  ) {
    super();
    this.featureNamesIn = featureNamesIn;
    this.#options = options;
    this.#parts = parts;
    this.#names = parts.map((part) => {
      const inner =
        part.fitted === "passthrough" ? [...part.columns] : part.fitted.featureNamesOut();
      const outer = options.verboseFeatureNamesOut ? inner.map((n) => `${part.name}__${n}`) : inner;
      return { inner, outer };
    });
    const all = this.#names.flatMap((n) => n.outer);
    const duplicate = all.find((n, i) => all.indexOf(n) !== i);
    if (duplicate !== undefined) {
      throw new KeelError(
        "KEEL_ERR_DUPLICATE_COLUMN",
        `ColumnTransformer: output name '${duplicate}' appears twice; keep verboseFeatureNamesOut on or rename entries.`,
        { details: { estimator: this.type, column: duplicate } },
      );
    }
  }

  /**
   * The fitted entries: name, fitted transformer (or "passthrough") and the columns it took.
   *
   * @example
   * ```ts
   * fitted.parts.map((p) => p.name); // ["num", "cat"]
   * ```
   */
  get parts(): readonly FittedPart[] {
    return this.#parts;
  }

  /**
   * Transforms each group of columns and concatenates the results.
   *
   * @example
   * ```ts
   * fitted.transform(frame).columnNames;
   * ```
   */
  transform(x: Frame): Frame {
    const outputs = this.#parts.map((part) => {
      for (const column of part.columns) {
        if (!x.has(column)) {
          throw new KeelError(
            "KEEL_ERR_SCHEMA_MISMATCH",
            `step '${part.name}': ColumnTransformer: column '${column}' was seen at fit but is missing from the frame.`,
            {
              details: {
                estimator: this.type,
                stepPath: part.name,
                column,
                expected: [...part.columns],
              },
            },
          );
        }
      }
      const input = x.select(part.columns);
      const fitted = part.fitted;
      return fitted === "passthrough" ? input : inStep(part.name, () => fitted.transform(input));
    });
    return this.concat(outputs);
  }

  /**
   * Joins per-part outputs under the prefixed names (used by fit and transform).
   *
   * @example
   * ```ts
   * fitted.concat(outputs);
   * ```
   */
  concat(outputs: readonly Frame[]): Frame {
    const columns: [string, Column][] = [];
    outputs.forEach((output, p) => {
      const { inner, outer } = this.#names[p] as {
        inner: readonly string[];
        outer: readonly string[];
      };
      inner.forEach((name, k) => {
        columns.push([outer[k] as string, output.column(name)]);
      });
    });
    return Frame.fromColumns(columns);
  }

  /**
   * Writes one record's outputs into `out` under `names[offset + k]` (see RecordWriter); each
   * part writes its own slice directly, without an intermediate object.
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
    const parts = this.#parts;
    let base = offset;
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p] as FittedPart;
      const inner = (this.#names[p] as { inner: readonly string[] }).inner;
      const fitted = part.fitted;
      if (fitted === "passthrough") {
        for (let k = 0; k < inner.length; k++) {
          const name = inner[k] as string;
          const value = record[name];
          if (value === undefined) {
            throw new KeelError(
              "KEEL_ERR_SCHEMA_MISMATCH",
              `step '${part.name}': ColumnTransformer: the record has no field '${name}', which was seen at fit.`,
              { details: { estimator: this.type, stepPath: part.name, column: name } },
            );
          }
          out[names[base + k] as string] =
            typeof value === "number" && Number.isNaN(value) ? null : value;
        }
      } else {
        try {
          if (hasWriteRecord(fitted)) fitted.writeRecord(record, out, names, base);
          else {
            const result = fitted.transformRecord(record);
            for (let k = 0; k < inner.length; k++)
              out[names[base + k] as string] = result[inner[k] as string] ?? null;
          }
        } catch (error) {
          throw withStepPath(part.name, error);
        }
      }
      base += inner.length;
    }
  }

  /**
   * Output names, scikit-learn style: `num__tenure`, `cat__contract_One year`, `remainder__x`.
   *
   * @example
   * ```ts
   * fitted.featureNamesOut();
   * ```
   */
  featureNamesOut(): string[] {
    return this.#names.flatMap((n) => [...n.outer]);
  }

  /**
   * Serialises every fitted entry.
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
      params: {
        remainder: this.#options.remainder,
        verboseFeatureNamesOut: this.#options.verboseFeatureNamesOut,
      },
      state: {
        featureNamesIn: [...this.featureNamesIn],
        parts: this.#parts.map(
          (part): StateValue => ({
            name: part.name,
            columns: [...part.columns],
            fitted:
              part.fitted === "passthrough" ? "passthrough" : stateToValue(part.fitted.toState()),
          }),
        ),
      },
    };
  }
}

/**
 * Rebuilds a {@link FittedColumnTransformer}; nested states load with the same loaders.
 *
 * @example
 * ```ts
 * loadColumnTransformer(state, transformLoaders);
 * ```
 */
export const loadColumnTransformer: StateLoader<FittedColumnTransformer> = (state, loaders) => {
  expectState(state, "ColumnTransformer", 1);
  const raw = stateField(state, "parts", (v): v is readonly StateValue[] => Array.isArray(v));
  const parts = raw.map((value, p): FittedPart => {
    const path = `$.state.parts[${p}]`;
    const record = (value ?? {}) as { readonly [key: string]: StateValue };
    const name = record.name;
    const columns = record.columns;
    if (typeof name !== "string" || !is.strings(columns)) {
      throw new KeelError(
        "KEEL_ERR_STATE_INVALID",
        `${path}: expected { name, columns, fitted }.`,
        { details: { path } },
      );
    }
    if (record.fitted === "passthrough") return { name, columns, fitted: "passthrough" };
    const fitted = loadFitted(stateFromValue(record.fitted, `${path}.fitted`), loaders);
    if (!isFittedTransformer(fitted)) {
      throw new KeelError(
        "KEEL_ERR_STATE_INVALID",
        `${path}.fitted: ${fitted.type} is not a transformer.`,
        { details: { path } },
      );
    }
    return { name, columns, fitted };
  });
  const remainder = state.params.remainder === "passthrough" ? "passthrough" : "drop";
  return new FittedColumnTransformer(
    stateField(state, "featureNamesIn", is.strings),
    { remainder, verboseFeatureNamesOut: state.params.verboseFeatureNamesOut !== false },
    parts,
  );
};
