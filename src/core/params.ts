import { closestNames, describeValue, KeelError } from "./errors.js";

/** A hint for the default search space of a numeric parameter (used by `keel tune`). */
export interface NumericSearchHint {
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  readonly step?: number;
}

/** Declaration of one parameter: its type, constraint, default and documentation, once. */
export interface ParamSpec<T> {
  /** The type name used in docs and CLI help: "number", "int", "boolean", "enum", … */
  readonly type: string;
  /** The default value used when the parameter is not given. */
  readonly default: T;
  /** One sentence for docs and `--help`. */
  readonly doc: string;
  /** Other accepted names (for XGBoost/LightGBM users: `eta` for `learningRate`). */
  readonly aliases: readonly string[];
  /** How the constraint reads in an error: "a number in (0, inf)". */
  readonly constraint: string;
  /** Default search range or choices for tuning, when the parameter is worth tuning. */
  readonly search?: NumericSearchHint | { readonly choices: readonly unknown[] };
  /** True when `value` satisfies the declaration. */
  check(value: unknown): value is T;
  /** Parses a command-line string (`--param k=v`) into a value, or returns `undefined`. */
  fromString(text: string): unknown;
}

interface CommonOptions<T> {
  default: T;
  doc: string;
  aliases?: readonly string[];
}

interface RangeOptions<T> extends CommonOptions<T> {
  min?: number;
  max?: number;
  /** Exclude `min` itself from the range (an open interval at the low end). */
  minExclusive?: boolean;
  /** Exclude `max` itself from the range. */
  maxExclusive?: boolean;
  search?: NumericSearchHint;
}

function rangeText(o: RangeOptions<unknown>): string {
  const lo = o.min === undefined ? "(-inf" : `${o.minExclusive ? "(" : "["}${o.min}`;
  const hi = o.max === undefined ? "inf)" : `${o.max}${o.maxExclusive ? ")" : "]"}`;
  return `${lo}, ${hi}`;
}

function inRange(v: number, o: RangeOptions<unknown>): boolean {
  if (Number.isNaN(v)) return false;
  if (o.min !== undefined && (o.minExclusive ? v <= o.min : v < o.min)) return false;
  if (o.max !== undefined && (o.maxExclusive ? v >= o.max : v > o.max)) return false;
  return true;
}

function parseNumber(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === "inf" || t === "+inf" || t === "infinity") return Number.POSITIVE_INFINITY;
  if (t === "-inf" || t === "-infinity") return Number.NEGATIVE_INFINITY;
  if (t === "" || Number.isNaN(Number(t))) return undefined;
  return Number(t);
}

function spec<T>(
  type: string,
  options: CommonOptions<T> & { search?: ParamSpec<T>["search"] },
  constraint: string,
  check: (value: unknown) => value is T,
  fromString: (text: string) => unknown,
): ParamSpec<T> {
  return {
    type,
    default: options.default,
    doc: options.doc,
    aliases: options.aliases ?? [],
    constraint,
    ...(options.search === undefined ? {} : { search: options.search }),
    check,
    fromString,
  };
}

/**
 * Builders for parameter declarations. Each takes the default, a doc sentence and a
 * constraint, so that validation, docs, CLI flags and search spaces come from one place.
 *
 * @example
 * ```ts
 * const learningRate = param.number({ default: 0.3, min: 0, minExclusive: true, doc: "Shrinkage.", aliases: ["eta"] });
 * const strategy = param.enum(["mean", "median"] as const, { default: "mean", doc: "How to impute." });
 * ```
 */
