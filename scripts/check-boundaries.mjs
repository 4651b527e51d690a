#!/usr/bin/env node
// Enforces DESIGN.md's module dependency direction and the "only through index.ts" rule.
// A small script instead of dependency-cruiser: the rules fit on one screen and need no config DSL.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { ALLOWED } from "./module-rules.mjs";

// The tree to check: `src/` of this repo, or the folder given as the first argument (used by the self-test).
const SRC = resolve(process.argv[2] ?? resolve(import.meta.dirname, "..", "src"));

/** Modules whose code must stay pure: no database, HTTP or terminal packages. */
const PURE = new Set(["core", "transform", "models", "evaluate", "tune", "monitor"]);
const IMPURE_PACKAGES = [
  /^pg$/,
  /^better-sqlite3$/,
  /^kysely/,
  /^@duckdb\//,
  /^fastify/,
  /^ioredis/,
  /^redis$/,
  /^node:http/,
];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (path.endsWith(".ts")) yield path;
  }
}

function moduleOf(file) {
  const rel = relative(SRC, file).split(sep);
  return rel.length === 1 ? "(root)" : rel[0];
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const violations = [];

for (const file of walk(SRC)) {
  const from = moduleOf(file);
  // Test kits (`testing/` folders, left out of the build) are test code like `*.test.ts` files.
  const isTest = file.endsWith(".test.ts") || relative(SRC, file).split(sep).includes("testing");
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(IMPORT_RE)) {
    const spec = match[1] ?? match[2];
    // The line of the module specifier itself, so multi-line imports point at the right place.
    const line = text.slice(0, match.index + match[0].lastIndexOf(spec)).split("\n").length;
    const where = `${relative(process.cwd(), file)}:${line}`;
    if (!spec.startsWith(".")) {
      if (PURE.has(from) && !isTest && IMPURE_PACKAGES.some((re) => re.test(spec))) {
        violations.push(`${where}: module '${from}' must stay pure but imports '${spec}'`);
      }
      continue;
    }
    const target = resolve(dirname(file), spec);
    if (relative(SRC, target).startsWith("..")) {
      // Outside src/ (the module rules in scripts/): test code only; the build would not ship it.
      if (!isTest)
        violations.push(`${where}: only test code may import from outside src/ ('${spec}')`);
      continue;
    }
    const to = moduleOf(target.endsWith(".js") ? target.replace(/\.js$/, ".ts") : `${target}.ts`);
    if (to === from) continue;
    if (!(ALLOWED[from] ?? []).includes(to)) {
      violations.push(`${where}: module '${from}' may not import module '${to}' ('${spec}')`);
      continue;
    }
    const relInside = relative(join(SRC, to), target).split(sep);
    // Tests may also use another module's test kit, but only through its testing/index.ts.
    const isIndex =
      (relInside.length === 1 && /^index(\.js|\.ts)?$/.test(relInside[0])) ||
      (isTest &&
        relInside.length === 2 &&
        relInside[0] === "testing" &&
        /^index(\.js|\.ts)?$/.test(relInside[1]));
    if (!isIndex && !relative(SRC, target).match(/^[^/]+$/)) {
      violations.push(`${where}: import another module only through its index.ts, not '${spec}'`);
    }
  }
}

if (violations.length > 0) {
  console.error(`Module boundary check failed (${violations.length}):`);
  for (const v of violations) console.error(`  ${v}`);
  process.exit(1);
}
console.log("Module boundaries: ok");
