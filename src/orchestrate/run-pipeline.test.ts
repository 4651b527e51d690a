import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetadataDatabase, openDatabase } from "../store/index.js";
import {
  definePipeline,
  PipelineStore,
  replayDeadLetter,
  retryDelayMs,
  runPipeline,
  step,
  validatePipelines,
} from "./index.js";

const noWait = async () => {};

describe("definePipeline", () => {
  const noop = () => null;
  it("names the steps of a cycle, an unknown dependency and a self-dependency", () => {
    expect(() =>
      definePipeline({
        name: "c",
        steps: {
          a: step({ after: ["c"], run: noop }),
          b: step({ after: ["a"], run: noop }),
          c: step({ after: ["b"], run: noop }),
        },
      }),
    ).toThrow(/cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/);
    expect(() =>
      definePipeline({ name: "u", steps: { train: step({ after: ["ingst"], run: noop }) } }),
    ).toThrow("step 'train': unknown dependency 'ingst'");
    expect(() =>
      definePipeline({ name: "s", steps: { a: step({ after: ["a"], run: noop }) } }),
    ).toThrow("step 'a' depends on itself");
    expect(() =>
      definePipeline({ name: "r", steps: { a: step({ retries: -1, run: noop }) } }),
    ).toThrow("step 'a': retries must be a number ≥ 0");
  });
  it("rejects two pipelines with one name", () => {
    const p = definePipeline({ name: "dup", steps: { a: step({ run: noop }) } });
    expect(() => validatePipelines([p, p])).toThrow(
      "pipeline 'dup' is defined twice (pipelines[0] and pipelines[1])",
    );
  });
});

describe("retryDelayMs", () => {
  it("doubles from retryDelay, adds jitter below the base, caps at maxRetryDelay", () => {
    const policy = { retries: 5, retryDelay: 1000, maxRetryDelay: 5000 };
    for (let r = 1; r <= 3; r++) {
      const base = 1000 * 2 ** (r - 1);
      const d = retryDelayMs(r, policy, `x/${r}`);
      expect(d).toBeGreaterThanOrEqual(Math.min(base, 5000));
      expect(d).toBeLessThanOrEqual(Math.min(2 * base, 5000));
    }
    expect(retryDelayMs(6, policy, "x")).toBe(5000);
    expect(
      new Set([1, 2, 3, 4].map((i) => retryDelayMs(1, policy, `seed${i}`))).size,
    ).toBeGreaterThan(1);
  });
});

