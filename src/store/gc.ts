import { unlink } from "node:fs/promises";
import type { ArtifactStore } from "./artifact-store.js";
import type { MetadataDatabase } from "./database.js";

/**
 * What a garbage collection removed.
 *
 * @example
 * ```ts
 * const report: GcReport = { blobsDeleted: 2, bytesFreed: 2048, orphansDeleted: 0, tempDeleted: 1 };
 * ```
 */
export interface GcReport {
  /** Blobs whose reference count had dropped to zero. */
  blobsDeleted: number;
  bytesFreed: number;
  /** Files with no database row at all (left by a crash between write and record). */
  orphansDeleted: number;
  /** Stale temp files from interrupted uploads. */
  tempDeleted: number;
}

/**
 * Deletes unreferenced artifact blobs: rows with `ref_count` 0 and their files, files that no
 * row knows (older than the grace period, so an upload in flight is never touched) and stale
 * temp files. The row is deleted before the file, and writers record the row before they move
 * the file into place, so a blob that is referenced again concurrently survives. Only regular
 * files the store itself laid out are deleted (`lstat`, never through a symbolic link); anything
 * else found in the store is skipped.
 *
 * @example
 * ```ts
 * const report = await collectGarbage(database, artifacts);
 * console.log(`${report.bytesFreed} bytes freed`);
 * ```
 */
export async function collectGarbage(
  database: MetadataDatabase,
  artifacts: ArtifactStore,
  options: { graceMs?: number } = {},
): Promise<GcReport> {
  const graceMs = options.graceMs ?? 3_600_000;
  const dead = await database.write((tx) =>
    tx.deleteFrom("blobs").where("ref_count", "<=", 0).returning(["sha256", "size"]).execute(),
  );
  for (const blob of dead) await artifacts.remove(blob.sha256);
  const { digests, staleTemp } = await artifacts.scan(graceMs);
  const known = new Set(
    (await database.db.selectFrom("blobs").select("sha256").execute()).map((r) => r.sha256),
  );
  let orphansDeleted = 0;
  const now = Date.now();
  for (const [sha256, mtimeMs] of digests) {
    if (known.has(sha256) || now - mtimeMs <= graceMs) continue;
    if (await artifacts.remove(sha256)) orphansDeleted++;
  }
  // scan() lists only regular files (lstat) in the real temp directory.
  for (const path of staleTemp)
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  return {
    blobsDeleted: dead.length,
    bytesFreed: dead.reduce((sum, b) => sum + Number(b.size), 0),
    orphansDeleted,
    tempDeleted: staleTemp.length,
  };
}
