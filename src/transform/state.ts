import {
  closestNames,
  describeValue,
  type EstimatorState,
  type Fitted,
  type FittedModel,
  type FittedTransformer,
  KeelError,
  type StateLoaders,
  type StateValue,
} from "../core/index.js";

/**
 * Rebuilds a fitted object from its state with the loader registered for its `type`. Loaders
 * are passed explicitly: combine maps to load pipelines that end in a model, e.g.
 * `{ ...transformLoaders, ...modelLoaders }`.
 *
 * @example
 * ```ts
 * const fitted = loadFitted(decodeState(json) as EstimatorState, transformLoaders);
 * ```
 */
export function loadFitted(state: EstimatorState, loaders: StateLoaders): Fitted {
  const loader = loaders[state.type];
  if (loader === undefined) {
    const known = Object.keys(loaders);
    const suggestions = closestNames(state.type, known);
    throw new KeelError(
      "KEEL_ERR_STATE_INVALID",
      `No loader for fitted type ${describeValue(state.type)}. Known types: ${known.join(", ")}.${suggestions.length > 0 ? ` Did you mean '${suggestions[0]}'?` : ""} Pass the loaders of the module that defines it (for models: { ...transformLoaders, ...modelLoaders }).`,
      { details: { type: state.type, known } },
    );
  }
  return loader(state, loaders);
}

/**
 * An {@link EstimatorState} as a plain StateValue, for nesting one state inside another.
 *
 * @example
 * ```ts
 * const nested = stateToValue(fitted.toState());
 * ```
 */
export function stateToValue(state: EstimatorState): StateValue {
  return { type: state.type, version: state.version, params: state.params, state: state.state };
}

/**
 * Checks that a StateValue has the shape of an {@link EstimatorState}; `path` names it in errors.
 *
 * @example
 * ```ts
 * const inner = stateFromValue(value, "$.state.steps[0]");
 * ```
 */
export function stateFromValue(value: StateValue | undefined, path: string): EstimatorState {
  if (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value)
  ) {
    const record = value as { readonly [key: string]: StateValue };
    const params = record.params;
    if (
      typeof record.type === "string" &&
      typeof record.version === "number" &&
      params !== null &&
      typeof params === "object" &&
      !Array.isArray(params) &&
      !ArrayBuffer.isView(params) &&
      "state" in record
    ) {
      return {
        type: record.type,
        version: record.version,
        params: params as { readonly [key: string]: StateValue },
        state: record.state ?? null,
      };
    }
  }
  throw new KeelError(
    "KEEL_ERR_STATE_INVALID",
    `${path}: expected an estimator state { type, version, params, state }. Got ${describeValue(value)} instead.`,
    { details: { path } },
  );
}

/**
 * True when a fitted object is a transformer (has transform, transformRecord, featureNamesOut).
 *
 * @example
 * ```ts
 * if (isFittedTransformer(step)) step.transform(frame);
 * ```
 */
export function isFittedTransformer(fitted: Fitted): fitted is FittedTransformer {
  const f = fitted as Partial<FittedTransformer> & { readonly finalStepKind?: string };
  if (f.finalStepKind !== undefined) return f.finalStepKind === "transformer";
  return (
    typeof f.transform === "function" &&
    typeof f.transformRecord === "function" &&
    typeof f.featureNamesOut === "function"
  );
}

/**
 * True when a fitted object is a model (has predict, predictProba and a task).
 *
 * @example
 * ```ts
 * if (isFittedModel(last)) last.predictProba(frame);
 * ```
 */
export function isFittedModel(fitted: Fitted): fitted is FittedModel {
  const f = fitted as Partial<FittedModel> & { readonly finalStepKind?: string };
  if (f.finalStepKind !== undefined) return f.finalStepKind === "model";
  return (
    typeof f.predict === "function" &&
    typeof f.predictProba === "function" &&
    typeof f.task === "string"
  );
}
