import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const script = join(import.meta.dirname, "..", "scripts", "check-boundaries.mjs");

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "keel-boundaries-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function check(root: string) {
  const result = spawnSync(process.execPath, [script, root], { encoding: "utf8" });
  return { code: result.status, output: result.stdout + result.stderr };
}

describe("module boundary check", () => {
  it("accepts imports that follow the dependency direction through index.ts", () => {
    const root = tree({
      "core/index.ts": "export const x = 1;\n",
      "data/index.ts": 'import { x } from "../core/index.js";\nexport const y = x;\n',
    });
    expect(check(root)).toMatchObject({ code: 0 });
  });

  it("rejects an upward import with file and line", () => {
    const root = tree({
      "core/index.ts": 'export const x = 1;\nimport { y } from "../data/index.js";\n',
      "data/index.ts": "export const y = 2;\n",
    });
    const result = check(root);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/core\/index\.ts:2: module 'core' may not import module 'data'/);
  });

  it("rejects reaching into another module's inner files", () => {
    const root = tree({
      "core/frame.ts": "export const f = 1;\n",
      "data/read.ts": 'import { f } from "../core/frame.js";\nexport const g = f;\n',
    });
    expect(check(root).output).toMatch(/only through its index\.ts/);
  });

  it("lets tests use another module's test kit through testing/index.ts only", () => {
    const root = tree({
      "transform/testing/index.ts": "export const checks = 1;\n",
      "transform/testing/inner.ts": "export const inner = 1;\n",
      "transform/index.ts": "export const t = 1;\n",
      "models/gbdt.test.ts":
        'import { checks } from "../transform/testing/index.js";\nexport const c = checks;\n',
      "models/gbdt.ts":
        'import { checks } from "../transform/testing/index.js";\nexport const c = checks;\n',
      "models/other.test.ts":
        'import { inner } from "../transform/testing/inner.js";\nexport const i = inner;\n',
    });
    const { output } = check(root);
    expect(output).not.toMatch(/gbdt\.test\.ts/);
    expect(output).toMatch(/models\/gbdt\.ts:1: import another module only through its index\.ts/);
    expect(output).toMatch(
      /models\/other\.test\.ts:1: import another module only through its index\.ts/,
    );
  });

  it("treats a module's testing/ kit as test code, which may use other test kits", () => {
    const root = tree({
      "core/testing/index.ts": "export const kit = 1;\n",
      "core/testing/inner.ts": "export const inner = 1;\n",
      "server/testing/seed.ts":
        'import { kit } from "../../core/testing/index.js";\nimport { inner } from "../../core/testing/inner.js";\nexport const s = kit + inner;\n',
    });
    const { output } = check(root);
    expect(output).not.toMatch(/seed\.ts:1/);
    expect(output).toMatch(
      /server\/testing\/seed\.ts:2: import another module only through its index\.ts/,
    );
  });

  it("keeps algorithm modules free of database packages", () => {
    const root = tree({ "models/train.ts": 'import pg from "pg";\nexport const p = pg;\n' });
    expect(check(root).output).toMatch(/module 'models' must stay pure but imports 'pg'/);
  });
});
