import type { Readable } from "node:stream";
import { KeelError } from "../core/index.js";
import {
  type ArtifactStore,
  type MetadataDatabase,
  normalizeArtifactPath,
} from "../store/index.js";
import { checkRunId } from "./runs.js";
import type { ArtifactEntry } from "./types.js";

type Tx = MetadataDatabase["db"];

/**
 * Run artifacts: files in a run's tree, stored once by content in the {@link ArtifactStore}
 * and reference-counted, so that purging runs frees exactly the blobs nothing else uses.
 *
 * @example
 * ```ts
 * await tracking.artifacts.put(runId, "model/keel-model.json", createReadStream("out/keel-model.json"));
 * const entries = await tracking.artifacts.list(runId, "model");
 * ```
 */
export class RunArtifacts {
  readonly #database: MetadataDatabase;
  readonly #store: ArtifactStore;

  constructor(database: MetadataDatabase, store: ArtifactStore) {
    this.#database = database;
    this.#store = store;
  }

  /**
   * Writes one file at `path` in the run's tree (replacing what was there).
   *
   * @example
   * ```ts
   * await artifacts.put(runId, "report.html", Readable.from([html]));
   * ```
   */
  async put(
    runId: string,
    path: string,
    content: Readable,
  ): Promise<{ sha256: string; size: number }> {
    checkRunId(runId);
    const relative = normalizeArtifactPath(path);
    const staged = await this.#store.stage(content);
    try {
      await this.#database.write(async (tx) => {
        const run = await tx
          .selectFrom("runs")
          .select("lifecycle_stage")
          .where("run_uuid", "=", runId)
          .executeTakeFirst();
        if (!run)
          throw new KeelError("KEEL_ERR_RESOURCE_DOES_NOT_EXIST", `run '${runId}' not found`, {
            details: { run_id: runId },
          });
        if (run.lifecycle_stage !== "active")
          throw new KeelError(
            "KEEL_ERR_INVALID_PARAMETER_VALUE",
            `the run ${runId} must be active to log artifacts`,
            { details: { run_id: runId } },
          );
        const old = await tx
          .selectFrom("run_artifacts")
          .select("sha256")
          .where("run_uuid", "=", runId)
          .where("path", "=", relative)
          .executeTakeFirst();
        if (old?.sha256 === staged.sha256) return;
        await retainBlob(tx, staged.sha256, staged.size);
        if (old) await releaseBlob(tx, old.sha256);
        await tx
          .insertInto("run_artifacts")
          .values({ run_uuid: runId, path: relative, sha256: staged.sha256, size: staged.size })
          .onConflict((oc) =>
            oc
              .columns(["run_uuid", "path"])
              .doUpdateSet({ sha256: staged.sha256, size: staged.size }),
          )
          .execute();
      });
      await this.#store.commit(staged);
    } catch (error) {
      await this.#store.discard(staged);
      throw error;
    }
    return { sha256: staged.sha256, size: staged.size };
  }

  /**
   * Lists the direct children of `path` (the root when empty): files with sizes, directories.
   *
   * @example
   * ```ts
   * await artifacts.list(runId); // [{ path: "model", isDir: true, fileSize: undefined }, …]
   * ```
   */
  async list(runId: string, path = ""): Promise<ArtifactEntry[]> {
    checkRunId(runId);
    const prefix = path === "" ? "" : `${normalizeArtifactPath(path)}/`;
    const rows = await this.#database.db
      .selectFrom("run_artifacts")
      .select(["path", "size"])
      .where("run_uuid", "=", runId)
      .$if(prefix !== "", (q) =>
        q.where("path", ">=", prefix).where("path", "<", `${prefix.slice(0, -1)}0`),
      )
      .orderBy("path")
      .execute();
    const entries = new Map<string, ArtifactEntry>();
    for (const row of rows) {
      const rest = row.path.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (slash < 0)
        entries.set(row.path, { path: row.path, isDir: false, fileSize: Number(row.size) });
      else {
        const dir = prefix + rest.slice(0, slash);
        entries.set(dir, { path: dir, isDir: true, fileSize: undefined });
      }
    }
    return [...entries.values()];
  }

  /**
   * Opens one artifact file for reading; a missing file is RESOURCE_DOES_NOT_EXIST.
   *
   * @example
   * ```ts
   * const { stream, size } = await artifacts.open(runId, "model/keel-model.json");
   * ```
   */
  async open(
    runId: string,
    path: string,
  ): Promise<{ stream: Readable; size: number; sha256: string }> {
    checkRunId(runId);
    const relative = normalizeArtifactPath(path);
    const row = await this.#database.db
      .selectFrom("run_artifacts")
      .select(["sha256", "size"])
      .where("run_uuid", "=", runId)
      .where("path", "=", relative)
      .executeTakeFirst();
    if (!row)
      throw new KeelError(
        "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        `no artifact '${relative}' in run '${runId}'`,
        { details: { run_id: runId, path: relative } },
      );
    return { stream: this.#store.open(row.sha256), size: Number(row.size), sha256: row.sha256 };
  }

  /**
   * Deletes the artifacts at or under `path` (all of the run's when empty); the blobs are
   * freed by the next `keel gc` if nothing else references them.
   *
   * @example
   * ```ts
   * await artifacts.delete(runId, "checkpoints");
   * ```
   */
  async delete(runId: string, path = ""): Promise<number> {
    checkRunId(runId);
    const relative = path === "" ? "" : normalizeArtifactPath(path);
    return this.#database.write(async (tx) => {
      const rows = await tx
        .selectFrom("run_artifacts")
        .select(["path", "sha256"])
        .where("run_uuid", "=", runId)
        .$if(relative !== "", (q) =>
          q.where((eb) =>
            eb.or([
              eb("path", "=", relative),
              eb.and([eb("path", ">=", `${relative}/`), eb("path", "<", `${relative}0`)]),
            ]),
          ),
        )
        .execute();
      for (const row of rows) {
        await releaseBlob(tx, row.sha256);
        await tx
          .deleteFrom("run_artifacts")
          .where("run_uuid", "=", runId)
          .where("path", "=", row.path)
          .execute();
      }
      return rows.length;
    });
  }
}

/**
 * Adds one reference to a blob (creating its row).
 *
 * @example
 * ```ts
 * await retainBlob(tx, sha256, size);
 * ```
 */
export async function retainBlob(tx: Tx, sha256: string, size: number): Promise<void> {
  await tx
    .insertInto("blobs")
    .values({ sha256, size, ref_count: 1, created_at: Date.now() })
    .onConflict((oc) =>
      oc.column("sha256").doUpdateSet({ ref_count: (eb) => eb("blobs.ref_count", "+", 1) }),
    )
    .execute();
}

/**
 * Drops one reference to a blob; at zero the next garbage collection deletes it.
 *
 * @example
 * ```ts
 * await releaseBlob(tx, sha256);
 * ```
 */
export async function releaseBlob(tx: Tx, sha256: string): Promise<void> {
  await tx
    .updateTable("blobs")
    .set((eb) => ({ ref_count: eb("ref_count", "-", 1) }))
    .where("sha256", "=", sha256)
    .execute();
}
