import { join, resolve } from "node:path";
import { KeelError } from "../core/index.js";
import { duckDbOfflineStore } from "./duckdb-offline-store.js";
import type { OfflineStore } from "./offline-store.js";
import type { OnlineStore } from "./online-store.js";
import { postgresOfflineStore } from "./postgres-offline-store.js";
import { redisOnlineStore } from "./redis-online-store.js";
import { sqliteOnlineStore } from "./sqlite-online-store.js";

/**
 * Which offline store a project uses (`offlineStore` in keel.config.ts).
 *
 * @example
 * ```ts
 * const a: OfflineStoreSettings = { type: "duckdb", database: "warehouse.duckdb", memoryLimit: "2GB" };
 * const b: OfflineStoreSettings = { type: "postgres", url: "postgres://analytics@db:5432/dw", schema: "features" };
 * ```
 */
export type OfflineStoreSettings =
  | {
      readonly type: "duckdb";
      readonly database?: string;
      /** DuckDB's memory limit per retrieval, e.g. `"2GB"` (default `"1GB"`; past it, joins spill to disk). */
      readonly memoryLimit?: string;
    }
  | {
      readonly type: "postgres";
      readonly url?: string;
      readonly schema?: string;
      /** DuckDB database file that `sqlSource` queries run on (they are loaded into PostgreSQL). */
      readonly duckdbDatabase?: string;
    };

/**
 * Which online store a project uses (`onlineStore` in keel.config.ts). Redis's URL defaults to
 * `KEEL_REDIS_URL`; SQLite's path (relative to the project) to `.keel/online.db`.
 *
 * @example
 * ```ts
 * const a: OnlineStoreSettings = { type: "sqlite" };
 * const b: OnlineStoreSettings = { type: "redis", url: "redis://127.0.0.1:6379" };
 * ```
 */
export type OnlineStoreSettings =
  | { readonly type: "sqlite"; readonly path?: string }
  | { readonly type: "redis"; readonly url?: string; readonly prefix?: string };

/**
 * Opens the offline store the settings name (DuckDB by default).
 *
 * @example
 * ```ts
 * const offline = openOfflineStore(config.offlineStore, root);
 * ```
 */
export function openOfflineStore(
  settings: OfflineStoreSettings | undefined,
  root: string,
): OfflineStore {
  if (settings === undefined || settings.type === "duckdb") {
    return duckDbOfflineStore({
      ...(settings?.database === undefined ? {} : { database: settings.database }),
      ...(settings?.memoryLimit === undefined ? {} : { memoryLimit: settings.memoryLimit }),
    });
  }
  const url = settings.url ?? process.env.KEEL_PG_URL;
  if (url === undefined) {
    throw new KeelError(
      "KEEL_ERR_CONFIG_INVALID",
      `offlineStore: { type: "postgres" } needs url (or KEEL_PG_URL) in ${root}`,
      {
        details: { setting: "offlineStore.url" },
      },
    );
  }
  return postgresOfflineStore({
    url,
    ...(settings.schema === undefined ? {} : { schema: settings.schema }),
    ...(settings.duckdbDatabase === undefined ? {} : { duckdbDatabase: settings.duckdbDatabase }),
  });
}

/**
 * The online store settings of a project named `project`: Redis keys are namespaced as
 * `keel:<project>` unless the settings give a prefix, and Redis chosen by `KEEL_REDIS_URL`
 * alone (no settings) gets the same namespace as `{ type: "redis" }` does, so every way of
 * opening a project's online store (pipeline steps, `keel server`, deployments) reads and writes
 * the same keys, and two projects on one Redis do not share them.
 *
 * @example
 * ```ts
 * projectOnlineStore({ type: "redis" }, "churn"); // { type: "redis", prefix: "keel:churn" }
 * projectOnlineStore(undefined, "churn", {});     // undefined: SQLite in the project
 * ```
 */
export function projectOnlineStore(
  settings: OnlineStoreSettings | undefined,
  project: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): OnlineStoreSettings | undefined {
  const redisFromEnv = settings === undefined && (env.KEEL_REDIS_URL ?? "") !== "";
  const chosen: OnlineStoreSettings | undefined = redisFromEnv ? { type: "redis" } : settings;
  return chosen?.type === "redis" && chosen.prefix === undefined && project !== undefined
    ? { ...chosen, prefix: `keel:${project}` }
    : chosen;
}

/**
 * Opens the online store the settings name (SQLite at `.keel/online.db` by default; Redis when
 * the settings say so or `KEEL_REDIS_URL` is set and no settings are given).
 *
 * @example
 * ```ts
 * const online = openOnlineStore(config.onlineStore, root);
 * ```
 */
export function openOnlineStore(
  settings: OnlineStoreSettings | undefined,
  root: string,
): OnlineStore {
  const redisUrl = process.env.KEEL_REDIS_URL;
  if (
    settings?.type === "redis" ||
    (settings === undefined && redisUrl !== undefined && redisUrl !== "")
  ) {
    const url = (settings?.type === "redis" ? settings.url : undefined) ?? redisUrl;
    if (url === undefined) {
      throw new KeelError(
        "KEEL_ERR_CONFIG_INVALID",
        'onlineStore: { type: "redis" } needs url (or KEEL_REDIS_URL)',
        {
          details: { setting: "onlineStore.url" },
        },
      );
    }
    const prefix = settings?.type === "redis" ? settings.prefix : undefined;
    return redisOnlineStore({ url, ...(prefix === undefined ? {} : { prefix }) });
  }
  return sqliteOnlineStore({ path: resolve(root, settings?.path ?? join(".keel", "online.db")) });
}
