import {
  ERROR_CODES,
  type ErrorCode,
  isKeelError,
  KeelError,
  type LogRecord,
} from "../core/index.js";
import type { OpenDatabaseOptions } from "../store/index.js";
import type { StepTry } from "./build-step-context.js";
import { describeThrown } from "./execute-step.js";

/**
 * What a step worker thread is started with: the config to load its pipelines from, the
 * metadata store to open (its own connection to the runner's database) and the project root.
 *
 * @example
 * ```ts
 * const init: ThreadInit = { configFile: "/srv/churn/keel.config.ts", database: { root: "/srv/churn" }, root: "/srv/churn" };
 * ```
 */
export interface ThreadInit {
  readonly configFile: string;
  readonly database: OpenDatabaseOptions;
  readonly root: string;
}

/**
 * A message from the runner to a step worker thread.
 *
 * @example
 * ```ts
 * const m: ToThread = { type: "abort", id: 1, reason: "KEEL_ERR_STEP_TIMEOUT: …" };
 * ```
 */
export type ToThread =
  | { readonly type: "run"; readonly id: number; readonly try: StepTry; readonly codeHash: string }
  | { readonly type: "abort"; readonly id: number; readonly reason: string }
  | { readonly type: "close" };

/**
 * An error as it crosses the thread boundary: a KeelError's code and details survive.
 *
 * @example
 * ```ts
 * const e: ThreadError = { code: "KEEL_ERR_STEP_OUTPUT", message: "…", details: {} };
 * ```
 */
export interface ThreadError {
  readonly message: string;
  readonly code?: string;
  readonly details?: Record<string, unknown>;
  readonly stack?: string;
}

/**
 * A message from a step worker thread to the runner.
 *
 * @example
 * ```ts
 * const m: FromThread = { type: "result", id: 1, outputs: '{"rows":7043}' };
 * ```
 */
export type FromThread =
  | { readonly type: "started"; readonly id: number }
  | { readonly type: "log"; readonly id: number; readonly record: LogRecord }
  | { readonly type: "result"; readonly id: number; readonly outputs: string }
  | { readonly type: "error"; readonly id: number; readonly error: ThreadError };

/**
 * A thrown value as a {@link ThreadError} (a non-Error value becomes its description).
 *
 * @example
 * ```ts
 * toThreadError(new KeelError("KEEL_ERR_STEP_TIMEOUT", "late")); // { code: "KEEL_ERR_STEP_TIMEOUT", message: "late", details: {} }
 * ```
 */
export function toThreadError(error: unknown): ThreadError {
  if (isKeelError(error))
    return { code: error.code, message: error.message, details: jsonSafe(error.details) };
  if (error instanceof Error)
    return { message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { message: describeThrown(error) };
}

/**
 * The error a {@link ThreadError} stands for: a KeelError with its code when it had a known
 * one, else an Error with the message.
 *
 * @example
 * ```ts
 * fromThreadError({ code: "KEEL_ERR_STEP_OUTPUT", message: "…" }).code; // "KEEL_ERR_STEP_OUTPUT"
 * ```
 */
export function fromThreadError(error: ThreadError): Error {
  if (error.code !== undefined && Object.hasOwn(ERROR_CODES, error.code))
    return new KeelError(error.code as ErrorCode, error.message, {
      details: error.details ?? {},
    });
  const out = new Error(error.message);
  if (error.stack !== undefined) out.stack = error.stack;
  return out;
}

/**
 * A value that survives `postMessage` and JSON: functions, symbols and cycles dropped,
 * bigints as strings. Log fields and error details are whatever a step passed.
 *
 * @example
 * ```ts
 * jsonSafe({ n: 1n, f: () => 1 }); // { n: "1" }
 * ```
 */
export function jsonSafe(value: Record<string, unknown>): Record<string, unknown> {
  try {
    const seen = new WeakSet<object>();
    return JSON.parse(
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === "bigint") return v.toString();
        if (v !== null && typeof v === "object") {
          if (seen.has(v)) return undefined;
          seen.add(v);
        }
        return v;
      }) ?? "{}",
    ) as Record<string, unknown>;
  } catch {
    return {};
  }
}
