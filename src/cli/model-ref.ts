import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { loadModel, type ModelBundle } from "../models/index.js";
import { openTracking } from "../track/index.js";

/**
 * Loads a model bundle named the way every keel command takes one: a directory, or a registry
 * URI (`models:/churn@champion`, `models:/churn/3`). A registered version whose source is a
 * run artifact (`runs:/RUN/PATH`) is copied out of the artifact store into a temporary
 * directory, loaded, and the copy removed.
 *
 * @example
 * ```ts
 * const bundle = await openModelBundle(process.cwd(), "models:/churn@champion");
 * bundle.task; // "binary"
 * ```
 */
export async function openModelBundle(cwd: string, ref: string): Promise<ModelBundle> {
  if (!ref.startsWith("models:/")) return loadModel(resolve(cwd, ref));
  const tracking = await openTracking({ root: cwd });
  const local = await mkdtemp(join(tmpdir(), "keel-model-"));
  try {
    const version = await tracking.models.resolve(ref);
    const match = /^runs:\/([^/]+)\/(.+)$/.exec(version.source);
    // A plain path registered as the source.
    if (!match) return await loadModel(resolve(cwd, version.source));
    const runId = match[1] ?? "";
    const path = match[2] ?? "";
    for (const entry of await tracking.artifacts.list(runId, path)) {
      // A bundle is two flat files; deeper entries are not part of it.
      if (entry.isDir) continue;
      const target = join(local, entry.path.slice(path.length).replace(/^\/+/, ""));
      await mkdir(dirname(target), { recursive: true });
      const chunks: Buffer[] = [];
      const { stream } = await tracking.artifacts.open(runId, entry.path);
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      await writeFile(target, Buffer.concat(chunks));
    }
    return await loadModel(local);
  } finally {
    await tracking.close();
    await rm(local, { recursive: true, force: true });
  }
}
