import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetadataDatabase } from "../../store/index.js";
import { PipelineStore } from "../pipeline-store.js";

/**
 * The contract every metadata backend's pipeline state must meet (run on SQLite and
 * PostgreSQL): runs and steps round-trip, a lease is exclusive until it lapses or its owner is
 * gone, finishing needs the lease and records outputs and cache once, failures land in the
 * dead-letter table, resume keeps checkpoints.
 *
 * @example
 * ```ts
 * pipelineStoreSuite("SQLite", () => openDatabase({ root: dir }));
 * ```
 */
export function pipelineStoreSuite(name: string, open: () => Promise<MetadataDatabase>): void {
  describe(`PipelineStore on ${name}`, () => {
    let database: MetadataDatabase;
    let store: PipelineStore;
    beforeAll(async () => {
      database = await open();
      store = new PipelineStore(database);
    });
    afterAll(async () => {
      await database.close();
    });
    const newRun = (pipeline = "p", steps = ["a", "b"]) =>
      store.createRun({
        pipeline,
        logicalDate: new Date("2026-01-05T00:00:00Z"),
        params: { lr: 0.1 },
        paramsHash: "h1",
        trigger: "manual",
        executor: "local",
        steps,
      });

    it("creates a run with pending steps and reads it back", async () => {
      const run = await newRun();
      expect(run.status).toBe("running");
      expect(run.logicalDate.toISOString()).toBe("2026-01-05T00:00:00.000Z");
      expect(run.params).toEqual({ lr: 0.1 });
      const steps = await store.steps(run.runId);
      expect(steps.map((s) => [s.step, s.status, s.attempts]).sort()).toEqual([
        ["a", "pending", 0],
        ["b", "pending", 0],
      ]);
      expect((await store.listRuns({ pipeline: "p" })).map((r) => r.runId)).toContain(run.runId);
      expect((await store.latestUnfinished("p"))?.runId).toBe(run.runId);
    });

    it("says which run id is unknown", async () => {
      await expect(store.getRun("nope")).rejects.toMatchObject({
        code: "KEEL_ERR_PIPELINE_NOT_FOUND",
        message: expect.stringContaining("'nope'"),
      });
    });

    it("gives a step's lease to one owner until it lapses or the owner is gone", async () => {
      const run = await newRun();
      const soon = Date.now() + 60_000;
      expect(await store.claimStep(run.runId, "a", "h:1:x", soon)).toBe("claimed");
      expect(await store.claimStep(run.runId, "a", "h:2:y", soon)).toBe("busy");
      expect(await store.claimStep(run.runId, "a", "h:2:y", soon, (o) => o === "h:1:x")).toBe(
        "claimed",
      );
      expect(await store.heartbeat(run.runId, "a", "h:1:x", soon)).toBe(false);
      expect(await store.heartbeat(run.runId, "a", "h:2:y", soon)).toBe(true);
      // Its own live lease blocks the owner too: two slots of one worker never run one step.
      expect(await store.claimStep(run.runId, "a", "h:2:y", soon)).toBe("busy");
      const results = await Promise.all(
        ["c:1", "c:2", "c:3", "c:4"].map((o) => store.claimStep(run.runId, "b", o, soon)),
      );
      expect(results.filter((r) => r === "claimed")).toHaveLength(1);
    });

    it("finishes a step only under its lease, recording outputs and cache once", async () => {
      const run = await newRun();
      await store.claimStep(run.runId, "a", "o1", Date.now() + 60_000);
      const result = {
        status: "succeeded" as const,
        outputs: '{"x":1}',
        cacheKey: `k-${run.runId}`,
        pipeline: "p",
        cache: true,
      };
      expect(await store.finishStep(run.runId, "a", "o2", result)).toBe(false);
      expect(await store.finishStep(run.runId, "a", "o1", result)).toBe(true);
      expect(await store.finishStep(run.runId, "a", "o1", result)).toBe(false);
      expect(await store.cached(`k-${run.runId}`)).toBe('{"x":1}');
      expect(await store.claimStep(run.runId, "a", "o3", Date.now() + 60_000)).toBe("done");
      const a = await store.step(run.runId, "a");
      expect([a.status, a.outputs]).toEqual(["succeeded", '{"x":1}']);
    });

    it("files a failed step and rejected records as dead letters; resume keeps checkpoints", async () => {
      const run = await newRun("dlq");
      await store.claimStep(run.runId, "a", "o1", Date.now() + 60_000);
      await store.finishStep(run.runId, "a", "o1", {
        status: "succeeded",
        outputs: "1",
        cacheKey: `x-${run.runId}`,
        pipeline: "dlq",
        cache: false,
      });
      await store.claimStep(run.runId, "b", "o1", Date.now() + 60_000);
      const id = await store.failStep({
        runId: run.runId,
        step: "b",
        owner: "o1",
        pipeline: "dlq",
        error: "boom",
        attempts: 3,
        payload: { in: 1 },
      });
      expect(id).toBeTypeOf("number");
      await store.rejectRecords({
        pipeline: "dlq",
        runId: run.runId,
        step: "a",
        error: "tenure < 0",
        records: [{ id: 7 }, { id: 9 }],
      });
      const letter = await store.deadLetter(id as number);
      expect(letter).toMatchObject({
        kind: "step",
        step: "b",
        error: "boom",
        attempts: 3,
        payload: { in: 1 },
        status: "open",
      });
      expect(await store.deadLetters({ pipeline: "dlq", kind: "record" })).toHaveLength(2);
      await store.finishRun(run.runId, "failed", "b failed");
      await store.reopenRun(run.runId);
      const steps = new Map((await store.steps(run.runId)).map((s) => [s.step, s]));
      expect(steps.get("a")?.status).toBe("succeeded");
      expect([steps.get("b")?.status, steps.get("b")?.attempts]).toEqual(["pending", 0]);
      expect((await store.getRun(run.runId)).status).toBe("running");
      await store.markReplayed(run.runId, "b");
      expect((await store.deadLetter(id as number)).status).toBe("replayed");
      await expect(store.deadLetter(987654)).rejects.toMatchObject({
        code: "KEEL_ERR_PIPELINE_NOT_FOUND",
      });
    });

    it("keeps step logs in order", async () => {
      const run = await newRun();
      await store.appendLogs([
        { runId: run.runId, step: "a", attempt: 1, level: "info", message: "one", time: 1 },
        { runId: run.runId, step: "a", attempt: 1, level: "warn", message: "two", time: 2 },
      ]);
      expect((await store.logs(run.runId, "a")).map((l) => l.message)).toEqual(["one", "two"]);
    });
  });
}
