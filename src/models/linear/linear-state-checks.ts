import { KeelError } from "../../core/index.js";

function broken(path: string, expected: string, got: string): KeelError {
  return new KeelError("KEEL_ERR_STATE_INVALID", `${path}: expected ${expected}, got ${got}.`, {
    details: { path, expected, got },
  });
}

/**
 * Checks a loaded linear model's column names: an array of distinct strings.
 *
 * @example
 * ```ts
 * const names = checkNames(state.featureNamesIn, "$.state.featureNamesIn");
 * ```
 */
export function checkNames(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) throw broken(path, "an array of names", typeof value);
  value.forEach((name: unknown, i) => {
    if (typeof name !== "string") throw broken(`${path}[${i}]`, "a string", typeof name);
  });
  if (new Set(value).size !== value.length) throw broken(path, "distinct names", "a repeated one");
  return value as string[];
}

/**
 * Checks a loaded linear model's coefficients: the length its shape implies, every one finite
 * (a NaN or infinite weight would turn every prediction into NaN).
 *
 * @example
 * ```ts
 * checkCoefficients(weights, 2 * (p + 1), "$.state.weights", "1 row of p + 1 per class");
 * ```
 */
export function checkCoefficients(
  values: Float64Array,
  length: number,
  path: string,
  why: string,
): void {
  if (values.length !== length)
    throw broken(path, `${length} coefficients (${why})`, `${values.length}`);
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]!))
      throw broken(`${path}[${i}]`, "a finite number", String(values[i]));
}
