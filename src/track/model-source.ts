import { isAbsolute, relative, resolve, sep } from "node:path";
import { KeelError } from "../core/index.js";
import { normalizeArtifactPath } from "../store/index.js";

/**
 * Where a registered model version's files are: a run's artifacts, or a directory inside the
 * project.
 *
 * @example
 * ```ts
 * const s: ModelSource = { kind: "run", runId: "3f2a", path: "model" };
 * ```
 */
export type ModelSource =
  | { readonly kind: "run"; readonly runId: string; readonly path: string }
  | { readonly kind: "local"; readonly path: string };

function refuse(source: string, why: string): never {
  throw new KeelError(
    "KEEL_ERR_INVALID_PARAMETER_VALUE",
    `invalid model version source ${JSON.stringify(source)}: ${why}. A source is a run artifact URI (runs:/<run id>/<path>, or mlflow-artifacts:/<experiment id>/<run id>/artifacts/<path>) or a path inside the project`,
    { details: { source } },
  );
}

function runPath(source: string, path: string): string {
  if (path === "") return "";
  try {
    return normalizeArtifactPath(path, "source");
  } catch {
    return refuse(source, "its path must be relative, without '..', backslashes or NUL bytes");
  }
}

/**
 * Checks a model version source and says where it points, refusing anything that could reach
 * outside the project: `..` segments, backslashes, NUL bytes, URIs of other schemes, and paths
 * (relative to `root`, or absolute, or `file:`) that resolve outside `root`. When `runId` is
 * given a run URI must name that run. The registry checks every new version with it, and the
 * bundle opener checks again before it loads one.
 *
 * @example
 * ```ts
 * parseModelSource("runs:/3f2a/model", "/srv/churn");        // { kind: "run", runId: "3f2a", path: "model" }
 * parseModelSource("models/churn", "/srv/churn");            // { kind: "local", path: "/srv/churn/models/churn" }
 * parseModelSource("../outside/evil", "/srv/churn");         // throws KEEL_ERR_INVALID_PARAMETER_VALUE
 * ```
 */
export function parseModelSource(source: string, root: string, runId?: string): ModelSource {
  if (source.includes("\0")) refuse(source, "it contains a NUL byte");
  if (source.includes("\\")) refuse(source, "use '/' as the separator, not '\\'");
  const run = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(source);
  const proxied = /^mlflow-artifacts:\/{1,3}\d+\/([^/]+)\/artifacts(?:\/(.*))?$/.exec(source);
  const match = run ?? proxied;
  if (match) {
    const id = match[1] ?? "";
    if (id === "." || id === "..") refuse(source, "the run id is not valid");
    if (runId !== undefined && runId !== "" && id !== runId)
      refuse(source, `it names run ${id}, but the version is created for run ${runId}`);
    return { kind: "run", runId: id, path: runPath(source, match[2] ?? "") };
  }
  let path = source;
  if (/^file:/i.test(path)) path = decodeURIComponent(path.replace(/^file:(\/\/[^/]*)?/i, ""));
  else if (/^[a-z][a-z0-9+.-]+:/i.test(path))
    refuse(source, "keel cannot load models from this scheme");
  if (path.split("/").includes("..")) refuse(source, "'..' segments are not allowed");
  const base = resolve(root);
  const absolute = resolve(base, path);
  const inside = relative(base, absolute);
  if (inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside))
    refuse(source, `it is outside the project directory ${base}`);
  return { kind: "local", path: absolute };
}
