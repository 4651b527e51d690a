import { formatDuration } from "./duration.js";
import type { FeatureRepo } from "./feature-repo.js";
import type { FeatureStore } from "./feature-store.js";
import { type ViewStatus, viewStatuses } from "./feature-store.js";
import type { FeatureRegistry } from "./registry.js";

/**
 * The alert a stale feature view raises. It has the shape of the monitoring module's `Alert`
 * (`monitor`, `kind`, `message`, `details`) without importing it, so the feature store stays
 * below monitoring; whoever delivers it (the `keel features freshness` command, the built-in
 * freshness step of a pipeline) hands it to `deliverAlert`. `monitor` is `features:VIEW`, so
 * each view has its own cooldown and `keel monitor alerts --monitor features:VIEW` lists it.
 *
 * @example
 * ```ts
 * const alert: FreshnessAlert = { monitor: "features:customer_stats", kind: "stale-features",
 *   message: "…", details: { view: "customer_stats", stalenessSeconds: 93600, freshnessSeconds: 86400 } };
 * ```
 */
export interface FreshnessAlert {
  readonly monitor: string;
  readonly kind: "stale-features";
  readonly message: string;
  readonly details: {
    readonly view: string;
    /** Seconds since the online store was last brought up to date; null when never. */
    readonly stalenessSeconds: number | null;
    /** Age of the newest row it holds, seconds; null when unknown. */
    readonly dataAgeSeconds: number | null;
    readonly freshnessSeconds: number;
    readonly materializedUntil: string | null;
    readonly lastPushedEvent: string | null;
    /** The time staleness was judged at, ISO. */
    readonly checkedAt: string;
  };
}

/**
 * What {@link checkFreshness} found.
 *
 * @example
 * ```ts
 * const report: FreshnessReport = await checkFreshness(store, { now: Date.now() });
 * report.stale.map((s) => s.view);
 * ```
 */
export interface FreshnessReport {
  /** The time staleness was judged at, epoch ms. */
  readonly checkedAt: number;
  /** Every online view checked. */
  readonly views: readonly ViewStatus[];
  /** The online views older than their freshness target, or never materialised nor pushed. */
  readonly stale: readonly ViewStatus[];
  /** One alert per stale view. */
  readonly alerts: readonly FreshnessAlert[];
}

/**
 * Checks every online view (or the named ones) against its freshness target at `now` (default:
 * the wall clock): a view is stale when its newest online data (the materialisation watermark
 * or the newest pushed event, whichever is later) is older than the target (`freshness`, else
 * the TTL), or when it has none at all. A view with neither a TTL nor a `freshness` has no
 * target and is stale only while empty. Offline-only views are not checked: nothing reads them
 * online. Returns the statuses and one alert per stale view, ready for `deliverAlert`. Takes a
 * {@link FeatureStore} or just a repo and the registry (see {@link registeredFeatures}).
 *
 * @example
 * ```ts
 * const { stale, alerts } = await checkFreshness(store);
 * for (const alert of alerts) await deliverAlert(alert, sinks, { log });
 * ```
 */
export async function checkFreshness(
  store: { readonly repo: FeatureRepo; readonly registry: FeatureRegistry },
  options: { readonly now?: number; readonly views?: readonly string[] } = {},
): Promise<FreshnessReport> {
  const now = options.now ?? Date.now();
  const wanted = options.views?.length ? new Set(options.views) : undefined;
  // Unknown names fail here, naming the view, instead of checking nothing.
  for (const name of wanted ?? []) store.repo.view(name);
  const views = (await viewStatuses(store.repo, store.registry, now)).filter(
    (s) => s.online && (wanted === undefined || wanted.has(s.view)),
  );
  const stale = views.filter((s) => s.stale);
  return { checkedAt: now, views, stale, alerts: stale.map((s) => freshnessAlert(s, now)) };
}

/**
 * The alert of one stale view, with a message that says how old its data is and against what.
 *
 * @example
 * ```ts
 * freshnessAlert(status, Date.now()).message;
 * // "feature view 'customer_stats' is stale (target 1d): last materialised up to 1d2h ago; its newest row is 1d8h old"
 * ```
 */
export function freshnessAlert(status: ViewStatus, now: number): FreshnessAlert {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const target = status.freshnessSeconds;
  const reasons: string[] = [];
  if (status.stalenessSeconds !== null && status.stalenessSeconds > target)
    reasons.push(`last materialised up to ${formatDuration(status.stalenessSeconds)} ago`);
  if (status.dataAgeSeconds !== null && status.dataAgeSeconds > target)
    reasons.push(`its newest row is ${formatDuration(status.dataAgeSeconds)} old`);
  const message =
    status.stalenessSeconds === null
      ? `feature view '${status.view}' has no online data: it was never materialised nor pushed to`
      : `feature view '${status.view}' is stale (target ${formatDuration(target)}): ${reasons.join("; ")}`;
  return {
    monitor: `features:${status.view}`,
    kind: "stale-features",
    message,
    details: {
      view: status.view,
      stalenessSeconds: status.stalenessSeconds,
      dataAgeSeconds: status.dataAgeSeconds,
      freshnessSeconds: status.freshnessSeconds,
      materializedUntil: iso(status.materializedUntil),
      lastPushedEvent: iso(status.lastPushedEvent),
      checkedAt: new Date(now).toISOString(),
    },
  };
}
