import { describeValue, KeelError } from "../core/index.js";

/**
 * A value a categorical parameter may take: anything that survives a JSON round trip as is.
 *
 * @example
 * ```ts
 * trial.suggestCategorical("booster", ["gbtree", "dart"]);
 * ```
 */
export type CategoricalChoice = string | number | boolean | null;

/**
 * A value a parameter takes in a trial.
 *
 * @example
 * ```ts
 * const value: ParamValue = study.bestParams.learningRate;
 * ```
 */
export type ParamValue = number | CategoricalChoice;

/**
 * A float parameter in `[low, high]`, optionally log-scaled or on a grid of `step`.
 *
 * @example
 * ```ts
 * const d: FloatDistribution = floatDistribution("lr", 1e-3, 1, { log: true });
 * ```
 */
export interface FloatDistribution {
  readonly kind: "float";
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step?: number;
}

/**
 * An integer parameter in `[low, high]` on a grid of `step` (1 by default), optionally log-scaled.
 *
 * @example
 * ```ts
 * const d: IntDistribution = intDistribution("depth", 2, 10, { step: 2 });
 * ```
 */
export interface IntDistribution {
  readonly kind: "int";
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;
}

/**
 * A parameter that takes one of a fixed list of choices.
 *
 * @example
 * ```ts
 * const d: CategoricalDistribution = categoricalDistribution("kind", ["a", "b"]);
 * ```
 */
export interface CategoricalDistribution {
  readonly kind: "categorical";
  readonly choices: readonly CategoricalChoice[];
}

/**
 * Where a parameter's values come from: plain JSON, so storages persist it as is.
 *
 * @example
 * ```ts
 * const d: Distribution = study.bestTrial.distributions.learningRate;
 * ```
 */
export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

/**
 * Options of `suggestFloat` / `suggestInt`.
 *
 * @example
 * ```ts
 * trial.suggestFloat("lr", 1e-4, 1, { log: true }); trial.suggestInt("k", 0, 100, { step: 5 });
 * ```
 */
export interface NumericSuggestOptions {
  /** Sample on a log scale (needs `low > 0`). */
  readonly log?: boolean;
  /** Sample on the grid `low, low + step, …` (cannot be combined with `log`). */
  readonly step?: number;
}

function invalid(name: string, message: string, details: Record<string, unknown>): KeelError {
  return new KeelError("KEEL_ERR_SEARCH_SPACE", `Parameter '${name}': ${message}`, {
    details: { param: name, ...details },
  });
}

function checkNumericArgs(
  name: string,
  low: number,
  high: number,
  options: NumericSuggestOptions,
  integer: boolean,
): void {
  const kind = integer ? "integers" : "finite numbers";
  const ok = (v: number) => Number.isFinite(v) && (!integer || Number.isInteger(v));
  if (!ok(low) || !ok(high)) {
    throw invalid(
      name,
      `low and high must be ${kind}. Got low=${describeValue(low)}, high=${describeValue(high)}.`,
      {
        low,
        high,
      },
    );
  }
  if (low > high) {
    throw invalid(name, `low must be <= high. Got low=${low} > high=${high}.`, { low, high });
  }
  if (options.log && options.step !== undefined && !(integer && options.step === 1)) {
    throw invalid(name, `log and step cannot be combined. Got log=true, step=${options.step}.`, {
      step: options.step,
    });
  }
  if (options.log && low <= 0) {
    throw invalid(name, `a log-scaled range needs low > 0. Got low=${low}.`, { low, high });
  }
  if (options.step !== undefined && !(ok(options.step) && options.step > 0)) {
    throw invalid(
      name,
      `step must be a positive ${integer ? "integer" : "number"}. Got ${describeValue(options.step)}.`,
      {
        step: options.step,
      },
    );
  }
}

