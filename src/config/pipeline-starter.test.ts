import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Alert } from "../monitor/index.js";
import { definePipeline, PipelineStore, step } from "../orchestrate/index.js";
import { openDatabase } from "../store/index.js";
import { pipelineStarter } from "./run-configured-monitor.js";

const root = mkdtempSync(join(tmpdir(), "keel-pipeline-starter-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The pipeline an alert starts records the logical date and params it ran with.
const retrain = definePipeline({
  name: "retrain",
  params: { trials: 50, folds: 5, reason: "", alertKind: "" },
  steps: {
    record: step({
      cache: false,
      run: (ctx) => ({
        logicalDate: ctx.logicalDate.getTime(),
        params: JSON.parse(JSON.stringify(ctx.params)),
      }),
    }),
  },
});
const alert: Alert = { monitor: "churn-drift", kind: "prediction-shift", message: "moved 12%" };

describe("pipelineStarter", () => {
  it("runs the alert's pipeline at the monitor's clock, with the sink's params under the caller's", async () => {
    const database = await openDatabase({ root });
    try {
      const simulated = Date.parse("2026-04-08T23:00:00Z");
      const sink = {
        type: "pipeline",
        pipeline: "retrain",
        params: { trials: 20, folds: 3 },
      } as const;
      const start = pipelineStarter([sink], [retrain], database, root, {
        now: () => simulated,
        params: { trials: 6 },
      });
      const started = await start?.(sink, alert);
      expect(started?.error).toBeUndefined();
      const store = new PipelineStore(database);
      const run = await store.getRun(started?.runId ?? "");
      expect(run.trigger).toBe("trigger:monitor:churn-drift");
      // A monitor run at a simulated (or backfilled) moment retrains on what was known then,
      // not at the wall clock.
      expect(run.logicalDate.getTime()).toBe(simulated);
      const outputs = JSON.parse((await store.step(run.runId, "record")).outputs ?? "{}");
      expect(outputs).toEqual({
        logicalDate: simulated,
        params: { trials: 6, folds: 3, reason: "moved 12%", alertKind: "prediction-shift" },
      });
    } finally {
      await database.close();
    }
  });

  it("defaults to the wall clock, as keel monitor run starts pipelines", async () => {
    const database = await openDatabase({ root });
    try {
      const sink = { type: "pipeline", pipeline: "retrain" } as const;
      const before = Date.now();
      const started = await pipelineStarter([sink], [retrain], database, root)?.(sink, alert);
      const run = await new PipelineStore(database).getRun(started?.runId ?? "");
      expect(run.logicalDate.getTime()).toBeGreaterThanOrEqual(before);
      expect(run.logicalDate.getTime()).toBeLessThanOrEqual(Date.now());
    } finally {
      await database.close();
    }
  });
});
