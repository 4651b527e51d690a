import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { KeelError } from "../core/index.js";
import { loadModel, type ModelBundle } from "../models/index.js";
import { openTracking, parseModelSource, type Tracking } from "../track/index.js";

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

/**
 * A loaded bundle and which model it is: the registered version for a `models:/` reference,
 * `local` for a directory.
 *
 * @example
 * ```ts
 * const { bundle, version } = await loadModelRef(tracking, process.cwd(), "models:/churn@champion");
 * ```
 */
export interface LoadedModelRef {
  readonly bundle: ModelBundle;
  /** The registered version number as text (`"7"`), or `"local"` for a bundle directory. */
  readonly version: string;
  /** The registered model's name, when the reference is a registry URI. */
  readonly name?: string;
}

/**
 * Loads a model bundle named the way every keel command takes one: a directory, or a registry
 * URI (`models:/churn@champion`, `models:/churn/3`) resolved through `tracking`. A registered
 * version's source is checked as the registry checks it ({@link parseModelSource}: a run
 * artifact, or a path inside the project, symbolic links followed), so that a version
 * registered by someone else can never load files from elsewhere. A run artifact source is
 * copied out of the artifact store into a temporary directory, loaded, and the copy removed.
 *
 * @example
 * ```ts
 * const { bundle, version } = await loadModelRef(tracking, cwd, "models:/churn@champion");
 * ```
 */
export async function loadModelRef(
  tracking: Tracking,
  cwd: string,
  ref: string,
): Promise<LoadedModelRef> {
  if (!ref.startsWith("models:/"))
    return { bundle: await loadModel(resolve(cwd, ref)), version: "local" };
  const version = await tracking.models.resolve(ref);
  const loaded = { version: String(version.version), name: version.name };
  const source = parseModelSource(version.source, cwd);
  if (source.kind === "local")
    return {
      bundle: await loadModel(await realInside(source.path, cwd, version.source)),
      ...loaded,
    };
  const local = await mkdtemp(join(tmpdir(), "keel-model-"));
  try {
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
    return { bundle: await loadModel(local), ...loaded };
  } finally {
    await rm(local, { recursive: true, force: true });
  }
}

/**
 * {@link loadModelRef} for a one-off load: opens the project's tracking store in `cwd` only
 * when the reference is a registry URI, and closes it again.
 *
 * @example
 * ```ts
 * const bundle = await openModelBundle(process.cwd(), "models:/churn@champion");
 * bundle.task; // "binary"
 * ```
 */
export async function openModelBundle(cwd: string, ref: string): Promise<ModelBundle> {
  return (await openModelRef(cwd, ref)).bundle;
}

/**
 * {@link openModelBundle} with the version it resolved to (`"7"`, or `"local"` for a
 * directory), as the prediction log records it in `modelVersion`.
 *
 * @example
 * ```ts
 * const { bundle, version } = await openModelRef(process.cwd(), "models:/churn@champion");
 * ```
 */
export async function openModelRef(cwd: string, ref: string): Promise<LoadedModelRef> {
  if (!ref.startsWith("models:/"))
    return { bundle: await loadModel(resolve(cwd, ref)), version: "local" };
  const tracking = await openTracking({ root: cwd });
  try {
    return await loadModelRef(tracking, cwd, ref);
  } finally {
    await tracking.close();
  }
}
