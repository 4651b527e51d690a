import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

const SRC = join(import.meta.dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "testing" ? [] : sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/**
 * Transpiles src/core, src/tune, src/store and src/track to JavaScript under `outDir` so that tests can
 * log from child processes (Node 20 cannot load TypeScript). `outDir` must sit inside the
 * project so that `kysely`, `better-sqlite3` and `pg` resolve from its node_modules. Returns
 * the path of the transpiled track index. Test-only: excluded from the build.
 *
 * @example
 * ```ts
 * const trackIndex = transpileTrack(join(process.cwd(), ".tmp", "track-js"));
 * ```
 */
export function transpileTrack(
  outDir: string,
  modules: readonly string[] = ["core", "tune", "store", "track"],
): string {
  for (const module of modules) {
    for (const file of sources(join(SRC, module))) {
      const output = ts.transpileModule(readFileSync(file, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const target = join(outDir, relative(SRC, file)).replace(/\.ts$/, ".js");
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, output);
    }
  }
  return join(outDir, "track", "index.js");
}
