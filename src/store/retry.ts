import { isKeelError, KeelError } from "../core/index.js";

/**
 * How a failed write transaction is classified: `retry` (the database aborted it for a
 * reason another attempt can clear: a deadlock, a serialization failure, a lock wait that ran
 * out), `duplicate` (a unique or primary key was already taken) or `other`.
 *
 * @example
 * ```ts
 * const kind: WriteFailureKind = classifyWriteFailure(error);
 * ```
 */
export type WriteFailureKind = "retry" | "duplicate" | "other";

// PostgreSQL SQLSTATEs: 40001 serialization_failure, 40P01 deadlock_detected, 55P03
// lock_not_available. SQLite: SQLITE_BUSY / SQLITE_LOCKED once the busy timeout has run out.
const RETRYABLE = new Set(["40001", "40P01", "55P03", "SQLITE_BUSY", "SQLITE_LOCKED"]);
// PostgreSQL 23505 unique_violation; SQLite's unique and primary-key constraint codes.
const DUPLICATE = new Set(["23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"]);

/**
 * Classifies an error thrown inside a write transaction by its driver code (pg's SQLSTATE,
 * better-sqlite3's extended result code). KeelErrors are always `other`: they are answers.
 *
 * @example
 * ```ts
 * classifyWriteFailure(Object.assign(new Error("deadlock detected"), { code: "40P01" })); // "retry"
 * ```
 */
export function classifyWriteFailure(error: unknown): WriteFailureKind {
  if (isKeelError(error) || typeof error !== "object" || error === null) return "other";
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return "other";
  if (RETRYABLE.has(code)) return "retry";
  if (DUPLICATE.has(code)) return "duplicate";
  return "other";
}

/**
 * Bounds of {@link retryWrite}: at most `attempts` runs, waiting a random time in
 * `[0, min(maxDelayMs, baseDelayMs * 2^attempt))` between them ("full jitter", so racing
 * writers spread out instead of colliding again in lockstep).
 *
 * @example
 * ```ts
 * const policy: RetryPolicy = { attempts: 8, baseDelayMs: 5, maxDelayMs: 400 };
 * ```
 */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** keel's default: 8 attempts, 5 ms doubling to at most 400 ms (under 1.5 s of waiting in all). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 8, baseDelayMs: 5, maxDelayMs: 400 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a whole write transaction (`attempt` must begin and end it, so every retry starts from
 * a clean slate) until it commits, retrying deadlocks and serialization failures with jittered
 * backoff. A duplicate-key failure is retried once: the next attempt reads the committed row
 * and answers as a caller-written check would (RESOURCE_ALREADY_EXISTS with its own message);
 * if the duplicate persists it becomes RESOURCE_ALREADY_EXISTS here. When the retries run out
 * the caller gets KEEL_ERR_STORE_BUSY (HTTP 503): the transaction was rolled back, so the call
 * may simply be repeated. Nothing is ever half-written and no driver error escapes as a 500.
 *
 * @example
 * ```ts
 * const id = await retryWrite(() => db.transaction().execute(work));
 * ```
 */
export async function retryWrite<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<T> {
  let last: unknown;
  let duplicates = 0;
  for (let i = 0; i < policy.attempts; i++) {
    try {
      return await attempt();
    } catch (error) {
      const kind = classifyWriteFailure(error);
      if (kind === "other") throw error;
      last = error;
      // One more look is enough for a duplicate: the racing row is committed by then.
      if (kind === "duplicate" && ++duplicates > 1) break;
      if (i + 1 < policy.attempts)
        await sleep(Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** i));
    }
  }
  const message = (last as Error).message;
  if (classifyWriteFailure(last) === "duplicate")
    throw new KeelError(
      "KEEL_ERR_RESOURCE_ALREADY_EXISTS",
      `the resource already exists (the database refused a duplicate key: ${message})`,
      {
        cause: last,
        details: { constraint: (last as { constraint?: string }).constraint ?? null },
      },
    );
  throw new KeelError(
    "KEEL_ERR_STORE_BUSY",
    `the metadata store aborted this write ${policy.attempts} times (${message}); nothing was written, retry the call`,
    { cause: last, details: { attempts: policy.attempts } },
  );
}
