import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  duckDbOfflineStore,
  FeatureRegistry,
  FeatureRepo,
  FeatureStore,
  fileSource,
  sqliteOnlineStore,
} from "../../features/index.js";
import type { Tracking } from "../../track/index.js";

const HOUR = 3_600_000;

/** What {@link seedFeatures} registered and materialised. @example `seeded.rows` */
export interface SeededFeatures {
  /** Rows written to the online store by the materialisation of `customer_stats`. */
  readonly rows: number;
  /** The source rows of `customer_stats` (its file has one per customer and hour). */
  readonly sourceRows: number;
}

/**
 * Registers a small feature repository the way `keel apply` does (entity `customer`, views
 * `customer_stats` — online, TTL 1 day, freshness 2 hours — and `customer_profile`, which is
 * online but never materialised, so it shows as stale; a service `churn_v1`) over CSV files
 * written under `root/data`, then materialises `customer_stats` for the last 6 hours into a
 * SQLite online store with DuckDB as the offline store. Test-only.
 *
 * @example
 * ```ts
 * const seeded = await seedFeatures(tracking, root);
 * ```
 */
export async function seedFeatures(tracking: Tracking, root: string): Promise<SeededFeatures> {
  mkdirSync(join(root, "data"), { recursive: true });
  const now = Date.now();
  const lines = ["customer_id,event_ts,orders_7d,spend_7d,plan"];
  const plans = ["basic", "plus", "pro"];
  for (let h = 6; h >= 1; h--)
    for (let c = 1; c <= 40; c++)
      lines.push(
        `${c},${new Date(now - h * HOUR).toISOString()},${(c * 7 + h) % 13},${((c * 37 + h * 11) % 500) + 0.5},${plans[c % 3]}`,
      );
  writeFileSync(join(root, "data", "customer_stats.csv"), `${lines.join("\n")}\n`);
  writeFileSync(
    join(root, "data", "customer_profile.csv"),
    `customer_id,event_ts,tenure\n1,${new Date(now - 3 * HOUR).toISOString()},12\n`,
  );
  const customer = defineEntity({
    name: "customer",
    joinKeys: ["customer_id"],
    description: "a subscriber",
  });
  const stats = defineFeatureView({
    name: "customer_stats",
    entities: [customer],
    ttl: "1d",
    freshness: "2h",
    source: fileSource({ path: "data/customer_stats.csv" }),
    timestampField: "event_ts",
    schema: { orders_7d: "numeric", spend_7d: "numeric", plan: "categorical" },
    description: "orders and spend over the last 7 days",
  });
  const profile = defineFeatureView({
    name: "customer_profile",
    entities: [customer],
    ttl: "30d",
    source: fileSource({ path: "data/customer_profile.csv" }),
    timestampField: "event_ts",
    schema: { tenure: "numeric" },
  });
  const service = defineFeatureService({
    name: "churn_v1",
    features: [stats, "customer_profile:tenure"],
  });
  const definitions = {
    entities: [customer],
    featureViews: [stats, profile],
    featureServices: [service],
  };
  const registry = new FeatureRegistry(tracking.database);
  await registry.apply(definitions, "seed");
  const online = sqliteOnlineStore({ path: join(root, ".keel", "online.db") });
  const store = new FeatureStore({
    repo: FeatureRepo.from(definitions, root),
    offline: duckDbOfflineStore(),
    online,
    registry,
  });
  try {
    const [result] = await store.materialize({
      start: now - 7 * HOUR,
      end: now,
      views: ["customer_stats"],
    });
    return { rows: result?.rows ?? 0, sourceRows: lines.length - 1 };
  } finally {
    await online.close();
  }
}