describe("runPipeline in process", () => {
  let root: string;
  let database: MetadataDatabase;
  let store: PipelineStore;
  const calls: string[] = [];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "keel-orch-"));
    writeFileSync(join(root, "data.csv"), "x\n1\n");
    database = await openDatabase({ root });
    store = new PipelineStore(database);
  });
  afterAll(async () => {
    await database.close();
    rmSync(root, { recursive: true, force: true });
  });
  const day = new Date("2026-01-05T00:00:00Z");

  const chain = definePipeline({
    name: "chain",
    params: { factor: 2 },
    steps: {
      ingest: step({
        inputs: ["data.csv"],
        run: () => {
          calls.push("ingest");
          return { rows: 1 };
        },
      }),
      double: step<{ factor: number }>({
        after: ["ingest"],
        run: (ctx) => {
          calls.push("double");
          return { rows: (ctx.inputs.ingest as { rows: number }).rows * ctx.params.factor };
        },
      }),
      report: step({
        after: ["double"],
        run: (ctx) => {
          calls.push("report");
          return ctx.inputs;
        },
      }),
    },
  });

  it("runs steps in dependency order, passing outputs; an identical run is all cached", async () => {
    calls.length = 0;
    const first = await runPipeline(chain, { store, root, logicalDate: day });
    expect(first.run.status).toBe("succeeded");
    expect(calls).toEqual(["ingest", "double", "report"]);
    expect(JSON.parse(first.steps.find((s) => s.step === "report")?.outputs ?? "")).toEqual({
      double: { rows: 2 },
    });
    calls.length = 0;
    const second = await runPipeline(chain, { store, root, logicalDate: day });
    expect(calls).toEqual([]);
    expect(second.steps.map((s) => s.status)).toEqual(["cached", "cached", "cached"]);
    const forced = await runPipeline(chain, { store, root, logicalDate: day, force: true });
    expect(calls).toEqual(["ingest", "double", "report"]);
    expect(forced.steps.every((s) => s.status === "succeeded")).toBe(true);
  });

  it("reruns a step whose params or input file changed, and what follows it", async () => {
    calls.length = 0;
    await runPipeline(chain, { store, root, logicalDate: day, params: { factor: 3 } });
    expect(calls).toEqual(["ingest", "double", "report"]);
    calls.length = 0;
    writeFileSync(join(root, "data.csv"), "x\n2\n");
    await runPipeline(chain, { store, root, logicalDate: day });
    // ingest reran (new file); its outputs are the same, so double and report stay cached.
    expect(calls).toEqual(["ingest"]);
  });

  it("retries with backoff, then files the step in the dead-letter table; replay after a fix completes", async () => {
    let broken = true;
    let tries = 0;
    const waits: number[] = [];
    const flaky = definePipeline({
      name: "flaky",
      steps: {
        a: step({ run: () => "a" }),
        b: step({
          after: ["a"],
          retries: 2,
          retryDelay: 100,
          maxRetryDelay: 250,
          run: () => {
            tries++;
            if (broken) throw new Error("warehouse down");
            return "b";
          },
        }),
        c: step({ after: ["b"], run: () => "c" }),
        side: step({ run: () => "independent" }),
      },
    });
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    const failed = await runPipeline(flaky, { store, root, logicalDate: day, sleep });
    expect(failed.run.status).toBe("failed");
    expect(failed.run.error).toContain("step 'b' failed: warehouse down");
    expect(tries).toBe(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(250);
    const byStep = new Map(failed.steps.map((s) => [s.step, s]));
    expect(byStep.get("b")).toMatchObject({ status: "failed", attempts: 3 });
    expect(byStep.get("c")?.status).toBe("upstream_failed");
    expect(byStep.get("side")?.status).toBe("succeeded");
    const [letter] = await store.deadLetters({ pipeline: "flaky", status: "open" });
    expect(letter).toMatchObject({
      kind: "step",
      step: "b",
      attempts: 3,
      error: "warehouse down",
      runId: failed.run.runId,
    });
    expect(letter?.payload).toMatchObject({ inputs: { a: "a" } });
    broken = false;
    const replayed = await replayDeadLetter(flaky, letter?.id ?? -1, { store, root, sleep });
    expect(replayed.run.runId).toBe(failed.run.runId);
    expect(replayed.run.status).toBe("succeeded");
    expect(tries).toBe(4);
    expect((await store.deadLetter(letter?.id ?? -1)).status).toBe("replayed");
  });

  it("fails a try that runs past timeoutMs and aborts its signal", async () => {
    let aborted = false;
    const slow = definePipeline({
      name: "slow",
      steps: {
        a: step({
          timeoutMs: 50,
          run: (ctx) =>
            new Promise((resolve) => {
              ctx.signal.addEventListener("abort", () => {
                aborted = true;
                resolve("late");
              });
            }),
        }),
      },
    });
    const { run, steps } = await runPipeline(slow, {
      store,
      root,
      logicalDate: day,
      sleep: noWait,
    });
    expect(run.status).toBe("failed");
    expect(steps[0]?.error).toContain(
      "KEEL_ERR_STEP_TIMEOUT: step 'a' ran longer than its timeoutMs (50 ms)",
    );
    expect(aborted).toBe(true);
  });

  it("names the step and JSON path of outputs that cannot be serialised, without retrying", async () => {
    let tries = 0;
    const bad = definePipeline({
      name: "bad-out",
      steps: {
        a: step({
          retries: 3,
          run: () => {
            tries++;
            return { model: { fit: () => 1 } } as never;
          },
        }),
      },
    });
    const { steps } = await runPipeline(bad, { store, root, logicalDate: day, sleep: noWait });
    expect(steps[0]?.error).toContain(
      "KEEL_ERR_STEP_OUTPUT: step 'a' of pipeline 'bad-out': its outputs cannot be serialised as JSON: a function at $.model.fit",
    );
    expect(tries).toBe(1);
  });

  it("resumes the latest unfinished run from its first unfinished step; an unknown run is an error", async () => {
    let fail = true;
    const counts = { a: 0, b: 0 };
    const twoStep = definePipeline({
      name: "resumable",
      steps: {
        a: step({
          run: () => {
            counts.a++;
            return 1;
          },
        }),
        b: step({
          after: ["a"],
          run: () => {
            counts.b++;
            if (fail) throw new Error("no");
            return 2;
          },
        }),
      },
    });
    const first = await runPipeline(twoStep, { store, root, logicalDate: day });
    expect(first.run.status).toBe("failed");
    fail = false;
    const resumed = await runPipeline(twoStep, { store, root, resume: true });
    expect(resumed.run.runId).toBe(first.run.runId);
    expect(resumed.run.status).toBe("succeeded");
    expect(counts).toEqual({ a: 1, b: 2 });
    await expect(runPipeline(twoStep, { store, root, resume: "0000" })).rejects.toMatchObject({
      code: "KEEL_ERR_PIPELINE_NOT_FOUND",
      message: "no pipeline run with id '0000'",
    });
    await expect(runPipeline(twoStep, { store, root, resume: true })).rejects.toMatchObject({
      message: "pipeline 'resumable' has no unfinished run to resume",
    });
  });
});