/** Snaps `high` down onto the step grid from `low`, as Optuna does, so every grid point is reachable. */
function adjustHigh(low: number, high: number, step: number): number {
  const n = Math.floor((high - low) / step + 1e-9);
  return Number((low + n * step).toPrecision(15));
}

/**
 * Builds and validates a float distribution (what `trial.suggestFloat` does first).
 *
 * @example
 * ```ts
 * floatDistribution("lr", 1e-4, 1, { log: true }); // { kind: "float", low: 1e-4, high: 1, log: true }
 * ```
 */
export function floatDistribution(
  name: string,
  low: number,
  high: number,
  options: NumericSuggestOptions = {},
): FloatDistribution {
  checkNumericArgs(name, low, high, options, false);
  const log = options.log ?? false;
  if (options.step === undefined) return { kind: "float", low, high, log };
  return { kind: "float", low, high: adjustHigh(low, high, options.step), log, step: options.step };
}

/**
 * Builds and validates an integer distribution (what `trial.suggestInt` does first).
 *
 * @example
 * ```ts
 * intDistribution("depth", 2, 10); // { kind: "int", low: 2, high: 10, log: false, step: 1 }
 * ```
 */
export function intDistribution(
  name: string,
  low: number,
  high: number,
  options: NumericSuggestOptions = {},
): IntDistribution {
  checkNumericArgs(name, low, high, options, true);
  const step = options.step ?? 1;
  return { kind: "int", low, high: adjustHigh(low, high, step), log: options.log ?? false, step };
}

/**
 * Builds and validates a categorical distribution.
 *
 * @example
 * ```ts
 * categoricalDistribution("booster", ["gbtree", "dart"]);
 * ```
 */
export function categoricalDistribution(
  name: string,
  choices: readonly CategoricalChoice[],
): CategoricalDistribution {
  if (!Array.isArray(choices) || choices.length === 0) {
    throw invalid(name, `choices must be a non-empty array. Got ${describeValue(choices)}.`, {
      choices,
    });
  }
  for (const c of choices) {
    const t = typeof c;
    if (
      !(c === null || t === "string" || t === "boolean" || (t === "number" && !Number.isNaN(c)))
    ) {
      throw invalid(
        name,
        `choices must be strings, numbers, booleans or null. Got ${describeValue(c)}.`,
        { choice: String(c) },
      );
    }
  }
  return { kind: "categorical", choices: [...choices] };
}

/**
 * True when two distributions are the same (same kind, bounds, scale, step or choices).
 *
 * @example
 * ```ts
 * sameDistribution(intDistribution("a", 0, 3), intDistribution("a", 0, 3)); // true
 * ```
 */
export function sameDistribution(a: Distribution, b: Distribution): boolean {
  if (a.kind === "categorical" || b.kind === "categorical") {
    if (a.kind !== "categorical" || b.kind !== "categorical") return false;
    return a.choices.length === b.choices.length && a.choices.every((c, i) => c === b.choices[i]);
  }
  return (
    a.kind === b.kind &&
    a.low === b.low &&
    a.high === b.high &&
    a.log === b.log &&
    a.step === b.step
  );
}

/**
 * A one-line description of a distribution for messages: `float [0.001, 1] log`.
 *
 * @example
 * ```ts
 * describeDistribution(intDistribution("d", 1, 9)); // "int [1, 9]"
 * ```
 */
export function describeDistribution(d: Distribution): string {
  if (d.kind === "categorical") return `categorical ${describeValue(d.choices)}`;
  const extra = `${d.log ? " log" : ""}${d.step !== undefined && !(d.kind === "int" && d.step === 1) ? ` step ${d.step}` : ""}`;
  return `${d.kind} [${d.low}, ${d.high}]${extra}`;
}

