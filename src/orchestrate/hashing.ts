import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { resolve } from "node:path";
import type { JsonValue } from "../core/index.js";
import { KeelError } from "../core/index.js";

/**
 * The SHA-256 of a text, hex.
 *
 * @example
 * ```ts
 * sha256("abc").slice(0, 8); // "ba7816bf"
 * ```
 */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * JSON with object keys sorted, so equal values hash equally. Throws `KEEL_ERR_STEP_OUTPUT`
 * naming `where` and the JSON path of the first value JSON cannot carry faithfully (a
 * function, undefined inside an array or object, NaN or ±Infinity, a bigint, a symbol, a
 * class instance other than Date, a cycle).
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true] }, "step 'train' outputs"); // '{"a":[true],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown, where: string): string {
  return JSON.stringify(toJson(value, where, "$", new Set()));
}

function toJson(value: unknown, where: string, path: string, open: Set<object>): JsonValue {
  const fail = (what: string): never => {
    throw new KeelError(
      "KEEL_ERR_STEP_OUTPUT",
      `${where} cannot be serialised as JSON: ${what} at ${path}; return plain objects, arrays, strings, finite numbers, booleans or null`,
      { details: { where, path } },
    );
  };
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : fail(String(value));
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? fail("an invalid Date") : value.toISOString();
  if (typeof value !== "object") return fail(`a ${typeof value}`);
  if (open.has(value)) return fail("a circular reference");
  open.add(value);
  try {
    if (Array.isArray(value))
      return value.map((v, i) =>
        v === undefined ? fail("undefined") : toJson(v, where, `${path}[${i}]`, open),
      );
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null)
      return fail(`an instance of ${(value as object).constructor?.name ?? "a class"}`);
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      out[key] = toJson(v, where, `${path}.${key}`, open);
    }
    return out;
  } finally {
    open.delete(value);
  }
}

/**
 * The SHA-256 of a file's contents, streamed; `KEEL_ERR_FILE_NOT_FOUND` naming the step when it
 * does not exist.
 *
 * @example
 * ```ts
 * await fileHash("/srv/churn", "data/telco_churn.csv", "step 'ingest'");
 * ```
 */
export async function fileHash(root: string, path: string, where: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(resolve(root, path))) hash.update(chunk as Buffer);
  } catch (error) {
    throw new KeelError(
      "KEEL_ERR_FILE_NOT_FOUND",
      `${where}: input file '${path}' cannot be read (${(error as Error).message})`,
      { details: { path }, cause: error },
    );
  }
  return hash.digest("hex");
}
