import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetadataDatabase, openDatabase } from "../store/index.js";
import {
  backfill,
  definePipeline,
  fireTimes,
  PipelineStore,
  replayDeadLetter,
  runPipeline,
  step,
  triggerPipeline,
} from "./index.js";

const noWait = async () => {};

/** A step body that signals when it starts and holds until released, counting its calls. */
function heldStep() {
  let count = 0;
  let open = () => {};
  let markStarted = () => {};
  const isStarted = new Promise<void>((r) => {
    markStarted = r;
  });
  return {
    isStarted,
    release: () => open(),
    calls: () => count,
    run: async () => {
      count += 1;
      markStarted();
      await new Promise<void>((r) => {
        open = r;
      });
      return 1;
    },
  };
}

describe("pipelines under hostile use", () => {
  let root: string;
  let database: MetadataDatabase;
  let store: PipelineStore;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "keel-orch-hard-"));
    database = await openDatabase({ root });
    store = new PipelineStore(database);
  });
  afterAll(async () => {
    await database.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("refuses to resume a run whose step a live runner holds: the step never runs twice at once", async () => {
    const { isStarted, release, calls, run: body } = heldStep();
    const p = definePipeline({
      name: "live",
      steps: {
        slow: step({ run: body }),
      },
    });
    const first = runPipeline(p, { store, root, logicalDate: new Date("2026-01-05") });
    await isStarted;
    const [running] = await store.listRuns({ pipeline: "live" });
    await expect(
      runPipeline(p, { store, root, resume: running?.runId ?? "" }),
    ).rejects.toMatchObject({
      code: "KEEL_ERR_CONFLICT",
      message: expect.stringContaining("step 'slow'"),
    });
    await expect(runPipeline(p, { store, root, resume: true })).rejects.toMatchObject({
      code: "KEEL_ERR_CONFLICT",
    });
    release();
    const { run } = await first;
    expect(run.status).toBe("succeeded");
    expect(calls()).toBe(1);
  });

  it("says a finished run has nothing to resume, and a replayed letter was replayed", async () => {
    let fixed = false;
    const p = definePipeline({
      name: "flaky",
      steps: {
        a: step({
          run: () => {
            if (!fixed) throw new Error("broken");
            return 1;
          },
        }),
      },
    });
    const failed = await runPipeline(p, {
      store,
      root,
      logicalDate: new Date("2026-01-05"),
      sleep: noWait,
    });
    expect(failed.run.status).toBe("failed");
    const [letter] = await store.deadLetters({ pipeline: "flaky" });
    fixed = true;
    const replayed = await replayDeadLetter(p, letter?.id ?? 0, { store, root });
    expect(replayed.run.status).toBe("succeeded");
    await expect(replayDeadLetter(p, letter?.id ?? 0, { store, root })).rejects.toMatchObject({
      code: "KEEL_ERR_INVALID_STATE",
      message: expect.stringContaining(`dead letter ${letter?.id} was already replayed`),
    });
    await expect(runPipeline(p, { store, root, resume: failed.run.runId })).rejects.toMatchObject({
      code: "KEEL_ERR_INVALID_STATE",
      message: expect.stringContaining("already succeeded"),
    });
  });

  it("records what a step threw when it is not an Error", async () => {
    const thrown: unknown[] = [{ code: 42, reason: "quota" }, undefined, 7n];
    for (const [i, value] of thrown.entries()) {
      const p = definePipeline({
        name: `throws${i}`,
        steps: {
          a: step({
            run: () => {
              throw value;
            },
          }),
        },
      });
      const { steps } = await runPipeline(p, { store, root, logicalDate: new Date("2026-01-05") });
      expect(steps[0]?.error).not.toContain("[object Object]");
      expect(steps[0]?.error).toContain("threw a non-Error value");
    }
    const [obj] = await store.deadLetters({ pipeline: "throws0" });
    expect(obj?.error).toContain('{"code":42,"reason":"quota"}');
  });

  it("rejects a param override whose type differs from the pipeline's default, naming it", async () => {
    const p = definePipeline({
      name: "typed",
      params: { factor: 2, model: "gbdt", note: null },
      steps: { a: step({ run: () => 1 }) },
    });
    await expect(runPipeline(p, { store, root, params: { factor: "abc" } })).rejects.toMatchObject({
      code: "KEEL_ERR_INVALID_ARGUMENT",
      message: expect.stringContaining(
        "param 'factor' of pipeline 'typed' is a number (default 2), got \"abc\"",
      ),
    });
    const ok = await runPipeline(p, { store, root, params: { factor: 3, note: "x" } });
    expect(ok.run.params).toEqual({ factor: 3, model: "gbdt", note: "x" });
  });

  it("rejects a param the pipeline does not declare wherever params enter, listing the declared ones", async () => {
    let ran = 0;
    const p = definePipeline({
      name: "declared",
      schedule: "0 0 * * 1",
      params: { learningRate: 0.1, depth: 4 },
      steps: {
        a: step({
          run: () => {
            ran += 1;
            return 1;
          },
        }),
      },
    });
    const expected = {
      code: "KEEL_ERR_INVALID_ARGUMENT",
      message:
        "pipeline 'declared' has no param 'lerningRate'; its params are learningRate (default 0.1), depth (default 4). 'lerningRate': did you mean 'learningRate'?",
      details: { unknown: ["lerningRate"], declared: ["learningRate", "depth"] },
    };
    const params = { lerningRate: 0.2 };
    await expect(runPipeline(p, { store, root, params })).rejects.toMatchObject(expected);
    await expect(
      triggerPipeline(p, { store, root, params, source: "drift", reason: "PSI 0.3" }),
    ).rejects.toMatchObject(expected);
    await expect(
      backfill(p, {
        store,
        root,
        params,
        from: new Date("2026-01-01T00:00:00Z"),
        to: new Date("2026-01-31T00:00:00Z"),
      }),
    ).rejects.toMatchObject(expected);
    expect(ran).toBe(0);
    expect(await store.listRuns({ pipeline: "declared" })).toEqual([]);
    // A pipeline without params takes none; a trigger's reason is every pipeline's param.
    const bare = definePipeline({ name: "bare", steps: { a: step({ run: () => 1 }) } });
    await expect(runPipeline(bare, { store, root, params: { x: 1 } })).rejects.toThrow(
      "pipeline 'bare' has no param 'x'; it declares no params",
    );
    const triggered = await triggerPipeline(bare, { store, root, source: "drift", reason: "r" });
    expect(triggered.run.params).toEqual({ reason: "r" });
  });

  it("rejects timers Node cannot hold instead of firing them at once", () => {
    expect(() =>
      definePipeline({ name: "t", steps: { a: step({ timeoutMs: 3e9, run: () => 1 }) } }),
    ).toThrow("step 'a': timeoutMs must be at most 2147483647");
    expect(() =>
      definePipeline({
        name: "t",
        steps: { a: step({ retryDelay: 3e9, maxRetryDelay: 4e9, run: () => 1 }) },
      }),
    ).toThrow("step 'a': retryDelay must be at most 2147483647");
  });

  it("an interrupt fails the running try at once, starts nothing else, and the run resumes", async () => {
    let started = () => {};
    const isStarted = new Promise<void>((r) => {
      started = r;
    });
    let hang = true;
    const calls: string[] = [];
    const p = definePipeline({
      name: "ctrl-c",
      steps: {
        slow: step({
          retries: 3,
          retryDelay: 1,
          run: async () => {
            calls.push("slow");
            started();
            // Ignores ctx.signal, as user code often does.
            if (hang) await new Promise(() => {});
            return 1;
          },
        }),
        next: step({ after: ["slow"], run: () => calls.push("next") }),
      },
    });
    const controller = new AbortController();
    const interrupted = runPipeline(p, {
      store,
      root,
      logicalDate: new Date("2026-01-05"),
      signal: controller.signal,
    });
    await isStarted;
    controller.abort(new Error("interrupted by SIGINT"));
    const { run, steps } = await interrupted;
    expect(run.status).toBe("failed");
    expect(run.error).toContain("interrupted: interrupted by SIGINT");
    expect(steps.map((s) => s.status)).toEqual(["failed", "upstream_failed"]);
    expect(calls).toEqual(["slow"]);
    hang = false;
    const resumed = await runPipeline(p, { store, root, resume: run.runId });
    expect(resumed.run.status).toBe("succeeded");
    expect(calls).toEqual(["slow", "slow", "next"]);
  });

  it("refuses a second run of the same date and params while the first is running", async () => {
    const { isStarted, release, calls, run: body } = heldStep();
    const p = definePipeline({
      name: "twice",
      params: { k: 1 },
      steps: {
        a: step({ run: body }),
      },
    });
    const day = new Date("2026-01-05");
    const first = runPipeline(p, { store, root, logicalDate: day });
    await isStarted;
    await expect(runPipeline(p, { store, root, logicalDate: day })).rejects.toMatchObject({
      code: "KEEL_ERR_CONFLICT",
      message: expect.stringContaining("pipeline 'twice' is already running for 2026-01-05"),
    });
    release();
    expect((await first).run.status).toBe("succeeded");
    expect(calls()).toBe(1);
    const again = await runPipeline(p, { store, root, logicalDate: day });
    expect(again.steps.map((s) => s.status)).toEqual(["cached"]);
  });

  it("says a timeoutMs of 0 is no timeout spelled wrong, and refuses a backfill of millions of dates", () => {
    expect(() =>
      definePipeline({ name: "t0", steps: { a: step({ timeoutMs: 0, run: () => 1 }) } }),
    ).toThrow("step 'a': timeoutMs must be > 0 ms; leave it out for no timeout");
    const everySecond = definePipeline({
      name: "secs",
      schedule: "* * * * * *",
      steps: { a: step({ run: () => 1 }) },
    });
    expect(() => fireTimes(everySecond, new Date("2020-01-01"), new Date("2026-01-01"))).toThrow(
      "pipeline 'secs': cron '* * * * * *' fires more than 10000 times",
    );
    expect(
      fireTimes(everySecond, new Date("2026-01-01"), new Date("2026-01-01T00:00:09Z")),
    ).toHaveLength(10);
  });
});