/**
 * True when a parameter may move from distribution `a` to `b` between trials, as Optuna allows:
 * the same kind (float, int or categorical), the same log flag, and for categoricals the same
 * choices in the same order. Bounds and step may change, which is what a range that depends on
 * another parameter needs (`suggestInt("numLeaves", 2, 2 ** depth)`).
 *
 * @example
 * ```ts
 * compatibleDistributions(intDistribution("k", 2, 128), intDistribution("k", 2, 16)); // true
 * compatibleDistributions(intDistribution("k", 1, 9), floatDistribution("k", 1, 9)); // false
 * ```
 */
export function compatibleDistributions(a: Distribution, b: Distribution): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "categorical" || b.kind === "categorical") return sameDistribution(a, b);
  return a.log === b.log;
}

/**
 * Throws `KEEL_ERR_SEARCH_SPACE` naming the parameter when a study already knows `name` with an
 * incompatible distribution (another kind, another log flag, other choices): values of
 * different kinds cannot be modelled together. A changed range is fine
 * (see {@link compatibleDistributions}).
 *
 * @example
 * ```ts
 * checkCompatible("lr", previous, floatDistribution("lr", 0, 2)); // throws if previous was an int or log-scaled
 * ```
 */
export function checkCompatible(name: string, known: Distribution, given: Distribution): void {
  if (compatibleDistributions(known, given)) return;
  const what =
    known.kind !== given.kind
      ? "a parameter keeps its kind"
      : known.kind === "categorical"
        ? "a categorical parameter keeps its choices (in order)"
        : "a parameter keeps its log flag";
  throw invalid(
    name,
    `it was suggested as ${describeDistribution(known)} earlier in this study, and now as ${describeDistribution(given)}; ${what} (bounds and step may change). Use a new name for a different parameter.`,
    { known, given },
  );
}

/**
 * True when a distribution has exactly one possible value.
 *
 * @example
 * ```ts
 * isSingleValued(intDistribution("k", 3, 3)); // true
 * ```
 */
export function isSingleValued(d: Distribution): boolean {
  return d.kind === "categorical" ? d.choices.length === 1 : d.low === d.high;
}

/**
 * The internal number for a value: the value itself for numeric distributions, the choice
 * index for categorical ones (what samplers model).
 *
 * @example
 * ```ts
 * toInternal(categoricalDistribution("c", ["a", "b"]), "b"); // 1
 * ```
 */
export function toInternal(d: Distribution, value: ParamValue): number {
  if (d.kind !== "categorical") return value as number;
  const index = d.choices.indexOf(value as CategoricalChoice);
  if (index < 0) {
    throw new KeelError(
      "KEEL_ERR_SEARCH_SPACE",
      `${describeValue(value)} is not one of the choices ${describeValue(d.choices)}.`,
      { details: { value, choices: d.choices } },
    );
  }
  return index;
}

/**
 * The value for an internal number (inverse of {@link toInternal}).
 *
 * @example
 * ```ts
 * fromInternal(categoricalDistribution("c", ["a", "b"]), 1); // "b"
 * ```
 */
export function fromInternal(d: Distribution, internal: number): ParamValue {
  if (d.kind !== "categorical") return internal;
  const choice = d.choices[internal];
  if (choice === undefined) {
    throw new KeelError(
      "KEEL_ERR_STATE_INVALID",
      `Categorical index ${internal} is outside the ${d.choices.length} choices.`,
    );
  }
  return choice;
}

/**
 * True when `value` is a value the distribution can produce.
 *
 * @example
 * ```ts
 * contains(intDistribution("d", 1, 9, { step: 2 }), 4); // false
 * ```
 */
export function contains(d: Distribution, value: ParamValue): boolean {
  if (d.kind === "categorical") return d.choices.includes(value as CategoricalChoice);
  if (typeof value !== "number" || value < d.low || value > d.high) return false;
  if (d.kind === "int" && !Number.isInteger(value)) return false;
  if (d.step === undefined) return true;
  const k = (value - d.low) / d.step;
  return Math.abs(k - Math.round(k)) < 1e-8;
}
