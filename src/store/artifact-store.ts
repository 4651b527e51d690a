import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, mkdir, readdir, rename, rm, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { KeelError } from "../core/index.js";

/**
 * A file hashed into the store's temp area, not yet visible under its digest. Record the
 * reference in the database first, then {@link ArtifactStore.commit} it: a concurrent garbage
 * collection can then never unlink a file that a committed row points at.
 *
 * @example
 * ```ts
 * const staged = await artifacts.stage(createReadStream("model.bin"));
 * staged.sha256; // "9f86d0…"
 * ```
 */
export interface StagedBlob {
  readonly sha256: string;
  readonly size: number;
  readonly tempPath: string;
}

/**
 * Content-addressed files under one directory (`.keel/artifacts`): each blob is stored once at
 * `sha256/<2 hex>/<64 hex>`, written to a temp file and renamed into place so that a reader
 * never sees half a file. Reference counts live in the metadata database (`blobs.ref_count`).
 *
 * @example
 * ```ts
 * const artifacts = new ArtifactStore(".keel/artifacts");
 * const staged = await artifacts.stage(Readable.from([Buffer.from("hello")]));
 * await artifacts.commit(staged);
 * createReadStream(artifacts.pathOf(staged.sha256));
 * ```
 */
export class ArtifactStore {
  readonly root: string;
  readonly #tempDir: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.#tempDir = join(this.root, "tmp");
  }

  /**
   * Where the blob with this digest lives (whether or not it exists).
   *
   * @example
   * ```ts
   * artifacts.pathOf("e3b0c442…"); // ".keel/artifacts/sha256/e3/e3b0c442…"
   * ```
   */
  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) {
      throw new KeelError("KEEL_ERR_INVALID_ARGUMENT", `not a SHA-256 hex digest: ${sha256}`);
    }
    return join(this.root, "sha256", sha256.slice(0, 2), sha256);
  }

  /**
   * Streams `source` into a temp file while hashing it.
   *
   * @example
   * ```ts
   * const staged = await artifacts.stage(createReadStream("report.html"));
   * ```
   */
  async stage(source: Readable): Promise<StagedBlob> {
    await mkdir(this.#tempDir, { recursive: true, mode: 0o700 });
    const tempPath = join(this.#tempDir, `${randomUUID()}.part`);
    const hash = createHash("sha256");
    let size = 0;
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer | string>) {
          for await (const chunk of chunks) {
            const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
            hash.update(bytes);
            size += bytes.length;
            yield bytes;
          }
        },
        createWriteStream(tempPath, { flags: "wx", mode: 0o600 }),
      );
    } catch (error) {
      await rm(tempPath, { force: true });
      // A source that refuses to go on (an upload over its size limit) says why itself.
      if (error instanceof KeelError) throw error;
      throw new KeelError(
        "KEEL_ERR_WRITE_FAILED",
        `writing an artifact failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return { sha256: hash.digest("hex"), size, tempPath };
  }

  /**
   * Moves a staged blob into place (a no-op for content already stored).
   *
   * @example
   * ```ts
   * await artifacts.commit(staged);
   * ```
   */
  async commit(staged: StagedBlob): Promise<void> {
    const target = this.pathOf(staged.sha256);
    await mkdir(join(target, ".."), { recursive: true, mode: 0o700 });
    // rename is atomic within one filesystem; identical content may already be there.
    await rename(staged.tempPath, target);
  }

  /**
   * Drops a staged blob that will not be committed.
   *
   * @example
   * ```ts
   * await artifacts.discard(staged);
   * ```
   */
  async discard(staged: StagedBlob): Promise<void> {
    await rm(staged.tempPath, { force: true });
  }

  /**
   * Opens a stored blob for reading.
   *
   * @example
   * ```ts
   * artifacts.open(sha).pipe(process.stdout);
   * ```
   */
  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  /**
   * Deletes a blob file (the caller has removed its database row). Only a regular file reached
   * through real directories is deleted: a symbolic link anywhere on the way (planted to point
   * out of the store) is left alone, and so is anything that is not a regular file.
   *
   * @example
   * ```ts
   * await artifacts.remove(sha);
   * ```
   */
  async remove(sha256: string): Promise<boolean> {
    const path = this.pathOf(sha256);
    const shard = join(path, "..");
    if (!(await isRealDirectory(join(shard, ".."))) || !(await isRealDirectory(shard)))
      return false;
    if (!(await isRegularFile(path))) return false;
    await unlink(path);
    return true;
  }

  /**
   * Every digest that has a file, and temp files older than `olderThanMs` (crash leftovers).
   * Uses `lstat` and never follows symbolic links; names it does not recognise (stray files
   * and directories, links) are skipped, not deleted and not an error.
   *
   * @example
   * ```ts
   * const { digests, staleTemp } = await artifacts.scan(3_600_000);
   * ```
   */
  async scan(olderThanMs: number): Promise<{ digests: Map<string, number>; staleTemp: string[] }> {
    const digests = new Map<string, number>();
    const staleTemp: string[] = [];
    const now = Date.now();
    const blobs = join(this.root, "sha256");
    if (await isRealDirectory(blobs)) {
      for (const prefix of await listDir(blobs)) {
        const shard = join(blobs, prefix);
        if (!/^[0-9a-f]{2}$/.test(prefix) || !(await isRealDirectory(shard))) continue;
        for (const name of await listDir(shard)) {
          if (!/^[0-9a-f]{64}$/.test(name) || !name.startsWith(prefix)) continue;
          const info = await lstat(join(shard, name));
          if (info.isFile()) digests.set(name, info.mtimeMs);
        }
      }
    }
    if (await isRealDirectory(this.#tempDir)) {
      for (const name of await listDir(this.#tempDir)) {
        if (!name.endsWith(".part")) continue;
        const path = join(this.#tempDir, name);
        const info = await lstat(path);
        if (info.isFile() && now - info.mtimeMs > olderThanMs) staleTemp.push(path);
      }
    }
    return { digests, staleTemp };
  }
}

async function isRealDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile();
  } catch {
    return false;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/**
 * Checks and normalises a relative artifact path (`model/keel-model.json`). Rejects absolute
 * paths, `..` segments, backslashes, NUL bytes and empty names, so that no path given by a
 * client can leave a run's artifact tree.
 *
 * @example
 * ```ts
 * normalizeArtifactPath("./model//bundle.json"); // "model/bundle.json"
 * normalizeArtifactPath("../etc/passwd");        // throws KEEL_ERR_INVALID_PARAMETER_VALUE
 * ```
 */
export function normalizeArtifactPath(path: string, where = "path"): string {
  const reject = (why: string): never => {
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAMETER_VALUE",
      `invalid artifact ${where} ${JSON.stringify(path)}: ${why}`,
      { details: { [where]: path } },
    );
  };
  if (path.includes("\0")) reject("it contains a NUL byte");
  if (path.includes("\\")) reject("use '/' as the separator, not '\\'");
  if (path.startsWith("/") || /^[a-zA-Z]:/.test(path)) reject("it must be relative");
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === "..")) reject("'..' segments are not allowed");
  if (parts.length === 0) reject("it is empty");
  return parts.join("/");
}
