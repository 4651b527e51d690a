import { execFileSync } from "node:child_process";

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
