import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/run.js";
import { captureIo } from "../src/cli/testing/capture-io.js";
import type { ChurnStorySummary } from "../src/cli/demo/churn-story.js";
import { PipelineStore } from "../src/orchestrate/index.js";
import { openServingStore } from "../src/serve/index.js";
import { MonitoringStore } from "../src/store/index.js";
import { openTracking } from "../src/track/index.js";

const cwd = mkdtempSync(join(tmpdir(), "keel-demo-e2e-"));
const home = join(cwd, "keel-demo");
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe("keel demo --fast --no-serve", () => {
  it("tells the churn story end to end", async () => {
    const io = captureIo(cwd);
    const started = process.cpuUsage();
    const code = await runCli(["demo", "--fast", "--no-serve"], io);
    const cpu = process.cpuUsage(started);
    process.stderr.write(`${io.stdout()}\n${io.stderr()}\nCPU ${(cpu.user + cpu.system) / 1e6} s\n`);
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(join(home, "demo-summary.json"), "utf8")) as ChurnStorySummary;
    expect(summary.completed).toBe(true);
  }, 600_000);
});
