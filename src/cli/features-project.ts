import { featureStoreSettings, type LoadedConfig, loadConfig } from "../config/index.js";
import { KeelError } from "../core/index.js";
import {
  type FeatureStore,
  type FeatureStoreOptions,
  openFeatureStore,
} from "../features/index.js";
import { type MetadataDatabase, openDatabase } from "../store/index.js";
import { type CommandContext, read } from "./command.js";

/** The `--config` and `--db` options every project command takes. */
export const PROJECT_OPTIONS = {
  config: {
    type: "string",
    valueName: "PATH",
    description: "keel.config.ts (or its directory); default: the one in the current directory",
  },
  db: {
    type: "string",
    valueName: "URL",
    description: "metadata store URL (default: KEEL_DB_URL, else <project>/.keel/keel.db)",
  },
} as const;

/**
 * Loads the project config named by `--config` (or found in the working directory).
 *
 * @example
 * ```ts
 * const loaded = await configFor(ctx);
 * ```
 */
export function configFor(ctx: CommandContext): Promise<LoadedConfig> {
  const path = read.string(ctx.options, "config");
  return loadConfig({ cwd: ctx.cwd, ...(path === undefined ? {} : { path }) });
}

/**
 * Opens the project's metadata store (`--db`, else KEEL_DB_URL, else `<root>/.keel/keel.db`).
 *
 * @example
 * ```ts
 * const database = await databaseFor(ctx, loaded);
 * ```
 */
export function databaseFor(ctx: CommandContext, loaded: LoadedConfig): Promise<MetadataDatabase> {
  const dbUrl = read.string(ctx.options, "db");
  return openDatabase({ root: loaded.root, ...(dbUrl === undefined ? {} : { dbUrl }) });
}

/**
 * Opens the project's feature store as registered: views, entities and services from the
 * registry's current versions (what `keel apply` stored, or a rollback restored), on-demand
 * views from the config. The caller closes it.
 *
 * @example
 * ```ts
 * const { store, close } = await openProjectFeatures(ctx, await configFor(ctx));
 * ```
 */
export async function openProjectFeatures(
  ctx: CommandContext,
  loaded: LoadedConfig,
): Promise<{ store: FeatureStore; close: () => Promise<void> }> {
  const database = await databaseFor(ctx, loaded);
  try {
    const { store, close } = await openFeatureStore(featureStoreOptions(loaded, database));
    return {
      store,
      close: async () => {
        await close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * The feature store settings of a loaded config over a metadata store, for
 * {@link openFeatureStore} (the CLI and serving open the store the same way).
 *
 * @example
 * ```ts
 * await openFeatureStore(featureStoreOptions(loaded, database));
 * ```
 */
export function featureStoreOptions(
  loaded: LoadedConfig,
  database: MetadataDatabase,
): FeatureStoreOptions {
  return { ...featureStoreSettings(loaded), database, root: loaded.root };
}

/**
 * Runs `work` with the project's feature store ({@link openProjectFeatures}) and closes it after.
 *
 * @example
 * ```ts
 * await withFeatureStore(ctx, async (store) => store.status());
 * ```
 */
export async function withFeatureStore<T>(
  ctx: CommandContext,
  work: (store: FeatureStore, loaded: LoadedConfig) => Promise<T>,
): Promise<T> {
  const loaded = await configFor(ctx);
  const { store, close } = await openProjectFeatures(ctx, loaded);
  try {
    return await work(store, loaded);
  } finally {
    await close();
  }
}

/**
 * A time from the command line: an ISO date or date-time (UTC unless it has an offset), epoch
 * milliseconds, or `now`.
 *
 * @example
 * ```ts
 * parseTime("2026-03-01", "--start"); // 1772323200000
 * ```
 */
export function parseTime(text: string, option: string): number {
  if (text === "now") return Date.now();
  if (/^\d{10,}$/.test(text)) return Number(text);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`;
  const ms = Date.parse(withZone);
  // Date.parse also takes 05/01/2026 (read as May 1) and rolls 2026-02-30 over to March 2:
  // only an ISO date that exists on the calendar is a date here.
  const day = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]|$)/.exec(text);
  const calendar =
    day !== null &&
    new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])))
      .toISOString()
      .startsWith(`${day[1]}-${day[2]}-${day[3]}`);
  if (Number.isNaN(ms) || !calendar) {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${option} must be an ISO date or time (2026-03-01, 2026-03-01T12:00:00Z), epoch ms or 'now'; got '${text}'`,
      { details: { option, got: text } },
    );
  }
  return ms;
}
