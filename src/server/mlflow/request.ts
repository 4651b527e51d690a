import type { FastifyRequest } from "fastify";
import { describeValue, KeelError } from "../../core/index.js";

/** A request's parameters: the JSON body for POST/PATCH/DELETE, the query string for GET. @example `const p: Params = { run_id: "ab" };` */
export type Params = Record<string, unknown>;

function bad(name: string, expected: string, got: unknown): never {
  throw new KeelError(
    "KEEL_ERR_INVALID_PARAMETER_VALUE",
    `invalid value ${describeValue(got)} for parameter '${name}' supplied: expected ${expected}`,
    {
      details: { parameter: name },
    },
  );
}

function missing(name: string): never {
  throw new KeelError(
    "KEEL_ERR_INVALID_PARAMETER_VALUE",
    `missing value for required parameter '${name}'`,
    { details: { parameter: name } },
  );
}

/**
 * The request's parameters: the query string for GET and HEAD, the JSON body (an object) for
 * every other method. A write never reads the query string, as MLflow: a link or a form
 * cannot smuggle parameters into it.
 *
 * @example
 * ```ts
 * const p = paramsOf(request);
 * ```
 */
export function paramsOf(request: FastifyRequest): Params {
  if (request.method === "GET" || request.method === "HEAD") {
    const query = { ...((request.query ?? {}) as Params) };
    refuseNul(query, "");
    return query;
  }
  const body = request.body;
  if (body === undefined || body === null || body === "") return {};
  if (typeof body !== "object" || Array.isArray(body)) bad("body", "a JSON object", body);
  refuseNul(body, "");
  return { ...(body as Params) };
}

/**
 * Refuses a NUL byte in any string of the parameters, naming its path (`tags[0].value`):
 * PostgreSQL cannot store one in text (a 500 otherwise) and no MLflow name or value holds one,
 * so every route refuses it the same way on both stores. Depth is bounded by the JSON parser.
 */
function refuseNul(value: unknown, path: string): void {
  if (typeof value === "string") {
    if (value.includes("\0"))
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        `invalid value ${describeValue(value)} for parameter '${path}': must not contain NUL bytes`,
        { details: { parameter: path } },
      );
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) refuseNul(item, `${path}[${i}]`);
  } else if (typeof value === "object" && value !== null)
    for (const [key, item] of Object.entries(value))
      refuseNul(item, path === "" ? key : `${path}.${key}`);
}

function idText(v: unknown, name: string): string {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === "string") return v;
  return bad(name, "an experiment id (a decimal string or a non-negative integer)", v);
}

/**
 * Readers for typed parameters, with MLflow's INVALID_PARAMETER_VALUE messages.
 *
 * @example
 * ```ts
 * const runId = read.string(p, "run_id");
 * const step = read.optionalInt(p, "step") ?? 0;
 * ```
 */
export const read = {
  string(p: Params, name: string): string {
    const v = p[name];
    if (v === undefined || v === null || v === "") missing(name);
    if (typeof v !== "string") bad(name, "a string", v);
    return v;
  },
  optionalString(p: Params, name: string): string | undefined {
    const v = p[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") bad(name, "a string", v);
    return v;
  },
  /** int64: JSON numbers or decimal strings (proto3 JSON writes int64 as strings). */
  optionalInt(p: Params, name: string): number | undefined {
    const v = p[name];
    if (v === undefined || v === null || v === "") return undefined;
    const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n)) bad(name, "an integer", v);
    return n;
  },
  /**
   * An experiment id: a decimal string, or a JSON integer (MLflow's clients send either).
   * Absent gives `undefined`.
   */
  optionalId(p: Params, name: string): string | undefined {
    const v = p[name];
    if (v === undefined || v === null || v === "") return undefined;
    return idText(v, name);
  },
  id(p: Params, name: string): string {
    const v = read.optionalId(p, name);
    if (v === undefined) missing(name);
    return v;
  },
  /** A list of experiment ids (strings or integers). */
  idList(p: Params, name: string): string[] {
    return read.list(p, name).map((v, i) => idText(v, `${name}[${i}]`));
  },
  /** proto3 bool: true/false, or "true"/"false" in a query string. Absent gives `undefined`. */
  optionalBool(p: Params, name: string): boolean | undefined {
    const v = p[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "True") return true;
    if (v === "false" || v === "False") return false;
    return bad(name, "true or false", v);
  },
  int(p: Params, name: string): number {
    const v = read.optionalInt(p, name);
    if (v === undefined) missing(name);
    return v;
  },
  /** double: numbers, or "NaN" / "Infinity" / "-Infinity" as proto3 JSON writes them. */
  double(p: Params, name: string): number {
    const v = p[name];
    if (v === undefined || v === null) missing(name);
    if (typeof v === "number") return v;
    if (v === "NaN") return Number.NaN;
    if (v === "Infinity") return Number.POSITIVE_INFINITY;
    if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
    if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
    return bad(name, "a number", v);
  },
  list(p: Params, name: string): unknown[] {
    const v = p[name];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    // A repeated query parameter given once arrives as a plain string.
    if (typeof v === "string") return [v];
    return bad(name, "a list", v);
  },
  stringList(p: Params, name: string): string[] {
    return read.list(p, name).map((v, i) => {
      if (typeof v !== "string") bad(`${name}[${i}]`, "a string", v);
      return v;
    });
  },
  object(value: unknown, name: string): Params {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      bad(name, "an object", value);
    return value as Params;
  },
  tags(p: Params, name = "tags"): { key: string; value: string }[] {
    return read.list(p, name).map((item, i) => {
      const o = read.object(item, `${name}[${i}]`);
      return { key: read.string(o, "key"), value: read.optionalString(o, "value") ?? "" };
    });
  },
};
