import { createHash } from "node:crypto";

/**
 * Retry settings with keel's defaults filled in.
 *
 * @example
 * ```ts
 * const policy: StepRetryPolicy = { retries: 3, retryDelay: 1000, maxRetryDelay: 60_000 };
 * ```
 */
export interface StepRetryPolicy {
  readonly retries: number;
  readonly retryDelay: number;
  readonly maxRetryDelay: number;
}

/**
 * The wait before retry number `retry` (1 for the first retry), Airflow's exponential backoff:
 * at least `retryDelay · 2^(retry−1)`, plus a jitter below that same amount, capped at
 * `maxRetryDelay`. The jitter is a hash of `seed` (run, step and try), as Airflow hashes the
 * task instance, so many steps failing together do not retry in lockstep, yet a given try's
 * delay is reproducible.
 *
 * @example
 * ```ts
 * retryDelayMs(1, { retries: 3, retryDelay: 1000, maxRetryDelay: 60_000 }, "run/train/1"); // 1000..2000
 * retryDelayMs(3, { retries: 3, retryDelay: 1000, maxRetryDelay: 60_000 }, "run/train/3"); // 4000..8000
 * ```
 */
export function retryDelayMs(retry: number, policy: StepRetryPolicy, seed: string): number {
  const base = policy.retryDelay * 2 ** Math.max(0, retry - 1);
  const unit = createHash("sha256").update(seed).digest().readUInt32BE(0) / 2 ** 32;
  return Math.min(policy.maxRetryDelay, Math.round(base + unit * base));
}
