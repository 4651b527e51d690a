import { ok } from "node:assert/strict";
import { type ErrorCode, isKeelError } from "../../core/index.js";
import type { Metric } from "../types.js";

/** Asserts that `promise` rejects with a KeelError of `code`. @example `await rejectsWith(p, "KEEL_ERR_INVALID_STATE");` */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (error) {
    ok(isKeelError(error, code), `expected ${code}, got ${String(error)}`);
    return;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/** A metric literal. @example `metric("auc", 0.8, 0, 1)` */
export const metric = (key: string, value: number, step: number, timestamp: number): Metric => ({
  key,
  value,
  step,
  timestamp,
});

let counter = 0;
/** A name no other check or process uses. @example `unique("exp")` */
export const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now()}-${counter++}`;
