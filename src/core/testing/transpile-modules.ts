import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { ALLOWED } from "../../../scripts/module-rules.mjs";

const SRC = join(import.meta.dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "testing" ? [] : sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/**
 * `entry` and every src/ module it may import, directly or through another, by the dependency
 * rules the boundary check enforces (scripts/module-rules.mjs). A test that runs a module in a
 * child process transpiles this list, so a new import can never leave the child without a module.
 *
 * @example
 * ```ts
 * modulesReachableFrom("track"); // ["track", "core", "data", "transform", …]
 * ```
 */
export function modulesReachableFrom(entry: string): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const module of ALLOWED[next] ?? []) {
      if (!seen.has(module)) {
        seen.add(module);
        queue.push(module);
      }
    }
  }
  return [...seen];
}

/**
 * Transpiles the named src/ modules to JavaScript under `outDir` so that a test can run them in
 * a child process (Node 20 cannot load TypeScript). `outDir` must sit inside the project so that
 * fastify, kysely, pg and better-sqlite3 resolve from its node_modules. Test-only: excluded from
 * the build.
 *
 * @example
 * ```ts
 * const jsDir = join(process.cwd(), ".tmp", "server-js");
 * transpileModules(jsDir, modulesReachableFrom("server"));
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
