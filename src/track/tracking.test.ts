import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openTracking } from "./tracking.js";

describe("tracking SDK (SQLite)", () => {
  const root = mkdtempSync(join(tmpdir(), "keel-track-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("logs a run end to end and registers its model behind an alias", async () => {
    const tracking = await openTracking({ root });
    const run = await tracking.startRun({
      experiment: "churn",
      runName: "baseline",
      tags: { team: "growth" },
    });
    await run.logParams({ maxDepth: 6, model: "gbdt" });
    for (let step = 0; step < 5; step++) run.logMetric("loss", 1 / (step + 1), step);
    run.logMetrics({ auc: 0.84, weird: Number.NaN, big: Number.POSITIVE_INFINITY }, 4);
    await run.logInput({
      name: "telco",
      digest: "3f2a9c",
      source: "data/telco.csv",
      context: "training",
    });
    const dir = join(root, "out", "model");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "keel-model.json"), '{"format":1}');
    writeFileSync(join(dir, "weights.bin"), "0123");
    await run.logArtifact(dir, "model");
    await run.end();

    const stored = await tracking.runs.get(run.id);
    expect(stored.info.status).toBe("FINISHED");
    expect(stored.info.runName).toBe("baseline");
    expect(stored.data.params).toEqual([
      { key: "maxDepth", value: "6" },
      { key: "model", value: "gbdt" },
    ]);
    const metrics = Object.fromEntries(stored.data.metrics.map((m) => [m.key, m.value]));
    expect(metrics.loss).toBeCloseTo(0.2);
    expect(metrics.weird).toBeNaN();
    expect(metrics.big).toBe(Number.POSITIVE_INFINITY);
    expect(stored.data.tags).toContainEqual({ key: "team", value: "growth" });
    expect(stored.inputs[0]).toMatchObject({ name: "telco", context: "training" });
    const history = await tracking.runs.getMetricHistory(run.id, "loss");
    expect(history.items.map((m) => m.step)).toEqual([0, 1, 2, 3, 4]);
    expect(await tracking.artifacts.list(run.id)).toEqual([
      { path: "model", isDir: true, fileSize: undefined },
    ]);
    expect((await tracking.artifacts.list(run.id, "model")).map((e) => e.path)).toEqual([
      "model/keel-model.json",
      "model/weights.bin",
    ]);

    const v1 = await tracking.models.register("churn", {
      runId: run.id,
      artifactUri: `runs:/${run.id}/model`,
    });
    const v2 = await tracking.models.register("churn", {
      runId: run.id,
      artifactUri: `runs:/${run.id}/model`,
    });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    await tracking.models.setAlias("churn", "champion", 1, { actor: "ana", reason: "first" });
    await tracking.models.setAlias("churn", "champion", 2, { actor: "ana", reason: "better" });
    expect((await tracking.models.resolve("models:/churn@champion")).version).toBe(2);
    expect((await tracking.models.resolve("models:/churn/1")).version).toBe(1);
    const back = await tracking.models.rollback("churn", "champion", { actor: "bo" });
    expect(back.version).toBe(1);
    const history2 = await tracking.models.aliasHistory("churn", "champion");
    expect(history2.map((e) => [e.fromVersion, e.toVersion, e.actor])).toEqual([
      [2, 1, "bo"],
      [1, 2, "ana"],
      [null, 1, "ana"],
    ]);
    await expect(tracking.models.setAlias("churn", "latest", 1)).rejects.toMatchObject({
      code: "KEEL_ERR_INVALID_PARAMETER_VALUE",
    });
    await expect(tracking.models.setAlias("churn", "V2", 1)).rejects.toMatchObject({
      code: "KEEL_ERR_INVALID_PARAMETER_VALUE",
    });
    await tracking.close();
  });

  it("reports a param conflict from logParams and rejects logging after end", async () => {
    const tracking = await openTracking({ root });
    const run = await tracking.startRun();
    await run.logParams({ lr: 0.1 });
    await run.logParams({ lr: 0.1 });
    await expect(run.logParams({ lr: 0.2 })).rejects.toMatchObject({
      code: "KEEL_ERR_INVALID_PARAMETER_VALUE",
    });
    await run.end("KILLED");
    expect(() => run.logMetric("x", 1)).toThrow(/has ended/);
    expect((await tracking.runs.get(run.id)).info.status).toBe("KILLED");
    await tracking.close();
  });

  it("garbage-collects the artifacts of purged runs but keeps shared blobs", async () => {
    const tracking = await openTracking({ root });
    const file = join(root, "shared.txt");
    writeFileSync(file, "same bytes");
    const a = await tracking.startRun();
    const b = await tracking.startRun();
    await a.logArtifact(file);
    await b.logArtifact(file);
    writeFileSync(join(root, "only-a.txt"), "only in a");
    await a.logArtifact(join(root, "only-a.txt"));
    await a.end();
    await b.end();
    await tracking.runs.delete(a.id);
    const report = await tracking.gc();
    expect(report.runsPurged).toBe(1);
    expect(report.blobsDeleted).toBe(1);
    await expect(tracking.runs.get(a.id)).rejects.toMatchObject({
      code: "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
    });
    const { stream } = await tracking.artifacts.open(b.id, "shared.txt");
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("same bytes");
    await tracking.close();
  });
});
