import { KeelError } from "../core/index.js";

/**
 * A parsed model reference: a name and either an alias, a version, or neither (the latest).
 *
 * @example
 * ```ts
 * const ref: ModelRef = { name: "churn", alias: "champion" };
 * ```
 */
export interface ModelRef {
  readonly name: string;
  readonly alias?: string;
  readonly version?: number;
  /** An MLflow stage (`models:/churn/Production`), as written. */
  readonly stage?: string;
}

/**
 * Parses `models:/name@alias`, `models:/name/3`, `models:/name/latest`, a stage URI such as
 * `models:/name/Production`, or the short `name@alias`.
 *
 * @example
 * ```ts
 * parseModelUri("models:/churn@champion"); // { name: "churn", alias: "champion" }
 * parseModelUri("models:/churn/3");        // { name: "churn", version: 3 }
 * ```
 */
export function parseModelUri(uri: string): ModelRef {
  const body = uri.startsWith("models:/") ? uri.slice("models:/".length) : uri;
  const at = body.lastIndexOf("@");
  if (at > 0 && !body.includes("/")) return { name: body.slice(0, at), alias: body.slice(at + 1) };
  const slash = body.lastIndexOf("/");
  if (slash > 0 && uri.startsWith("models:/")) {
    const name = body.slice(0, slash);
    const tail = body.slice(slash + 1);
    if (tail === "latest") return { name };
    if (/^[1-9]\d*$/.test(tail)) return { name, version: Number(tail) };
    if (/^(none|staging|production|archived)$/i.test(tail)) return { name, stage: tail };
  }
  if (at > 0) return { name: body.slice(0, at), alias: body.slice(at + 1) };
  throw new KeelError(
    "KEEL_ERR_INVALID_PARAMETER_VALUE",
    `not a model URI: ${JSON.stringify(uri)}; expected models:/NAME@ALIAS, models:/NAME/VERSION, models:/NAME/STAGE or models:/NAME/latest`,
    { details: { uri } },
  );
}
