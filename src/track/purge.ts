import type { MetadataDatabase } from "../store/index.js";
import { releaseBlob } from "./artifacts.js";

/**
 * Permanently deletes runs in the `deleted` lifecycle stage (deleted at least `olderThanMs`
 * ago) with their params, metrics, tags, inputs and artifact references. Runs that a model
 * version was registered from are kept: the registry still points at their files. Returns the
 * ids purged.
 *
 * @example
 * ```ts
 * const purged = await purgeDeletedRuns(database, { olderThanMs: 7 * 86_400_000 });
 * ```
 */
export async function purgeDeletedRuns(
  database: MetadataDatabase,
  options: { olderThanMs?: number } = {},
): Promise<string[]> {
  const cutoff = Date.now() - (options.olderThanMs ?? 0);
  return database.write(async (tx) => {
    const runs = await tx
      .selectFrom("runs")
      .select("run_uuid")
      .where("lifecycle_stage", "=", "deleted")
      .where("deleted_time", "<=", cutoff)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom("model_versions")
              .select("model_versions.run_id")
              .whereRef("model_versions.run_id", "=", "runs.run_uuid"),
          ),
        ),
      )
      .execute();
    const ids = runs.map((r) => r.run_uuid);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const refs = await tx
        .selectFrom("run_artifacts")
        .select("sha256")
        .where("run_uuid", "in", chunk)
        .execute();
      for (const ref of refs) await releaseBlob(tx, ref.sha256);
      for (const table of [
        "run_artifacts",
        "metrics",
        "latest_metrics",
        "params",
        "tags",
        "run_inputs",
        "runs",
      ] as const)
        await tx.deleteFrom(table).where("run_uuid", "in", chunk).execute();
    }
    return ids;
  });
}
