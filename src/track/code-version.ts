import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * The git commit of the working tree at `dir`, or `undefined` when it is not a git checkout
 * (or git is not installed). Never throws: code versions are best effort, as in MLflow.
 *
 * @example
 * ```ts
 * gitCommit(process.cwd()); // "81e5246…" or undefined
 * ```
 */
export function gitCommit(dir: string): string | undefined {
  try {
    const out = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 2000,
    }).trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : undefined;
  } catch {
    // Not a repository, no commits yet, or no git binary: the run simply has no code version.
    return undefined;
  }
}

/**
 * The installed keel package's version, read from its package.json (the code version a model
 * bundle's lineage records when nothing more precise is given).
 *
 * @example
 * ```ts
 * keelVersion(); // "0.1.0"
 * ```
 */
export function keelVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
