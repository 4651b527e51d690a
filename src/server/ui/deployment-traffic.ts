import type { LoggedPrediction } from "../../serve/index.js";

/** Requests and latency of one variant in one time bucket. @example `{ start: 0, requests: 120, perSecond: 2, p50Ms: 3.1, p95Ms: 9.8 }` */
export interface TrafficBucket {
  readonly start: number;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

/** One variant's traffic over the window: totals and per-bucket figures. @example `traffic.variants[0].buckets.length` */
export interface VariantTraffic {
  readonly variant: string;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly buckets: readonly TrafficBucket[];
}

/** How one shadow model's answers compare with the served ones on the same requests. @example `shadow.agreement; // 0.97` */
export interface ShadowComparison {
  readonly shadow: string;
  /** Requests the shadow answered (errors not counted). */
  readonly compared: number;
  readonly errors: number;
  /** Share of requests with the same answer: same class, or for numbers in [0, 1] the same side of 0.5. */
  readonly agreement: number | null;
  /** Mean and largest |shadow − served| when both answers are numbers. */
  readonly meanAbsDifference: number | null;
  readonly maxAbsDifference: number | null;
}

/** The nearest-rank quantile of sorted values, or null for none. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Where the dashboard's traffic window ends. Windows are in event time (the entries' `time`),
 * so a deployment fed by a replay of past or simulated traffic has nothing in the hour before
 * the wall clock: when the newest entry is older than the window, the window ends just after
 * it instead (the deployment's last active stretch), and `anchored` says so. Live traffic keeps
 * the window ending now.
 *
 * @example
 * ```ts
 * trafficWindowEnd(Date.now(), 3_600_000, newestEventTime); // { to, anchored: "now" | "newest-entry" }
 * ```
 */
export function trafficWindowEnd(
  now: number,
  windowMs: number,
  newest: number | undefined,
): { readonly to: number; readonly anchored: "now" | "newest-entry" } {
  if (newest === undefined || newest >= now - windowMs) return { to: now, anchored: "now" };
  return { to: newest + 1, anchored: "newest-entry" };
}

/**
 * Per-variant requests per second and latency quantiles of logged predictions in `[from, to)`,
 * overall and in `bucketMs` buckets (one logged row counts as one request).
 *
 * @example
 * ```ts
 * trafficByVariant(rows, now - 3_600_000, now, 60_000);
 * ```
 */
export function trafficByVariant(
  rows: readonly LoggedPrediction[],
  from: number,
  to: number,
  bucketMs: number,
): VariantTraffic[] {
  const n = Math.max(1, Math.ceil((to - from) / bucketMs));
  const byVariant = new Map<string, number[][]>();
  for (const r of rows) {
    if (r.time < from || r.time >= to) continue;
    let buckets = byVariant.get(r.variant);
    if (buckets === undefined) {
      buckets = Array.from({ length: n }, () => []);
      byVariant.set(r.variant, buckets);
    }
    buckets[Math.floor((r.time - from) / bucketMs)]!.push(r.latencyMs);
  }
  return [...byVariant.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([variant, buckets]) => {
      const all = buckets.flat().sort((a, b) => a - b);
      return {
        variant,
        requests: all.length,
        perSecond: all.length / ((to - from) / 1000),
        p50Ms: quantile(all, 0.5),
        p95Ms: quantile(all, 0.95),
        p99Ms: quantile(all, 0.99),
        buckets: buckets.map((latencies, i) => {
          const sorted = [...latencies].sort((a, b) => a - b);
          return {
            start: from + i * bucketMs,
            requests: sorted.length,
            perSecond: sorted.length / (bucketMs / 1000),
            p50Ms: quantile(sorted, 0.5),
            p95Ms: quantile(sorted, 0.95),
          };
        }),
      };
    });
}

function answerOf(v: unknown): number | string | undefined {
  if (typeof v !== "object" || v === null || "error" in v) return undefined;
  const p = (v as { prediction?: unknown }).prediction;
  return typeof p === "number" || typeof p === "string" ? p : undefined;
}

/**
 * Compares every shadow's logged answers with the served answers of the same rows.
 *
 * @example
 * ```ts
 * shadowComparisons(rows, ["candidate"]); // [{ shadow: "candidate", agreement: 0.97, ... }]
 * ```
 */
export function shadowComparisons(
  rows: readonly LoggedPrediction[],
  shadows: readonly string[],
): ShadowComparison[] {
  return shadows.map((shadow) => {
    let compared = 0;
    let errors = 0;
    let agree = 0;
    let judged = 0;
    let diffs = 0;
    let sumAbs = 0;
    let maxAbs = 0;
    for (const r of rows) {
      const raw = r.shadow?.[shadow];
      if (raw === undefined) continue;
      const theirs = answerOf(raw);
      if (theirs === undefined) {
        errors++;
        continue;
      }
      compared++;
      const ours = r.output.prediction;
      if (typeof ours === "number" && typeof theirs === "number") {
        const d = Math.abs(theirs - ours);
        diffs++;
        sumAbs += d;
        maxAbs = Math.max(maxAbs, d);
        if (ours >= 0 && ours <= 1 && theirs >= 0 && theirs <= 1) {
          judged++;
          if (ours >= 0.5 === theirs >= 0.5) agree++;
        }
      } else {
        judged++;
        if (String(ours) === String(theirs)) agree++;
      }
    }
    return {
      shadow,
      compared,
      errors,
      agreement: judged === 0 ? null : agree / judged,
      meanAbsDifference: diffs === 0 ? null : sumAbs / diffs,
      maxAbsDifference: diffs === 0 ? null : maxAbs,
    };
  });
}
