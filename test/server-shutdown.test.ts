import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openTracking } from "../src/track/index.js";

// Runs the built binary (npm test builds before vitest), as an operator would, and stops it
// with a real SIGTERM while a slow upload and a heavy search are in flight.
const bin = join(import.meta.dirname, "..", "dist", "cli", "main.js");
const root = mkdtempSync(join(tmpdir(), "keel-shutdown-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("keel server shutdown", () => {
  it("exits within a few seconds of SIGTERM with a slow upload and a heavy search in flight", async () => {
    const tracking = await openTracking({ root });
    const experimentId = await tracking.experiments.create({ name: "heavy" });
    const runIds: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const run = await tracking.runs.create({ experimentId, tags: [] });
      await tracking.runs.logBatch(run.info.runId, { params: [{ key: "lr", value: `v${i}` }] });
      runIds.push(run.info.runId);
    }
    await tracking.close();

    const child = spawn(
      process.execPath,
      [bin, "server", "--port", "0", "--statement-timeout", "60s"],
      { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    const port = await new Promise<number>((resolve, reject) => {
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
        if (match) resolve(Number(match[1]));
      });
      child.on("exit", (code) => reject(new Error(`server exited early (${code}): ${err}`)));
    });

    const slow = connect(port, "127.0.0.1");
    slow.on("error", () => {});
    slow.write(
      `PUT /api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runIds[0]}/artifacts/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999\r\n\r\nxx`,
    );
    const filter = Array.from({ length: 100 }, (_, i) => `params.lr = 'v${i}'`).join(" OR ");
    const search = fetch(`http://127.0.0.1:${port}/api/2.0/mlflow/runs/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ experiment_ids: [experimentId], filter }),
    }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    child.kill("SIGTERM");
    const code = await exited;
    const tookMs = performance.now() - t0;
    slow.destroy();
    await search;
    console.log(`keel server exited ${tookMs.toFixed(0)} ms after SIGTERM`);
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(6_000);
  }, 120_000);
});
