import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { KeelError } from "../core/index.js";
import { loadModel, type ModelBundle } from "../models/index.js";
import { parseModelSource, type Tracking } from "../track/index.js";

/** A local source's real directory, which (symlinks followed) must still be inside the project. */
async function realInside(path: string, root: string, source: string): Promise<string> {
  const [real, base] = await Promise.all([realpath(path).catch(() => path), realpath(root)]);
  const inside = relative(base, real);
  if (inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside))
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAMETER_VALUE",
      `the model version source ${JSON.stringify(source)} leads outside the project directory ${base} (through a symbolic link)`,
      { details: { source } },
    );
  return real;
}

// Here rather than in track: it needs the models module, which track's child-process test
// harnesses (transpiling core, tune, store and track only) do not load.
/**
 * Loads a model bundle named the way every keel command takes one: a directory (relative to
 * `root`), or a registry URI (`models:/churn@champion`, `models:/churn/3`) resolved in
 * `tracking`. A registered version's source is checked as the registry checks it
 * ({@link parseModelSource}: a run artifact, or a path inside the project, symbolic links
 * followed), so that a version registered by someone else can never load files from
 * elsewhere. A run artifact source is copied out of the artifact store into a temporary
 * directory, loaded, and the copy removed.
 *
 * @example
 * ```ts
 * const bundle = await loadModelRef(tracking, process.cwd(), "models:/churn@champion");
 * bundle.task; // "binary"
 * ```
 */
export async function loadModelRef(
  tracking: Tracking,
  root: string,
  ref: string,
): Promise<ModelBundle> {
  if (!ref.startsWith("models:/")) return loadModel(resolve(root, ref));
  const local = await mkdtemp(join(tmpdir(), "keel-model-"));
  try {
    const version = await tracking.models.resolve(ref);
    const source = parseModelSource(version.source, root);
    if (source.kind === "local")
      return await loadModel(await realInside(source.path, root, version.source));
    const { runId, path } = source;
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
    await rm(local, { recursive: true, force: true });
  }
}