export const param = {
  /** A finite or infinite float within an optional range. */
  number(options: RangeOptions<number>): ParamSpec<number> {
    return spec(
      "number",
      options,
      `a number in ${rangeText(options)}`,
      (v): v is number => typeof v === "number" && inRange(v, options),
      parseNumber,
    );
  },
  /** An integer within an optional range. */
  int(options: RangeOptions<number>): ParamSpec<number> {
    return spec(
      "int",
      options,
      `an integer in ${rangeText(options)}`,
      (v): v is number =>
        typeof v === "number" &&
        (Number.isInteger(v) || !Number.isFinite(v)) &&
        inRange(v, options),
      parseNumber,
    );
  },
  /** `true` or `false`. */
  boolean(options: CommonOptions<boolean>): ParamSpec<boolean> {
    return spec(
      "boolean",
      options,
      "a boolean",
      (v): v is boolean => typeof v === "boolean",
      (t) => (t === "true" || t === "1" ? true : t === "false" || t === "0" ? false : undefined),
    );
  },
  /** One of a fixed set of strings. */
  enum<const T extends string>(
    values: readonly T[],
    options: CommonOptions<T> & { search?: boolean },
  ): ParamSpec<T> {
    const { search, ...rest } = options;
    return spec<T>(
      "enum",
      search ? { ...rest, search: { choices: values } } : rest,
      `one of ${values.map((v) => `'${v}'`).join(", ")}`,
      (v): v is T => typeof v === "string" && (values as readonly string[]).includes(v),
      (t) => t,
    );
  },
  /** Any string, optionally matching a pattern. */
  string(options: CommonOptions<string> & { pattern?: RegExp }): ParamSpec<string> {
    const pattern = options.pattern;
    return spec(
      "string",
      options,
      pattern ? `a string matching ${pattern}` : "a string",
      (v): v is string => typeof v === "string" && (pattern === undefined || pattern.test(v)),
      (t) => t,
    );
  },
  /** A pair of numbers `[low, high]` with `low < high`, each within the range. */
  numberPair(
    options: RangeOptions<readonly [number, number]>,
  ): ParamSpec<readonly [number, number]> {
    return spec(
      "numberPair",
      options,
      `a pair [low, high] with low < high, each in ${rangeText(options)}`,
      (v): v is readonly [number, number] =>
        Array.isArray(v) &&
        v.length === 2 &&
        typeof v[0] === "number" &&
        typeof v[1] === "number" &&
        v[0] < v[1] &&
        inRange(v[0], options) &&
        inRange(v[1], options),
      (t) => t.split(",").map((x) => parseNumber(x)),
    );
  },
  /** A parameter that may be left out (`undefined`), otherwise satisfying `inner`. */
  optional<T>(inner: ParamSpec<T>): ParamSpec<T | undefined> {
    return {
      ...inner,
      default: undefined,
      constraint: `${inner.constraint}, or left out`,
      check: (v): v is T | undefined => v === undefined || inner.check(v),
    };
  },
  /** A parameter with a hand-written check, for shapes the builders above do not cover. */
  custom<T>(
    options: CommonOptions<T> & {
      constraint: string;
      check: (value: unknown) => boolean;
      fromString?: (t: string) => unknown;
    },
  ): ParamSpec<T> {
    const check = options.check;
    return spec(
      "custom",
      options,
      options.constraint,
      (v): v is T => check(v),
      options.fromString ??
        ((t) => {
          try {
            return JSON.parse(t) as unknown;
          } catch {
            return undefined;
          }
        }),
    );
  },
};

/** The value type a record of {@link ParamSpec}s declares. */
export type ParamsOf<S extends Record<string, ParamSpec<unknown>>> = {
  readonly [K in keyof S]: S[K] extends ParamSpec<infer T> ? T : never;
};

/** What a caller may pass: every parameter optional. */
export type ParamsInput<S extends Record<string, ParamSpec<unknown>>> = {
  readonly [K in keyof S]?: S[K] extends ParamSpec<infer T> ? T : never;
};

/** One problem found while validating parameters. */
export interface ParamIssue {
  readonly param: string;
  readonly expected: string;
  readonly received: unknown;
  readonly message: string;
}

/** The result of {@link ParamsDeclaration.safeParse}: the value, or every issue found. */
export type SafeParseResult<T> =
  | { success: true; value: T }
  | { success: false; issues: ParamIssue[] };

/** A documented parameter, as `describe()` lists it for docs and `--help`. */
export interface ParamDoc {
  readonly name: string;
  readonly type: string;
  readonly default: unknown;
  readonly constraint: string;
  readonly doc: string;
  readonly aliases: readonly string[];
}

/**
 * The parameters of one component (an estimator, a sampler), declared once: validates input
 * and collects every issue, fills defaults, maps aliases, parses CLI strings and documents
 * itself.
 */
export interface ParamsDeclaration<S extends Record<string, ParamSpec<unknown>>> {
  readonly owner: string;
  readonly specs: S;
  /** Validates and fills defaults; throws `KEEL_ERR_INVALID_PARAM` listing every issue. */
  parse(input?: unknown): ParamsOf<S>;
  /** Like `parse`, but returns the issues instead of throwing. */
  safeParse(input?: unknown): SafeParseResult<ParamsOf<S>>;
  /** Parses `key=value` strings from the command line by each parameter's type, then validates. */
  parseStrings(pairs: Readonly<Record<string, string>>): ParamsOf<S>;
  /** The defaults. */
  defaults(): ParamsOf<S>;
  /** Documentation rows, in declaration order. */
  describe(): ParamDoc[];
}

