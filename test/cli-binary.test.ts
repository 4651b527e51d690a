import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Runs the built binary (npm test builds before vitest), as a user's shell would.
const bin = join(import.meta.dirname, "..", "dist", "cli", "main.js");
const telco = join(import.meta.dirname, "..", "data", "telco_churn.csv");

describe("the keel binary", () => {
  it("exits quietly when the reader closes the pipe early", () => {
    const script = `"${process.execPath}" "${bin}" data profile "${telco}" | head -1 >/dev/null; exit \${PIPESTATUS[0]}`;
    const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(result.stderr).not.toMatch(/EPIPE|Error/);
    expect(result.status).toBe(0);
  });
});
