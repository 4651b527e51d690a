import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { KeelError } from "../core/index.js";
import type { FeatureRepo, ResolvedView } from "./feature-repo.js";
import type { FileSource } from "./sources.js";

/**
 * The absolute path of a view's `fileSource` (relative to the config file's folder), or
 * `KEEL_ERR_FILE_NOT_FOUND` naming the view and the path when the file is not there.
 *
 * @example
 * ```ts
 * const file = sourceFile(repo, view, { type: "file", path: "data/stats.csv" });
 * ```
 */
export function sourceFile(repo: FeatureRepo, view: ResolvedView, source: FileSource): string {
  const file = resolve(repo.root, source.path);
  if (!existsSync(file)) {
    throw new KeelError(
      "KEEL_ERR_FILE_NOT_FOUND",
      `feature view '${view.name}': source file '${file}' does not exist (paths are relative to the config file)`,
      { details: { view: view.name, file } },
    );
  }
  return file;
}