/**
 * Declares the parameters of a component. Validation messages name the owner, the parameter,
 * the constraint and the value received.
 *
 * @example
 * ```ts
 * const gbdtParams = declareParams("GbdtClassifier", {
 *   learningRate: param.number({ default: 0.3, min: 0, minExclusive: true, doc: "Shrinkage.", aliases: ["eta"] }),
 *   maxDepth: param.int({ default: 6, min: 0, doc: "Maximum tree depth; 0 means unlimited." }),
 * });
 * gbdtParams.parse({ eta: 0.1 }); // { learningRate: 0.1, maxDepth: 6 }
 * gbdtParams.parse({ learningRate: -0.1 });
 * // KeelError: The 'learningRate' parameter of GbdtClassifier must be a number in (0, inf). Got -0.1 instead.
 * ```
 */
export function declareParams<const S extends Record<string, ParamSpec<unknown>>>(
  owner: string,
  specs: S,
): ParamsDeclaration<S> {
  const canonical = new Map<string, string>();
  for (const [name, s] of Object.entries(specs)) {
    canonical.set(name, name);
    for (const alias of s.aliases) canonical.set(alias, name);
  }

  const safeParse = (input: unknown = {}): SafeParseResult<ParamsOf<S>> => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      const message = `The parameters of ${owner} must be an object. Got ${describeValue(input)} instead.`;
      return {
        success: false,
        issues: [{ param: "", expected: "an object", received: input, message }],
      };
    }
    const issues: ParamIssue[] = [];
    const out: Record<string, unknown> = {};
    for (const [name, s] of Object.entries(specs)) out[name] = s.default;
    // Canonical name → the spelling it was first given under, to name both in a conflict.
    const given = new Map<string, string>();
    for (const [key, value] of Object.entries(input)) {
      if (value === undefined) continue;
      const name = canonical.get(key);
      if (name === undefined) {
        const suggestions = closestNames(key, [...canonical.keys()]);
        const hint = suggestions.length > 0 ? ` Did you mean '${suggestions[0]}'?` : "";
        issues.push({
          param: key,
          expected: `one of ${Object.keys(specs).join(", ")}`,
          received: value,
          message: `${owner} has no parameter '${key}'.${hint}`,
        });
        continue;
      }
      const first = given.get(name);
      if (first !== undefined) {
        issues.push({
          param: key,
          expected: "one value",
          received: value,
          message: `The '${name}' parameter of ${owner} is given twice (as '${first}' and as '${key}').`,
        });
        continue;
      }
      given.set(name, key);
      const s = specs[name] as ParamSpec<unknown>;
      if (!s.check(value)) {
        issues.push({
          param: name,
          expected: s.constraint,
          received: value,
          message: `The '${name}' parameter of ${owner} must be ${s.constraint}. Got ${describeValue(value)} instead.`,
        });
        continue;
      }
      out[name] = value;
    }
    return issues.length > 0
      ? { success: false, issues }
      : { success: true, value: out as ParamsOf<S> };
  };

  const parse = (input?: unknown): ParamsOf<S> => {
    const result = safeParse(input);
    if (result.success) return result.value;
    throw new KeelError("KEEL_ERR_INVALID_PARAM", result.issues.map((i) => i.message).join("\n"), {
      details: {
        owner,
        issues: result.issues.map(({ param, expected, received }) => ({
          param,
          expected,
          received,
        })),
      },
    });
  };

  return {
    owner,
    specs,
    parse,
    safeParse,
    parseStrings(pairs) {
      const typed: Record<string, unknown> = {};
      for (const [key, text] of Object.entries(pairs)) {
        const s = specs[canonical.get(key) ?? ""];
        // Unknown keys pass through untouched so that `parse` reports them with suggestions.
        const value = s === undefined ? text : s.fromString(text);
        typed[key] = value === undefined ? text : value;
      }
      return parse(typed);
    },
    defaults: () => parse({}),
    describe: () =>
      Object.entries(specs).map(([name, s]) => ({
        name,
        type: s.type,
        default: s.default,
        constraint: s.constraint,
        doc: s.doc,
        aliases: s.aliases,
      })),
  };
}
