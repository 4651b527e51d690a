import {
  closestNames,
  describeValue,
  KeelError,
  type ParamSpec,
  type ParamsDeclaration,
} from "../core/index.js";
import {
  type CategoricalChoice,
  categoricalDistribution,
  type Distribution,
  floatDistribution,
  intDistribution,
  type ParamValue,
} from "./distributions.js";
import type { Trial } from "./trial.js";

/**
 * A declarative search space: per parameter a distribution, or a fixed value.
 *
 * @example
 * ```ts
 * const space: SearchSpace = { maxDepth: intDistribution("maxDepth", 2, 8), nEstimators: { fixed: 300 } };
 * ```
 */
export type SearchSpace = Readonly<Record<string, Distribution | { readonly fixed: ParamValue }>>;

/**
 * The default search space of a component, from the `search` hints of its params declaration
 * (what `keel tune` searches when no `--space` file is given).
 *
 * @example
 * ```ts
 * defaultSearchSpace(gbdtParams); // { learningRate: { kind: "float", low: 0.01, high: 0.3, log: true }, ... }
 * ```
 */
export function defaultSearchSpace(
  declaration: ParamsDeclaration<Record<string, ParamSpec<unknown>>>,
): SearchSpace {
  const space: Record<string, Distribution> = {};
  for (const [name, spec] of Object.entries(declaration.specs)) {
    if (spec.search === undefined) continue;
    const hint = spec.search as Readonly<Record<string, unknown>>;
    space[name] = hintToDistribution(name, spec, hint, `${declaration.owner}.${name}`);
  }
  return space;
}

/**
 * Parses a search space written as JSON — `{ "maxDepth": { "low": 2, "high": 8 },
 * "learningRate": { "low": 0.01, "high": 0.3, "log": true }, "growPolicy": { "choices":
 * ["depthwise", "lossguide"] }, "nEstimators": 300 }` — against a params declaration: the type
 * of each range (int or float) comes from the declaration, and a declared alias
 * (`learning_rate`) stands for its parameter. Unknown names and bad ranges raise
 * `KEEL_ERR_SEARCH_SPACE` with the JSON path and, for typos, a suggestion.
 *
 * @example
 * ```ts
 * parseSearchSpace(JSON.parse(text), gbdtParams, "space.json");
 * ```
 */
export function parseSearchSpace(
  json: unknown,
  declaration: ParamsDeclaration<Record<string, ParamSpec<unknown>>>,
  where: string,
): SearchSpace {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new KeelError(
      "KEEL_ERR_SEARCH_SPACE",
      `${where}: a search space must be a JSON object of parameter names. Got ${describeValue(json)}.`,
      { details: { file: where } },
    );
  }
  const space: Record<string, Distribution | { fixed: ParamValue }> = {};
  const names = Object.keys(declaration.specs);
  // Aliases (`learning_rate`, `eta`) name the same parameter, as `--param` and constructors accept.
  const canonical = new Map<string, string>();
  for (const [name, spec] of Object.entries(declaration.specs)) {
    canonical.set(name, name);
    for (const alias of spec.aliases) canonical.set(alias, name);
  }
  const givenAs = new Map<string, string>();
  for (const [key, entry] of Object.entries(json)) {
    const path = `${where}: $.${key}`;
    const name = canonical.get(key);
    const spec = name === undefined ? undefined : declaration.specs[name];
    if (name === undefined || spec === undefined) {
      const hint = closestNames(key, [...canonical.keys()]);
      throw new KeelError(
        "KEEL_ERR_SEARCH_SPACE",
        `${path}: ${declaration.owner} has no parameter '${key}'.${hint.length > 0 ? ` Did you mean '${hint[0]}'?` : ""}`,
        { details: { file: where, path: `$.${key}`, param: key, known: names } },
      );
    }
    const earlier = givenAs.get(name);
    if (earlier !== undefined) {
      throw new KeelError(
        "KEEL_ERR_SEARCH_SPACE",
        `${path}: '${key}' and '${earlier}' both name ${declaration.owner}'s '${name}'; give it once.`,
        { details: { file: where, path: `$.${key}`, param: name, names: [earlier, key] } },
      );
    }
    givenAs.set(name, key);
    if (typeof entry !== "object" || entry === null) {
      if (!spec.check(entry)) {
        throw new KeelError(
          "KEEL_ERR_SEARCH_SPACE",
          `${path}: a fixed value must be ${spec.constraint}. Got ${describeValue(entry)}.`,
          { details: { file: where, path: `$.${key}`, param: name } },
        );
      }
      space[name] = { fixed: entry as ParamValue };
      continue;
    }
    space[name] = hintToDistribution(name, spec, entry as Record<string, unknown>, path);
  }
  return space;
}

