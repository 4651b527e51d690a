import { fileURLToPath } from "node:url";

// This module's own folder (src/features or dist/features): frames inside it are keel's, not the user's.
const OWN_DIR = fileURLToPath(new URL(".", import.meta.url));

/**
 * Where the user's code called a `define*` function, as `file:line:column`, so that a
 * definition error found later (when the config is validated) can point at the line that
 * wrote it. Frames inside keel's features module (other than its tests) are skipped.
 *
 * @example
 * ```ts
 * const at = callSite(); // "/repo/keel.config.ts:12:20"
 * ```
 */
export function callSite(): string | undefined {
  const stack = new Error().stack ?? "";
  for (const line of stack.split("\n").slice(1)) {
    const match = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (match === null) continue;
    const file = (match[1] ?? "").replace(/^file:\/\//, "");
    if (file.startsWith(OWN_DIR) && !file.endsWith(".test.ts")) continue;
    if (file.includes("/node_modules/") || file.startsWith("node:")) continue;
    return `${file}:${match[2]}:${match[3]}`;
  }
  return undefined;
}
