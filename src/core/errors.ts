import { ERROR_CODES, type ErrorCode } from "./error-codes.js";

/** JSON-safe details attached to an error: locations, offending values, lists of issues. */
export type ErrorDetails = Record<string, unknown>;

/**
 * The one error type keel raises. It carries a stable `code` from {@link ERROR_CODES}, the
 * HTTP status that code maps to, a message that says what was expected, what came and where,
 * and JSON `details` for machines.
 *
 * @example
 * ```ts
 * throw new KeelError("KEEL_ERR_RAGGED_ROW", "data.csv:12: expected 5 fields, got 4", {
 *   details: { file: "data.csv", line: 12, expected: 5, got: 4 },
 * });
 * ```
 */
export class KeelError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetails;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KeelError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details ?? {};
  }

  /**
   * The wire form used by the HTTP server, MLflow-style.
   *
   * @example
   * ```ts
   * new KeelError("KEEL_ERR_NOT_FOUND", "no run 'x'").toJSON();
   * // { error_code: "KEEL_ERR_NOT_FOUND", message: "no run 'x'", details: {} }
   * ```
   */
  toJSON(): { error_code: ErrorCode; message: string; details: ErrorDetails } {
    return { error_code: this.code, message: this.message, details: this.details };
  }
}

/**
 * True when `value` is a {@link KeelError}, optionally with the given code.
 *
 * @example
 * ```ts
 * try { readThing(); } catch (e) { if (isKeelError(e, "KEEL_ERR_FILE_NOT_FOUND")) retry(); }
 * ```
 */
export function isKeelError(value: unknown, code?: ErrorCode): value is KeelError {
  return value instanceof KeelError && (code === undefined || value.code === code);
}

/**
 * Wraps any thrown value as a KeelError, keeping KeelErrors as they are. Unknown errors become
 * `KEEL_ERR_INTERNAL` with the original as `cause`, so nothing is swallowed.
 *
 * @example
 * ```ts
 * const err = toKeelError(new Error("boom")); // code KEEL_ERR_INTERNAL, message "boom"
 * ```
 */
export function toKeelError(value: unknown, code: ErrorCode = "KEEL_ERR_INTERNAL"): KeelError {
  if (value instanceof KeelError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new KeelError(code, message, { cause: value });
}

/**
 * Formats a value for an error message the way users read it: strings quoted, long arrays cut.
 *
 * @example
 * ```ts
 * describeValue("abc"); // "'abc'"
 * describeValue(-0.1);  // "-0.1"
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string")
    return `'${value.length > 80 ? `${value.slice(0, 77)}...` : value}'`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) {
    const shown = value.slice(0, 5).map(describeValue).join(", ");
    return `[${shown}${value.length > 5 ? ", ..." : ""}]`;
  }
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Suggests the closest names to a misspelt one (Levenshtein distance ≤ 3), for "did you mean".
 *
 * @example
 * ```ts
 * closestNames("tenur", ["tenure", "churn"]); // ["tenure"]
 * ```
 */
export function closestNames(name: string, candidates: readonly string[], max = 3): string[] {
  const scored = candidates
    .map((candidate) => ({
      candidate,
      distance: editDistance(name.toLowerCase(), candidate.toLowerCase()),
    }))
    .filter((s) => s.distance <= Math.max(1, Math.min(3, Math.floor(name.length / 2))))
    .sort((a, b) => a.distance - b.distance);
  return scored.slice(0, max).map((s) => s.candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