/**
 * Suggests every parameter of a search space in a trial (fixed values pass through).
 *
 * @example
 * ```ts
 * await study.optimize((trial) => score(suggestParams(trial, space)), { nTrials: 50 });
 * ```
 */
export function suggestParams(
  trial: Pick<Trial, "suggestFloat" | "suggestInt" | "suggestCategorical">,
  space: SearchSpace,
): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const [name, d] of Object.entries(space)) {
    if ("fixed" in d) params[name] = d.fixed;
    else if (d.kind === "categorical") params[name] = trial.suggestCategorical(name, d.choices);
    else if (d.kind === "int")
      params[name] = trial.suggestInt(name, d.low, d.high, { log: d.log, step: d.step });
    else
      params[name] = trial.suggestFloat(name, d.low, d.high, {
        log: d.log,
        ...(d.step === undefined ? {} : { step: d.step }),
      });
  }
  return params;
}

/**
 * The fixed values of a search space (they are not trial parameters, but every fit needs them).
 *
 * @example
 * ```ts
 * fixedParams({ nEstimators: { fixed: 300 }, maxDepth: intDistribution("maxDepth", 2, 8) }); // { nEstimators: 300 }
 * ```
 */
export function fixedParams(space: SearchSpace): Record<string, ParamValue> {
  const fixed: Record<string, ParamValue> = {};
  for (const [name, d] of Object.entries(space)) if ("fixed" in d) fixed[name] = d.fixed;
  return fixed;
}

function hintToDistribution(
  name: string,
  spec: ParamSpec<unknown>,
  hint: Readonly<Record<string, unknown>>,
  path: string,
): Distribution {
  try {
    if ("choices" in hint) {
      const choices = hint.choices as CategoricalChoice[];
      const bad = Array.isArray(choices) ? choices.find((c) => !spec.check(c)) : undefined;
      if (bad !== undefined) {
        throw new KeelError(
          "KEEL_ERR_SEARCH_SPACE",
          `choice ${describeValue(bad)} is not ${spec.constraint}.`,
        );
      }
      return categoricalDistribution(name, choices);
    }
    const { low, high, log, step } = hint as {
      low: number;
      high: number;
      log?: boolean;
      step?: number;
    };
    for (const bound of [low, high]) {
      if (!spec.check(bound)) {
        throw new KeelError(
          "KEEL_ERR_SEARCH_SPACE",
          `bound ${describeValue(bound)} is not ${spec.constraint}.`,
        );
      }
    }
    const options = {
      ...(log === undefined ? {} : { log }),
      ...(step === undefined ? {} : { step }),
    };
    return spec.type === "int"
      ? intDistribution(name, low, high, options)
      : floatDistribution(name, low, high, options);
  } catch (error) {
    if (!(error instanceof KeelError)) throw error;
    throw new KeelError(
      "KEEL_ERR_SEARCH_SPACE",
      `${path}: ${error.message.replace(/^Parameter '[^']*': /, "")} Expected { "low", "high", "log"?, "step"? } or { "choices": [...] } or a fixed value.`,
      { details: { path, param: name } },
    );
  }
}
