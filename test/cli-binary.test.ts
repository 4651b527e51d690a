import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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

  it("runs tune trials on worker threads with --jobs, reading the data in each worker", () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-tune-jobs-"));
    try {
      const args = ["tune", "--data", telco, "--target", "churn", "--positive", "Yes"];
      const result = spawnSync(
        process.execPath,
        [
          bin,
          ...args,
          "--trials",
          "6",
          "--cv",
          "2",
          "--jobs",
          "2",
          "--out",
          join(dir, "m"),
          "--json",
        ],
        { encoding: "utf8", timeout: 120_000 },
      );
      expect(result.stderr).not.toMatch(/Error|error KEEL/);
      expect(result.status).toBe(0);
      const summary = JSON.parse(result.stdout) as {
        bestValue: number;
        trials: { COMPLETE: number; PRUNED: number; FAIL: number };
      };
      expect(summary.trials.FAIL).toBe(0);
      expect(summary.trials.COMPLETE + summary.trials.PRUNED).toBe(6);
      expect(summary.bestValue).toBeGreaterThan(0.8);
      expect(existsSync(join(dir, "m", "keel-model.json"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
