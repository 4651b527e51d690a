import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("WebAssembly kernels", () => {
  it("are committed as compiled from wasm/gbdt-kernels.ts", () => {
    const script = join(import.meta.dirname, "..", "scripts", "build-wasm.mjs");
    const result = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
    expect(result.stdout + result.stderr).toContain("committed kernels match their source");
    expect(result.status).toBe(0);
  });
});
