import { closestNames, KeelError } from "../core/index.js";
import type { PipelineDefinition } from "./define-pipeline.js";

/**
 * The param every pipeline takes without declaring it: why a trigger started the run (a
 * monitor's alert; the rollback step rolls back when it is set).
 *
 * @example
 * ```ts
 * runParamsOf(p, { [REASON_PARAM]: "PSI 0.31 on tenure" });
 * ```
 */
export const REASON_PARAM = "reason";

/**
 * A run's params: the pipeline's defaults with `overrides` on top. Every override must name a
 * declared param (a key of the pipeline's `params`, or {@link REASON_PARAM}): a misspelt
 * `--param lerning_rate=0.1` is `KEEL_ERR_INVALID_ARGUMENT` listing the declared params,
 * never a run that silently used the default. An override of a param whose default is a
 * number, string, boolean, list or object must have that type (the error names the param, its
 * default and what came): `--param factor=abc` must not reach a step that multiplies by it. A
 * null default takes any value. Every way params enter a run (`keel run --param`,
 * `runPipeline`, `triggerPipeline`, `backfill`, the queue executor) passes through here.
 *
 * @example
 * ```ts
 * runParamsOf(definePipeline({ name: "p", params: { factor: 2 }, steps }), { factor: 3 }); // { factor: 3 }
 * ```
 */
export function runParamsOf(
  pipeline: PipelineDefinition<unknown>,
  overrides: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const defaults = (pipeline.params ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(overrides).filter(
    (key) => !Object.hasOwn(defaults, key) && key !== REASON_PARAM,
  );
  if (unknown.length > 0) throw unknownParams(pipeline.name, unknown, defaults);
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(defaults, key)) continue;
    const expected = kindOf(defaults[key]);
    if (expected === "null" || kindOf(value) === expected) continue;
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `param '${key}' of pipeline '${pipeline.name}' is ${expected === "array" || expected === "object" ? "an" : "a"} ${expected} (default ${JSON.stringify(defaults[key])}), got ${JSON.stringify(value) ?? String(value)}`,
      { details: { pipeline: pipeline.name, param: key, expected, received: String(value) } },
    );
  }
  return { ...defaults, ...overrides };
}

function unknownParams(
  pipeline: string,
  unknown: readonly string[],
  defaults: Readonly<Record<string, unknown>>,
): KeelError {
  const declared = Object.keys(defaults);
  const hints = unknown.flatMap((key) => {
    const near = closestNames(key, declared);
    return near.length > 0 ? [`'${key}': did you mean '${near[0]}'?`] : [];
  });
  const list =
    declared.length > 0
      ? `its params are ${declared.map((k) => `${k} (default ${JSON.stringify(defaults[k])})`).join(", ")}`
      : "it declares no params (add them to definePipeline({ params: { … } }) with their defaults)";
  return new KeelError(
    "KEEL_ERR_INVALID_ARGUMENT",
    `pipeline '${pipeline}' has no param ${unknown.map((k) => `'${k}'`).join(", ")}; ${list}${hints.length > 0 ? `. ${hints.join("; ")}` : ""}`,
    { details: { pipeline, unknown, declared } },
  );
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}
