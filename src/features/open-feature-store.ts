import { KeelError } from "../core/index.js";
import type { MetadataDatabase } from "../store/index.js";
import type { OnDemandFeatureView } from "./definitions.js";
import { FeatureRepo } from "./feature-repo.js";
import { FeatureStore } from "./feature-store.js";
import { FeatureRegistry } from "./registry.js";
import {
  type OfflineStoreSettings,
  type OnlineStoreSettings,
  openOfflineStore,
  openOnlineStore,
  projectOnlineStore,
} from "./settings.js";

/**
 * What {@link openFeatureStore} needs: the project's metadata store and directory, its store
 * settings and project name (as `keel.config.ts` gives them), and its on-demand views.
 *
 * @example
 * ```ts
 * const options: FeatureStoreOptions = { database, root: "/project", project: "churn" };
 * ```
 */
export interface FeatureStoreOptions {
  readonly database: MetadataDatabase;
  readonly root: string;
  readonly offlineStore?: OfflineStoreSettings;
  readonly onlineStore?: OnlineStoreSettings;
  /** Namespaces Redis keys (`keel:PROJECT`) when the Redis settings give no prefix. */
  readonly project?: string;
  /** Their compute functions live in code, not in the registry. */
  readonly onDemandFeatureViews?: readonly OnDemandFeatureView[];
}

/**
 * Opens a project's feature store as registered: entities, views and services from the
 * registry's current versions (what `keel apply` stored, or a rollback restored), on-demand
 * views from code, the offline and online stores the settings name. Nothing registered is
 * `KEEL_ERR_NOT_FOUND` saying to run `keel apply`. `close` closes the online store; the
 * metadata store stays the caller's.
 *
 * @example
 * ```ts
 * const { store, close } = await openFeatureStore({ database: ctx.tracking.database, root: ctx.root });
 * try { await store.materializeIncremental({ end: Date.now() }); } finally { await close(); }
 * ```
 */
export async function openFeatureStore(
  options: FeatureStoreOptions,
): Promise<{ store: FeatureStore; close: () => Promise<void> }> {
  const { repo, registry } = await registeredFeatures(options);
  const online = openOnlineStore(
    projectOnlineStore(options.onlineStore, options.project),
    options.root,
  );
  const store = new FeatureStore({
    repo,
    offline: openOfflineStore(options.offlineStore, options.root),
    online,
    registry,
  });
  return { store, close: () => online.close() };
}

/**
 * The registered definitions as a repo, with the registry they came from: all that freshness
 * checks and history need, without opening the offline or online store. Nothing registered is
 * `KEEL_ERR_NOT_FOUND` saying to run `keel apply`.
 *
 * @example
 * ```ts
 * const { repo, registry } = await registeredFeatures({ database, root: "/project" });
 * ```
 */
export async function registeredFeatures(
  options: Pick<FeatureStoreOptions, "database" | "root" | "onDemandFeatureViews">,
): Promise<{ repo: FeatureRepo; registry: FeatureRegistry }> {
  const registry = new FeatureRegistry(options.database);
  const current = await registry.current();
  if (current.empty) {
    throw new KeelError(
      "KEEL_ERR_NOT_FOUND",
      `no feature definitions are registered in ${options.database.location}; run 'keel apply' in ${options.root} first`,
      { details: { store: options.database.location } },
    );
  }
  const repo = FeatureRepo.from(
    { ...current, onDemandFeatureViews: options.onDemandFeatureViews ?? [] },
    options.root,
  );
  return { repo, registry };
}
