import { existsSync } from "node:fs";
import { cp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KeelError } from "../../core/index.js";

/**
 * The file that marks a directory as a demo home, which `keel demo` may wipe and refill.
 *
 * @example
 * ```ts
 * existsSync(join(home, DEMO_MARKER)); // true in a home keel demo made
 * ```
 */
export const DEMO_MARKER = ".keel-demo";

/**
 * The churn example's directory in the keel source tree (`examples/churn`), from this file's
 * place in `src/cli/demo` or `dist/cli/demo`.
 *
 * @example
 * ```ts
 * const example = churnExampleDir(); // …/examples/churn
 * ```
 */
export function churnExampleDir(): string {
  const dir = fileURLToPath(new URL("../../../examples/churn/", import.meta.url));
  if (!existsSync(join(dir, "keel.config.ts")))
    throw new KeelError(
      "KEEL_ERR_NOT_FOUND",
      `keel demo needs the churn example at ${dir} (examples/churn of the keel source tree); it is not there`,
      { details: { expected: dir } },
    );
  return dir;
}

/**
 * What is at a demo home's path: nothing (or an empty directory), a home `keel demo` made, or
 * a directory of someone else's files.
 *
 * @example
 * ```ts
 * const found = await inspectDemoHome("./keel-demo");
 * if (found === "demo") console.log("pass --resume or --fresh");
 * ```
 */
export async function inspectDemoHome(home: string): Promise<"none" | "demo" | "foreign"> {
  if (!existsSync(home)) return "none";
  const entries = await readdir(home);
  if (entries.length === 0) return "none";
  return entries.includes(DEMO_MARKER) ? "demo" : "foreign";
}

/**
 * Makes `home` a fresh demo project: the churn example's config, a marker
 * file and nothing else. A directory that holds files but no marker is refused rather than
 * wiped, so `keel demo` never deletes work it did not create.
 *
 * @example
 * ```ts
 * await prepareDemoHome("./keel-demo");
 * ```
 */
export async function prepareDemoHome(home: string): Promise<void> {
  const found = await inspectDemoHome(home);
  if (found === "foreign")
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${home} exists and was not made by keel demo (no ${DEMO_MARKER} file); remove it or pass --home DIR`,
      { details: { home } },
    );
  if (found === "demo") await rm(home, { recursive: true, force: true });
  await mkdir(join(home, "data"), { recursive: true });
  const example = churnExampleDir();
  await cp(join(example, "keel.config.ts"), join(home, "keel.config.ts"));
  await writeFile(
    join(home, DEMO_MARKER),
    "Made by `keel demo`; `keel demo --resume` continues its story, `keel demo --fresh` replaces this directory.\n",
  );
}
