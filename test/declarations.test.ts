import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// keel's published type declarations (dist/*.d.ts; npm test builds before vitest) must check
// in a strict Node project without lib "DOM" and without skipLibCheck, as a user's would.
const root = join(import.meta.dirname, "..");

describe("the published type declarations", () => {
  it("type-check in a strict Node project with skipLibCheck off", () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-dts-"));
    try {
      writeFileSync(
        join(dir, "use.mts"),
        `import { GbdtClassifier, readFrame, createStudy, openTracking } from ${JSON.stringify(join(root, "dist", "index.js"))};
const frame = await readFrame("data.csv");
const model = new GbdtClassifier({ nEstimators: 10 }).fit(frame, frame.column("y"));
model.predictProba(frame, { nThreads: 2 });
export { createStudy, openTracking };
`,
      );
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: "NodeNext",
            moduleResolution: "NodeNext",
            target: "ES2022",
            lib: ["ES2023"],
            types: ["node"],
            typeRoots: [join(root, "node_modules", "@types")],
            skipLibCheck: false,
            noEmit: true,
          },
          files: ["use.mts"],
        }),
      );
      const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
      const result = spawnSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8" });
      expect(result.stdout + result.stderr).toBe("");
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
