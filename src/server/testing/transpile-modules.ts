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
 * Transpiles the named src/ modules to JavaScript under `outDir` so that a test can run the
 * server in a child process (Node 20 cannot load TypeScript). `outDir` must sit inside the
 * project so that fastify, kysely and better-sqlite3 resolve from its node_modules.
 * Test-only: excluded from the build.
 *
 * @example
 * ```ts
 * transpileModules(join(process.cwd(), ".tmp", "server-js"), ["core", "tune", "store", "track", "server"]);
 * ```
 */
export function transpileModules(outDir: string, modules: readonly string[]): void {
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
}
